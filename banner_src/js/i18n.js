/* Texts and language. The build replaces each call of _ or pgettext on string literals by
   _(n), n being the text's place in the tables, so no source text ships. TEXTS holds the
   embedded languages; PACKS[code] is the SHA-256 (base64) of the text pack of each other
   language, loaded on demand by packs.js, so a visitor downloads one language's texts.
   The widget uses: lang, _(n), ready(done) before its first render, setLang(code, done)
   for the visitor's switch, dir() for its dir attribute. Short names, as in const.js:
   fit (the site language serving a code), mem (the remembered switch), want (the
   language to show), use (switch to a language once its texts are there). */
var lang = SITE.lang;

var _ = (n) => (TEXTS[lang] || TEXTS[SITE.lang])[n];

/* The site language that serves `code` (a BCP 47 tag or a site code): exact first, then
   the primary language, so that fr-TG gives fr and pt-PT gives pt_BR if that is all. */
var fit = (code, w) => (w = (code || "").toLowerCase().replace(/-/g, "_")) &&
  (SITE.languages.find((c) => c.toLowerCase() == w) ||
   SITE.languages.find((c) => c.toLowerCase().split("_")[0] == w.split("_")[0]));

/* The visitor's switch, remembered across pages. localStorage throws where storage is
   blocked (sandboxed frames, some settings): then nothing is remembered. */
var mem = (code) => {
  try {
    if (code) localStorage.setItem(SITE.cookie + ".lang", code);
    return localStorage.getItem(SITE.cookie + ".lang");
  } catch (e) {}
};

/* The language to show: the data-lang of the banner's tag (a fixed page, e.g. the
   preview), the visitor's own switch, the page's <html lang>, the browser's, the default. */
var want = () => [ME && ME.getAttribute("data-lang"), mem(), document.documentElement.lang]
  .concat(navigator.languages).map(fit).find((c) => c) || SITE.lang;

/* "rtl" or "ltr", for the widget's dir attribute in the current language. */
var dir = () => (SITE.rtl || []).includes(lang) ? "rtl" : "ltr";

var use = (code, done) => {
  var go = () => {
    if (TEXTS[code]) lang = code;
    if (done) done();
  };
  // packs.js (only in bundles of sites with text packs) defines loadPack.
  TEXTS[code] || !PACKS[code] ? go() : loadPack(code, go);
};

/* Run `done` once the visitor's language can be shown (at once when it is embedded). */
var ready = (done) => use(want(), done);

/* The visitor's switch: remembered for the next pages; `done` runs once its texts are usable. */
var setLang = (code, done) => {
  mem(code = fit(code) || lang);
  use(code, done);
};
