/* The preferences: a modal dialog with one switch per category (in site.toml's order,
   essential locked on), each expandable to its description, cookies and services;
   the visitor's consent reference; save, accept all, refuse all. */
var dlg, // the backdrop holding the dialog, while it is open
  bk, // what had focus before: it gets it back on close
  df; // the switches' states, kept across a language switch

var pf = (from) => {
  if (!ui()) return;
  var a = document.activeElement, re = dlg, when = ch && new Date(ch.client_time), bg;
  if (!re) {
    bk = from || (a == rt.host ? rt.activeElement : a);
    df = Object.assign({}, ch && ch.choices);
  }
  bg = h("div", { class: "bg" }, [h("div", { class: "k D", role: "dialog", "aria-modal": "true", "aria-labelledby": "cb-d", "aria-describedby": "cb-e", tabindex: "-1" }, [
    h("div", { class: "top" }, [
      // TRANSLATORS: button and floating button that open the preferences; keep under 25 characters
      h("h2", { id: "cb-d", text: _("Cookie settings") }),
      lg(),
      // TRANSLATORS: name of the × button that closes the preferences without saving
      btn("\u00d7", cl, "g x", { "aria-label": _("Close") })
    ]),
    // TRANSLATORS: introduction of the preferences dialog
    h("p", { id: "cb-e", text: _("You can change these choices at any time via the “Cookie settings” link.") }),
    // TRANSLATORS: shown when the browser sends the Global Privacy Control signal
    GPC && h("p", { class: "n", text: _("Global Privacy Control is on: targeting stays refused unless you switch it on.") }),
    h("div", {}, cs.map(row)),
    // TRANSLATORS: the receipt of the visitor's choice; {id} is a 32-character reference, {date} a date and time
    when && h("p", { class: "ref", text: _("Your consent reference: {id} ({date}). Quote it to exercise your rights.").replace("{id}", ch.consent_id).replace("{date}", when.toLocaleString(lang)) }),
    h("p", { class: "st n", role: "status" }),
    ac([
      // TRANSLATORS: button in the preferences; keep under 25 characters
      btn(_("Save my choices"), () => pk(df, "custom")),
      // TRANSLATORS: button on the first layer; keep under 20 characters
      btn(_("Accept all"), yes),
      // TRANSLATORS: button on the first layer; keep under 20 characters
      btn(_("Refuse all"), no)
    ])
  ])]);
  re ? dlg.replaceWith(bg) : rt.append(bg);
  dlg = bg;
  if (lay) lay.hidden = true;
  if (!re) bg.firstChild.focus();
};

var row = (k) => {
  var id = "cb-" + k.id, list = k.items,
    sw = h("input", { type: "checkbox", role: "switch", "aria-label": _(k.title), checked: k.required || df[k.id] ? "" : null, disabled: k.required ? "" : null, "aria-describedby": k.required ? id : null });
  sw.addEventListener("change", sf(() => df[k.id] = sw.checked));
  return h("div", { class: "c" }, [
    h("details", {}, [
      h("summary", { text: _(k.title) }),
      h("p", { text: _(k.description) }),
      list[0] && h("ul", {}, list.map(it))
    ]),
    // TRANSLATORS: next to the locked switch of the essential category; keep under 20 characters
    h("div", { class: "s" }, [sw, k.required && h("span", { id, text: _("Always on") })])
  ]);
};

/* One cookie or service: name, provider, purpose, duration (and a service's cookies). */
var it = (x) => h("li", {}, [
  h("strong", { text: x.name }), " \u00b7 " + x.provider, h("br"), _(x.purpose), h("br"),
  // TRANSLATORS: how long a cookie lasts; {d} is e.g. "13 months" or "session"
  _("Duration: {d}").replace("{d}", _(x.duration)),
  // TRANSLATORS: the cookies a third-party service sets; {names} is a list of cookie names
  x.cookies && " \u00b7 " + _("Cookies: {names}").replace("{names}", x.cookies.join(", "))
]);

var cl = () => {
  if (!dlg) return;
  dlg.remove();
  dlg = null;
  if (lay) lay.hidden = false;
  var o = bk && bk.isConnected ? bk : fab || lay && lay.querySelector("[aria-haspopup]");
  if (o) o.focus();
};

/* Every decision goes through here. A withdrawal whose scripts already ran keeps the
   dialog open to say that a reload completes it. */
var pk = (map, act) => dec(map, act) && dlg ?
  // TRANSLATORS: after a withdrawal, when the withdrawn category's scripts already ran
  dlg.querySelector(".st").textContent = _("Saved. Scripts that already ran stop when the page is reloaded.") : cl();
