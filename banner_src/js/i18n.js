/* Texts and language. The build replaces each call of _ or pgettext on string literals by
   _(n), n being the text's place in the tables, so no source text ships. TEXTS holds the
   languages at hand: the site's default, embedded, and any pack loaded since (packs.js), so
   that a visitor downloads the texts of the language they are shown. */
import { scriptAttribute } from "./constants.js";
import { loadPack } from "./packs.js";
import { SITE, TEXTS } from "./site.js";

export let lang = SITE.defaultLanguage;
const languageListeners = []; // what redraws itself after the visitor's switch

// `lang` is only ever a language whose texts are at hand.
export const _ = (n) => TEXTS[lang][n];

/* The site language that serves `code` (a BCP 47 tag or a site code): exact first, then
   the primary language, so that fr-TG gives fr and pt-PT gives pt_BR if that is all. */
const siteLanguageFor = (code) => {
  const wanted = (code || "").toLowerCase().replace(/-/g, "_");
  return wanted && (SITE.languages.find((c) => c.toLowerCase() == wanted) ||
    SITE.languages.find((c) => c.toLowerCase().split("_")[0] == wanted.split("_")[0]));
};

/* The visitor's switch, remembered across pages. localStorage throws where storage is
   blocked (sandboxed frames, some settings): then nothing is remembered. */
const rememberLanguage = (code) => {
  try {
    if (code) localStorage.setItem(SITE.cookieName + ".lang", code);
    return localStorage.getItem(SITE.cookieName + ".lang");
  } catch {}
};

/* The language to show: the data-lang of the banner's tag (a fixed page, e.g. the
   preview), the visitor's own switch, the page's <html lang>, the browser's, the default. */
const wantedLanguage = () => [scriptAttribute("data-lang"), rememberLanguage(),
  document.documentElement.lang, ...navigator.languages].map(siteLanguageFor).find(Boolean) || SITE.defaultLanguage;

/* Show `code` once its texts are at hand; if its pack cannot load, stay as we are. */
const useLanguage = (code, done) => {
  const go = () => {
    if (TEXTS[code]) lang = code;
    done();
  };
  TEXTS[code] ? go() : loadPack(code, go);
};

/* Run `done` once the visitor's language can be shown. */
export const whenLanguageReady = (done) => useLanguage(wantedLanguage(), done);

export const onLanguageChange = (fn) => languageListeners.push(fn);

/* The visitor's switch: remembered for the next pages; once its texts are usable, what is
   shown redraws itself, then `done` runs. */
export const setLanguage = (code, done) => {
  rememberLanguage(code = siteLanguageFor(code) || lang);
  useLanguage(code, () => {
    for (const redraw of languageListeners) redraw();
    done();
  });
};

/* An element whose subtree shows texts carries their language and direction. */
export const tagLanguage = (node) => {
  node.lang = lang.replace("_", "-");
  node.dir = (SITE.rtl || []).includes(lang) ? "rtl" : "ltr";
};
