/* Texts and language. The build replaces each call of _ or pgettext on string literals by
   _(n), n being the text's place in the tables, so no source text ships. TEXTS holds the
   embedded languages; PACKS[code] is the SHA-256 (base64) of the text pack of each other
   language, loaded on demand, so a visitor downloads one language's texts.
   The widget uses: lang, _(n), textsReady(done) before its first render, setLanguage(code,
   done) for the visitor's switch, textDir() for its dir attribute. */

/* The banner's own tag, read now: later document.currentScript is another script or null.
   Its URL locates the text packs, its nonce lets them run under a strict CSP. */
var i18nScript = document.currentScript;
var LANG_KEY = SITE.cookie + ".lang";
var lang = SITE.lang;

function _(n) {
  return (TEXTS[lang] || TEXTS[SITE.lang])[n];
}

/* The site language that serves `code` (a BCP 47 tag or a site code): exact first, then
   the primary language, so that fr-TG gives fr and pt-PT gives pt_BR if that is all. */
function siteLanguage(code) {
  var want = String(code || "").toLowerCase().replace(/-/g, "_"), found = null;
  SITE.languages.forEach(function (site) {
    var own = site.toLowerCase();
    if (own == want) found = site;
    else if (!found && want && own.split("_")[0] == want.split("_")[0]) found = site;
  });
  return found;
}

function storedLanguage(value) {
  try {  // localStorage throws where storage is blocked (sandboxed frames, some settings)
    if (value) localStorage.setItem(LANG_KEY, value);
    return localStorage.getItem(LANG_KEY);
  } catch (error) {
    return null;
  }
}

/* The language to show: the data-lang of the banner's tag (a fixed page, e.g. the
   preview), the visitor's own switch, the page's <html lang>, the browser's, the default. */
function visitorLanguage() {
  var found = siteLanguage(i18nScript && i18nScript.getAttribute("data-lang")) ||
    siteLanguage(storedLanguage()) || siteLanguage(document.documentElement.lang);
  (navigator.languages || [navigator.language]).forEach(function (code) {
    found = found || siteLanguage(code);
  });
  return found || SITE.lang;
}

/* "rtl" or "ltr", for the widget's dir attribute in the current language. */
function textDir() {
  return (SITE.rtl || []).indexOf(lang) < 0 ? "ltr" : "rtl";
}

/* The pack's file name carries the first 12 hex digits of its SHA-256, which the bundle
   holds in base64 for SRI. */
function loadPack(code, done) {
  var digest = atob(PACKS[code]), hex = "", i, script = document.createElement("script");
  for (i = 0; i < 6; i++) hex += (256 + digest.charCodeAt(i)).toString(16).slice(1);
  script.src = new URL("consent." + code + "." + hex + ".js",
                       (i18nScript && i18nScript.src) || location.href).href;
  script.integrity = "sha256-" + PACKS[code];
  script.crossOrigin = "anonymous";
  if (i18nScript && i18nScript.nonce) script.nonce = i18nScript.nonce;
  script.onload = script.onerror = function () {
    if (script.t) TEXTS[code] = script.t;  // on error the current language stays
    script.remove();
    done();
  };
  document.head.appendChild(script);
}

function useLanguage(code, done) {
  function ready() {
    if (TEXTS[code]) lang = code;
    if (done) done();
  }
  if (TEXTS[code] || !PACKS[code]) ready();
  else loadPack(code, ready);
}

/* Run `done` once the visitor's language can be shown (at once when it is embedded). */
function textsReady(done) {
  useLanguage(visitorLanguage(), done);
}

/* The visitor's switch: remembered for the next pages; `done` runs once its texts are usable. */
function setLanguage(code, done) {
  code = siteLanguage(code) || lang;
  storedLanguage(code);
  useLanguage(code, done);
}

if (TEXTS[visitorLanguage()]) lang = visitorLanguage();
