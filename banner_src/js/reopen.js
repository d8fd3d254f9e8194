/* Ways back to the preferences: any element with data-consent-open (the site's
   "Gestion des Cookies" link), and a small floating button, unless the banner's
   script tag says data-button="off". */
var floatingButton;

var showFloatingButton = () => {
  if (!bannerRoot() || OWN_SCRIPT && OWN_SCRIPT.dataset.button == "off") return;
  // TRANSLATORS: button and floating button that open the preferences; keep under 25 characters
  var b = button(_("Cookie settings"), () => showPreferences(), "k F", { "aria-haspopup": "dialog" });
  floatingButton ? floatingButton.replaceWith(b) : root.append(b);
  floatingButton = b;
};

var onOpenClick = (e) => {
  var t = e.target.closest && e.target.closest("[" + OPEN_ATTRIBUTE + "]");
  if (t) e.preventDefault(), showPreferences(t);
};
