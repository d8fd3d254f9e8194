/* Start-up: what needs no <body> runs at once (API, stored choice, Consent Mode
   default, the observer, the send queue); the UI as soon as <body> exists. */
var rd = () => {
  if (lay) sL();
  if (dlg) pf();
  if (fab) sF();
  hd.forEach(pt);
};

var go = () => {
  sc(document);
  ch ? sF() : sL();
};

if (!window.ConsentBanner) {
  sf(() => {
    api();
    rC();
    gcm("default");
    if (ch) gcm("update", ch.choices);
    wt();
    fl();
    addEventListener("online", sf(fl));
    addEventListener("pagehide", sf(lv));
    document.addEventListener("click", sf(ro));
    document.addEventListener("keydown", sf(ky), true);
    // The visitor's language may be a text pack still loading (sites of 3+ languages).
    ready(sf(() => document.body ? go() : document.addEventListener("DOMContentLoaded", sf(go))));
  })();
}
