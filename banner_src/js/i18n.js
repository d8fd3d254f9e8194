/* Texts and language. The build replaces each call of _ or pgettext on string literals by
   _(n), n being the text's place in the tables, so no source text ships. TEXTS holds the
   embedded languages; PACKS[code] is the SHA-256 (base64) of the text pack of each other
   language, loaded on demand by packs.js, so a visitor downloads one language's texts.
   The widget uses: lang, _(n), whenLanguageReady(done) before its first render,
   setLanguage(code, done) for the visitor's switch, direction() for its dir attribute.
   (The build shortens these names: see consent_build/mangle.py.) */
var lang = SITE.lang;

var _ = (n) => (TEXTS[lang] || TEXTS[SITE.lang])[n];

/* The site language that serves `code` (a BCP 47 tag or a site code): exact first, then
   the primary language, so that fr-TG gives fr and pt-PT gives pt_BR if that is all. */
var siteLanguageFor = (code, w) => (w = (code || "").toLowerCase().replace(/-/g, "_")) &&
  (SITE.languages.find((c) => c.toLowerCase() == w) ||
   SITE.languages.find((c) => c.toLowerCase().split("_")[0] == w.split("_")[0]));

/* The visitor's switch, remembered across pages. localStorage throws where storage is
   blocked (sandboxed frames, some settings): then nothing is remembered. */
var rememberLanguage = (code) => {
  try {
    if (code) localStorage.setItem(SITE.cookie + ".lang", code);
    return localStorage.getItem(SITE.cookie + ".lang");
  } catch (e) {}
};

/* The language to show: the data-lang of the banner's tag (a fixed page, e.g. the
   preview), the visitor's own switch, the page's <html lang>, the browser's, the default. */
var wantedLanguage = () => [OWN_SCRIPT && OWN_SCRIPT.getAttribute("data-lang"), rememberLanguage(), document.documentElement.lang]
  .concat(navigator.languages).map(siteLanguageFor).find((c) => c) || SITE.lang;

/* "rtl" or "ltr", for the widget's dir attribute in the current language. */
var direction = () => (SITE.rtl || []).includes(lang) ? "rtl" : "ltr";

var useLanguage = (code, done) => {
  var go = () => {
    if (TEXTS[code]) lang = code;
    if (done) done();
  };
  // packs.js (only in bundles of sites with text packs) defines loadPack.
  TEXTS[code] || !PACKS[code] ? go() : loadPack(code, go);
};

/* Run `done` once the visitor's language can be shown (at once when it is embedded). */
var whenLanguageReady = (done) => useLanguage(wantedLanguage(), done);

/* The visitor's switch: remembered for the next pages; `done` runs once its texts are usable. */
var setLanguage = (code, done) => {
  rememberLanguage(code = siteLanguageFor(code) || lang);
  useLanguage(code, done);
};
