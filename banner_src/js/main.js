/* Start-up: what needs no <body> runs at once (API, stored choice, Consent Mode
   default, the observer, the send queue); the UI as soon as <body> exists. */
var redraw = () => {
  if (lay) showL();
  if (dlg) prefs();
  if (fab) showF();
  held.forEach(pnt);
};

var start = () => {
  scan(document);
  ch ? showF() : showL();
};

if (!window.ConsentBanner) {
  try {
    api();
    readC();
    gcm("default");
    if (ch) gcm("update", ch.choices);
    watch();
    flush();
    addEventListener("online", safe(flush));
    addEventListener("pagehide", safe(leave));
    document.addEventListener("click", safe(reopen));
    document.addEventListener("keydown", safe(keys), true);
    document.body ? start() : document.addEventListener("DOMContentLoaded", safe(start));
  } catch (e) {
    warn(e);
  }
}
