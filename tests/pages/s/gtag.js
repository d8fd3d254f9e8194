// The page's own Google tag, recording every call.
window.dataLayer = [];
window.gtag = function () { window.dataLayer.push(arguments); };
