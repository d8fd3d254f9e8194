/* Google Consent Mode v2, only when the page has gtag or dataLayer: `default` (all
   denied but what required categories cover) before any choice, `update` on each change.
   The page's own gtag or dataLayer may throw: safe reports it and the banner carries on. */
var gtagConsent = safe((kind, c) => {
  var w = window, s = {}, g = w.gtag;
  if (typeof g != "function") {
    if (!w.dataLayer) return;
    // What gtag() itself does: push the arguments object.
    g = function () { w.dataLayer.push(arguments); };
  }
  categories.map((k) => k.consentMode.map((m) => s[m] = (c ? c[k.id] : k.required) ? "granted" : "denied"));
  g("consent", kind, s);
});
