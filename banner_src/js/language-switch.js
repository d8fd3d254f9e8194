/* The switch to the site's other languages: "FR", "EN", as the language's code (no
   translation needed), marked with its lang for screen readers. After a switch, what is
   shown redraws itself (onLanguageChange) and focus goes back to the switch. */
import { button, element } from "./dom.js";
import { lang, setLanguage } from "./i18n.js";
import { root } from "./root.js";
import { SITE } from "./site.js";

export const languageSwitch = () => element("div", { class: "lg" }, SITE.languages.filter((code) => code != lang).map((code) =>
  button(code.toUpperCase(), () => setLanguage(code, () => {
    // the dialog's switch if the dialog is open, else the first layer's
    root.querySelector((root.querySelector(".bg") ? ".bg" : ".L") + " .lg button").focus();
  }), "g", { lang: code })));
