/* The preferences: a modal dialog with one switch per category (in site.toml's order,
   essential locked on), each expandable to its description, cookies and services; the
   visitor's consent reference; save, accept all, refuse all. This module is in the
   preferences chunk, fetched the first time they open (prefs-load.js): what it uses of the
   core is lent (lent.js). */
import { acceptAll, bannerRoot, button, currentChoice, currentLanguage, element, GPC, _, languageSwitch, refuseAll, resolveUrl, safe, setChoices, SITE, wasRefused } from "./lent.js";
import { categories } from "./prefs-site.js";

const root = bannerRoot(); // the chunk runs once the banner's root exists
export let dialog; // the backdrop holding the dialog, while it is open
let opener; // what had focus before: it gets it back on close
let draft; // the switches' states, kept across a language switch
let expanded; // the categories opened to their details, kept across it too

/* The first layer stays in place, hidden, behind the dialog. */
const hideFirstLayer = (hidden) => {
  const firstLayer = root.querySelector(".L");
  if (firstLayer) firstLayer.hidden = hidden;
};

/* `from`: what gets focus back on close (prefs-load.js says which, for every open). */
export const showPreferences = (from) => {
  const redrawing = dialog, choice = currentChoice(), lang = currentLanguage();
  // The reference of a choice the server refused is no proof of anything: it is not shown.
  const when = choice && !wasRefused(choice) && new Date(choice.client_time);
  if (!redrawing) {
    opener = from;
    draft = { ...(choice && choice.choices) };
    expanded = {};
  }
  const backdrop = element("div", { class: "bg" }, [element("div", { class: "k D", role: "dialog", "aria-modal": "true", "aria-labelledby": "cb-d", "aria-describedby": "cb-e", tabindex: "-1" }, [
    element("div", { class: "top" }, [
      // TRANSLATORS: button and floating button that open the preferences; keep under 25 characters
      element("h2", { id: "cb-d", text: _("Cookie settings") }),
      languageSwitch(),
      // TRANSLATORS: name of the × button that closes the preferences without saving
      button("\u00d7", closePreferences, "g", { "aria-label": _("Close") })
    ]),
    // TRANSLATORS: introduction of the preferences dialog
    element("p", { id: "cb-e", text: _("You can change these choices at any time via the “Cookie settings” link.") }),
    // TRANSLATORS: shown when the browser sends the Global Privacy Control signal
    GPC && element("p", { class: "n", text: _("Global Privacy Control is on: targeting stays refused unless you switch it on.") }),
    element("div", {}, categories.map(categoryRow)),
    // It links to the site's rights page on our server, in the banner's language, with the
    // reference filled in.
    // TRANSLATORS: the receipt of the visitor's choice; {id} is a 32-character reference, {date} a date and time
    when && element("p", { class: "ref" }, [element("a", { href: resolveUrl("../../rights/" + SITE.id + "?lang=" + lang + "&consent_id=" + choice.consent_id), text: _("Your consent reference: {id} ({date}). Quote it to exercise your rights.").replace("{id}", choice.consent_id).replace("{date}", when.toLocaleString(lang)) })]),
    element("p", { class: "st n", role: "status" }),
    element("div", { class: "acts" }, [
      // TRANSLATORS: button in the preferences; keep under 25 characters
      button(_("Save my choices"), () => setChoices(draft)),
      // TRANSLATORS: button on the first layer; keep under 20 characters
      button(_("Accept all"), acceptAll),
      // TRANSLATORS: button on the first layer; keep under 20 characters
      button(_("Refuse all"), refuseAll)
    ])
  ])]);
  redrawing ? dialog.replaceWith(backdrop) : root.append(backdrop);
  dialog = backdrop;
  hideFirstLayer(true);
  if (!redrawing) backdrop.firstChild.focus();
};

const categoryRow = (category) => {
  const id = "cb-" + category.id, items = category.items, locked = category.required;
  const toggle = element("input", { type: "checkbox", role: "switch", "aria-label": _(category.title), checked: locked || draft[category.id] ? "" : null, disabled: locked ? "" : null, "aria-describedby": locked ? id : null });
  const details = element("details", { open: expanded[category.id] ? "" : null }, [
    element("summary", { text: _(category.title) }),
    element("p", { text: _(category.description) }),
    items[0] && element("ul", {}, items.map(itemLine))
  ]);
  toggle.addEventListener("change", safe(() => draft[category.id] = toggle.checked));
  details.addEventListener("toggle", safe(() => expanded[category.id] = details.open));
  return element("div", { class: "c" }, [
    details,
    // TRANSLATORS: next to the locked switch of the essential category; keep under 20 characters
    element("div", { class: "s" }, [toggle, locked && element("span", { id, text: _("Always on") })])
  ]);
};

/* One cookie or service: name, provider, purpose, duration (and a service's cookies). */
const itemLine = (item) => element("li", {}, [
  element("strong", { text: item.name }), " \u00b7 " + item.provider, element("br"), _(item.purpose), element("br"),
  // TRANSLATORS: how long a cookie lasts; {d} is e.g. "13 months" or "session"
  _("Duration: {d}").replace("{d}", _(item.duration)),
  // TRANSLATORS: the cookies a third-party service sets; {names} is a list of cookie names
  item.cookies && " \u00b7 " + _("Cookies: {names}").replace("{names}", item.cookies.join(", "))
]);

export const closePreferences = () => {
  if (!dialog) return;
  dialog.remove();
  dialog = null;
  hideFirstLayer(false);
  // Back to what opened it, else to the floating button or the first layer's "Customize".
  const target = opener && opener.isConnected ? opener : root.querySelector(".F,.L [aria-haspopup]");
  if (target) target.focus();
};

/* After the visitor's language switch. */
export const redrawPreferences = () => dialog && showPreferences();

/* A subscriber of the choice (consent.js): the dialog closes, unless a withdrawal needs a
   reload to complete, which the dialog stays open to say. */
export const preferencesAfterChange = ({ reloadNeeded }) => reloadNeeded && dialog ?
  // TRANSLATORS: after a withdrawal, when the withdrawn category's scripts already ran
  dialog.querySelector(".st").textContent = _("Saved. Scripts that already ran stop when the page is reloaded.") : closePreferences();
