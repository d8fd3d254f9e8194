/* The banner's shadow root, first in <body> so that it is the first Tab stop, and the
   first layer: a labelled region with three equal choices, which never takes focus. */
var rt, lay;

var ui = () => {
  if (!rt && document.body) document.body.prepend((rt = mk(h("div", { "data-consent-banner": SITE.id }))).host);
  if (rt) tag(rt.host);
  return rt;
};

/* The host carries the language and direction: everything in its shadow root inherits them. */
var tag = (e) => (e.lang = lang.replace("_", "-"), e.dir = dir(), e);

/* The switch to the site's other languages: "FR", "EN", as the language's code (no
   translation needed), marked with its lang for screen readers. */
var lg = () => h("div", { class: "lg" }, SITE.languages.filter((c) => c != lang).map((c) =>
  btn(c.toUpperCase(), () => {
    var box = dlg ? ".bg" : ".L";
    setLang(c, sf(() => {
      rd();
      rt.querySelector(box + " .lg button").focus();
    }));
  }, "g", { lang: c })));

var ac = (list) => h("div", { class: "acts" }, list);

var sL = () => {
  if (!ui()) return;
  var old = lay;
  lay = h("section", { class: "k L", role: "region", "aria-labelledby": "cb-t", hidden: dlg ? "" : null }, [
    h("div", { class: "top" }, [
      // TRANSLATORS: heading of the first layer; keep under 40 characters
      h("h2", { id: "cb-t", text: _("Cookies on {site}") }),
      lg()
    ]),
    h("p", {}, [
      // TRANSLATORS: body of the first layer; one or two short sentences
      _("We use cookies to remember your preferences, analyse traffic and keep the site secure. You choose which ones we may use.") + " ",
      // TRANSLATORS: link from the first layer to the full cookie policy
      h("a", { href: SITE.policy, text: _("Read our cookie policy") })
    ]),
    ac([
      // TRANSLATORS: button on the first layer; keep under 20 characters
      btn(_("Accept all"), yes),
      // TRANSLATORS: button on the first layer; keep under 20 characters
      btn(_("Refuse all"), no),
      // TRANSLATORS: button on the first layer; opens the preferences; keep under 20 characters
      btn(_("Customize"), () => pf(), "b", { "aria-haspopup": "dialog" })
    ])
  ]);
  old ? old.replaceWith(lay) : rt.prepend(lay);
};

/* After a choice the first layer goes and the floating button comes; keyboard focus
   that was on the first layer moves to that button rather than being lost. */
var fin = () => {
  if (!rt) return;
  var had = lay && lay.contains(rt.activeElement);
  if (lay) lay.remove();
  lay = null;
  sF();
  if (had && fab) fab.focus();
};
