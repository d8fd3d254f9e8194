/* The banner's shadow root: one host, first in <body> so that the banner is the first Tab
   stop. Every layer (first layer, preferences, floating button) lives in it. */
import { addStyles, element, safe, shadowRoot } from "./dom.js";
import { tagLanguage } from "./i18n.js";
import { SITE } from "./site.js";

export let root;

/* The root, made on first use; null while there is no <body> yet. */
export const bannerRoot = () => {
  if (!root && document.body) {
    document.body.prepend((root = shadowRoot(element("div", { "data-consent-banner": SITE.id }))).host);
    // The page's brand colours, where the site allows them (brand-entry.js).
    SITE.brand?.(root, addStyles, safe);
  }
  // The host carries the language and direction: everything in its shadow root inherits them.
  if (root) tagLanguage(root.host);
  return root;
};
