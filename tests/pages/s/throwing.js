// A broken host dataLayer: every push throws.
window.dataLayer = { push: function () { throw new Error("host dataLayer is broken"); } };
