})(window, document);
