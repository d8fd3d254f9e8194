/* The preferences: a modal dialog with one switch per category (in site.toml's order,
   essential locked on), each expandable to its description, cookies and services;
   the visitor's consent reference; save, accept all, refuse all. */
var dialog, // the backdrop holding the dialog, while it is open
  opener, // what had focus before: it gets it back on close
  draft, // the switches' states, kept across a language switch
  expanded; // the categories opened to their details, kept across it too

var showPreferences = (from) => {
  if (!bannerRoot()) return;
  var a = document.activeElement, re = dialog, when = choice && new Date(choice.client_time), bg;
  if (!re) {
    opener = from || (a == root.host ? root.activeElement : a);
    draft = Object.assign({}, choice && choice.choices);
    expanded = {};
  }
  bg = element("div", { class: "bg" }, [element("div", { class: "k D", role: "dialog", "aria-modal": "true", "aria-labelledby": "cb-d", "aria-describedby": "cb-e", tabindex: "-1" }, [
    element("div", { class: "top" }, [
      // TRANSLATORS: button and floating button that open the preferences; keep under 25 characters
      element("h2", { id: "cb-d", text: _("Cookie settings") }),
      languageSwitch(),
      // TRANSLATORS: name of the × button that closes the preferences without saving
      button("\u00d7", closePreferences, "g x", { "aria-label": _("Close") })
    ]),
    // TRANSLATORS: introduction of the preferences dialog
    element("p", { id: "cb-e", text: _("You can change these choices at any time via the “Cookie settings” link.") }),
    // TRANSLATORS: shown when the browser sends the Global Privacy Control signal
    GPC && element("p", { class: "n", text: _("Global Privacy Control is on: targeting stays refused unless you switch it on.") }),
    element("div", {}, categories.map(categoryRow)),
    // TRANSLATORS: the receipt of the visitor's choice; {id} is a 32-character reference, {date} a date and time
    when && element("p", { class: "ref", text: _("Your consent reference: {id} ({date}). Quote it to exercise your rights.").replace("{id}", choice.consent_id).replace("{date}", when.toLocaleString(lang)) }),
    element("p", { class: "st n", role: "status" }),
    actions([
      // TRANSLATORS: button in the preferences; keep under 25 characters
      button(_("Save my choices"), () => pick(draft, "custom")),
      // TRANSLATORS: button on the first layer; keep under 20 characters
      button(_("Accept all"), acceptAll),
      // TRANSLATORS: button on the first layer; keep under 20 characters
      button(_("Refuse all"), refuseAll)
    ])
  ])]);
  re ? dialog.replaceWith(bg) : root.append(bg);
  dialog = bg;
  if (firstLayer) firstLayer.hidden = true;
  if (!re) bg.firstChild.focus();
};

var categoryRow = (k) => {
  var id = "cb-" + k.id, list = k.items,
    sw = element("input", { type: "checkbox", role: "switch", "aria-label": _(k.title), checked: k.required || draft[k.id] ? "" : null, disabled: k.required ? "" : null, "aria-describedby": k.required ? id : null });
  var details = element("details", { open: expanded[k.id] ? "" : null }, [
    element("summary", { text: _(k.title) }),
    element("p", { text: _(k.description) }),
    list[0] && element("ul", {}, list.map(itemLine))
  ]);
  sw.addEventListener("change", safe(() => draft[k.id] = sw.checked));
  details.addEventListener("toggle", safe(() => expanded[k.id] = details.open));
  return element("div", { class: "c" }, [
    details,
    // TRANSLATORS: next to the locked switch of the essential category; keep under 20 characters
    element("div", { class: "s" }, [sw, k.required && element("span", { id, text: _("Always on") })])
  ]);
};

/* One cookie or service: name, provider, purpose, duration (and a service's cookies). */
var itemLine = (x) => element("li", {}, [
  element("strong", { text: x.name }), " \u00b7 " + x.provider, element("br"), _(x.purpose), element("br"),
  // TRANSLATORS: how long a cookie lasts; {d} is e.g. "13 months" or "session"
  _("Duration: {d}").replace("{d}", _(x.duration)),
  // TRANSLATORS: the cookies a third-party service sets; {names} is a list of cookie names
  x.cookies && " \u00b7 " + _("Cookies: {names}").replace("{names}", x.cookies.join(", "))
]);

var closePreferences = () => {
  if (!dialog) return;
  dialog.remove();
  dialog = null;
  if (firstLayer) firstLayer.hidden = false;
  var o = opener && opener.isConnected ? opener : floatingButton || firstLayer && firstLayer.querySelector("[aria-haspopup]");
  if (o) o.focus();
};

/* Every decision goes through here. A withdrawal whose scripts already ran keeps the
   dialog open to say that a reload completes it. */
var pick = (map, act) => decide(map, act) && dialog ?
  // TRANSLATORS: after a withdrawal, when the withdrawn category's scripts already ran
  dialog.querySelector(".st").textContent = _("Saved. Scripts that already ran stop when the page is reloaded.") : closePreferences();
