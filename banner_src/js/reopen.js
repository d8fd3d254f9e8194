/* Ways back to the preferences: any element with data-consent-open (the site's "Gestion
   des Cookies" link), and a small floating button, unless the banner's script tag says
   data-button="off". */
import { OPEN_ATTRIBUTE, scriptAttribute } from "./constants.js";
import { button } from "./dom.js";
import { _ } from "./i18n.js";
import { showPreferences } from "./prefs-load.js";
import { bannerRoot, root } from "./root.js";

export let floatingButton;

export const showFloatingButton = () => {
  if (!bannerRoot() || scriptAttribute("data-button") == "off") return;
  // TRANSLATORS: button and floating button that open the preferences; keep under 25 characters
  const shown = button(_("Cookie settings"), () => showPreferences(), "k F", { "aria-haspopup": "dialog" });
  floatingButton ? floatingButton.replaceWith(shown) : root.append(shown);
  floatingButton = shown;
};

/* After the visitor's language switch. */
export const redrawFloatingButton = () => floatingButton && showFloatingButton();

export const onOpenClick = (event) => {
  const opener = event.target.closest && event.target.closest("[" + OPEN_ATTRIBUTE + "]");
  if (opener) {
    event.preventDefault();
    showPreferences(opener);
  }
};
