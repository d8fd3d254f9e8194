/* Start-up: what needs no <body> runs at once (API, stored choice, Consent Mode
   default, the observer, the send queue); the UI as soon as <body> exists. */
var redraw = () => {
  if (firstLayer) showFirstLayer();
  if (dialog) showPreferences();
  if (floatingButton) showFloatingButton();
  placeholders.forEach(paintPlaceholder);
};

var start = () => {
  scan(document);
  choice ? showFloatingButton() : showFirstLayer();
};

if (!window.ConsentBanner) {
  safe(() => {
    exposeApi();
    readChoice();
    gtagConsent("default");
    if (choice) gtagConsent("update", choice.choices);
    watch();
    flush();
    addEventListener("online", safe(flush));
    addEventListener("pagehide", safe(leave));
    document.addEventListener("click", safe(onOpenClick));
    document.addEventListener("keydown", safe(onKey), true);
    // The visitor's language may be a text pack still loading (sites of 3+ languages).
    whenLanguageReady(safe(() => document.body ? start() : document.addEventListener("DOMContentLoaded", safe(start))));
  })();
}
