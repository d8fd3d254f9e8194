/* The banner's shadow root, first in <body> so that it is the first Tab stop, and the
   first layer: a labelled region with three equal choices, which never takes focus. */
var root, firstLayer;

var bannerRoot = () => {
  if (!root && document.body) document.body.prepend((root = shadowRoot(element("div", { "data-consent-banner": SITE.id }))).host);
  if (root) tagLanguage(root.host);
  return root;
};

/* The host carries the language and direction: everything in its shadow root inherits them. */
var tagLanguage = (e) => (e.lang = lang.replace("_", "-"), e.dir = direction(), e);

/* The switch to the site's other languages: "FR", "EN", as the language's code (no
   translation needed), marked with its lang for screen readers. */
var languageSwitch = () => element("div", { class: "lg" }, SITE.languages.filter((c) => c != lang).map((c) =>
  button(c.toUpperCase(), () => {
    var box = dialog ? ".bg" : ".L";
    setLanguage(c, safe(() => {
      redraw();
      root.querySelector(box + " .lg button").focus();
    }));
  }, "g", { lang: c })));

var actions = (list) => element("div", { class: "acts" }, list);

var showFirstLayer = () => {
  if (!bannerRoot()) return;
  var old = firstLayer;
  firstLayer = element("section", { class: "k L", role: "region", "aria-labelledby": "cb-t", hidden: dialog ? "" : null }, [
    element("div", { class: "top" }, [
      // TRANSLATORS: heading of the first layer; keep under 40 characters
      element("h2", { id: "cb-t", text: _("Cookies on {site}") }),
      languageSwitch()
    ]),
    element("p", {}, [
      // TRANSLATORS: body of the first layer; one or two short sentences
      _("We use cookies to remember your preferences, analyse traffic and keep the site secure. You choose which ones we may use.") + " ",
      // TRANSLATORS: link from the first layer to the full cookie policy
      element("a", { href: SITE.policy, text: _("Read our cookie policy") })
    ]),
    actions([
      // TRANSLATORS: button on the first layer; keep under 20 characters
      button(_("Accept all"), acceptAll),
      // TRANSLATORS: button on the first layer; keep under 20 characters
      button(_("Refuse all"), refuseAll),
      // TRANSLATORS: button on the first layer; opens the preferences; keep under 20 characters
      button(_("Customize"), () => showPreferences(), "b", { "aria-haspopup": "dialog" })
    ])
  ]);
  old ? old.replaceWith(firstLayer) : root.prepend(firstLayer);
};

/* After a choice the first layer goes and the floating button comes; keyboard focus
   that was on the first layer moves to that button rather than being lost. */
var settle = () => {
  if (!root) return;
  var had = firstLayer && firstLayer.contains(root.activeElement);
  if (firstLayer) firstLayer.remove();
  firstLayer = null;
  showFloatingButton();
  if (had && floatingButton) floatingButton.focus();
};
