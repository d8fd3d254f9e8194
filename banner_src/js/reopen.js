/* Ways back to the preferences: any element with data-consent-open (the site's
   "Gestion des Cookies" link), and a small floating button, unless the banner's
   script tag says data-button="off". */
var fab;

var sF = () => {
  if (!ui() || ME && ME.dataset.button == "off") return;
  // TRANSLATORS: button and floating button that open the preferences; keep under 25 characters
  var b = btn(_("Cookie settings"), () => pf(), "k F", { "aria-haspopup": "dialog" });
  fab ? fab.replaceWith(b) : rt.append(b);
  fab = b;
};

var ro = (e) => {
  var t = e.target.closest && e.target.closest("[" + OPEN + "]");
  if (t) e.preventDefault(), pf(t);
};
