/* The first layer: a labelled region with three equal choices, which never takes focus. */
import { acceptAll, refuseAll, seenChoice } from "./consent.js";
import { button, element, safe } from "./dom.js";
import { _ } from "./i18n.js";
import { languageSwitch } from "./language-switch.js";
import { showPreferences } from "./prefs-load.js";
import { floatingButton, showFloatingButton } from "./reopen.js";
import { bannerRoot, root } from "./root.js";
import { SITE } from "./site.js";

let firstLayer;
let unavailable; // the preferences could not load: said in the first layer until the choice

export const showFirstLayer = () => {
  if (!bannerRoot()) return;
  const old = firstLayer;
  firstLayer = element("section", { class: "k L", role: "region", "aria-labelledby": "cb-t", hidden: root.querySelector(".bg") ? "" : null }, [
    element("div", { class: "top" }, [
      // TRANSLATORS: heading of the first layer; keep under 40 characters
      element("h2", { id: "cb-t", text: _("Cookies on {site}") }),
      languageSwitch()
    ]),
    // Asked again because the policy changed since the visitor's choice: said, with the date
    // (policy section 10), where the site says when (site.toml's `revised`).
    SITE.revised && seenChoice && seenChoice.revision < SITE.revision &&
      element("p", { class: "n", text: _(SITE.revised) }),
    element("p", {}, [
      // TRANSLATORS: body of the first layer; one or two short sentences
      _("We use cookies to remember your preferences, analyse traffic and keep the site secure. You choose which ones we may use.") + " ",
      // TRANSLATORS: link from the first layer to the full cookie policy
      element("a", { href: SITE.policy, text: _("Read our cookie policy") })
    ]),
    element("div", { class: "acts" }, [
      // TRANSLATORS: button on the first layer; keep under 20 characters
      button(_("Accept all"), acceptAll),
      // TRANSLATORS: button on the first layer; keep under 20 characters
      button(_("Refuse all"), refuseAll),
      // TRANSLATORS: button on the first layer; opens the preferences; keep under 20 characters
      button(_("Customize"), () => showPreferences(), "b", { "aria-haspopup": "dialog" })
    ]),
    // Empty until the preferences cannot load (showFirstLayerInstead): a live region that
    // already exists is read out when its text comes.
    element("p", { class: "st n", role: "status" })
  ]);
  old ? old.replaceWith(firstLayer) : root.prepend(firstLayer);
  // Still said after a language switch, in the new language.
  if (unavailable) sayUnavailable();
};

/* After the visitor's language switch. */
export const redrawFirstLayer = () => firstLayer && showFirstLayer();

/* A subscriber of the choice (consent.js): the first layer goes and the floating button
   comes; keyboard focus that was on the first layer moves to that button rather than
   being lost. */
export const settle = () => {
  if (!root) return;
  const hadFocus = firstLayer && firstLayer.contains(root.activeElement);
  if (firstLayer) firstLayer.remove();
  firstLayer = unavailable = null;
  showFloatingButton();
  if (hadFocus && floatingButton) floatingButton.focus();
};

/* When the preferences cannot load (prefs-load.js: blocked, offline): the visitor is told,
   here, and keeps the first layer's Accept all and Refuse all, so that a choice, a
   withdrawal included, is always possible. The floating button, which this layer would
   cover, is not shown beside it (banner.css) until the choice (settle) removes the layer;
   focus that was on it goes to this layer. */
export const showFirstLayerInstead = () => {
  const hadFocus = floatingButton && root.activeElement == floatingButton, fresh = !firstLayer;
  if (fresh) showFirstLayer();
  unavailable = 1;
  // A live region is read out when its text changes, not when it comes with its text: a layer
  // made just now gets it a moment later.
  fresh ? setTimeout(safe(sayUnavailable), 100) : sayUnavailable();
  if (hadFocus) firstLayer.querySelector(".acts button").focus();
};

const sayUnavailable = () => firstLayer && (firstLayer.querySelector(".st").textContent =
  // TRANSLATORS: in the first layer, when the cookie settings could not be downloaded (blocked, offline)
  _("The cookie settings could not be loaded. You can still accept or refuse all cookies here."));
