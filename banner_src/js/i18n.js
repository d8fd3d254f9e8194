/* Texts: the build replaces each call of _ on a string literal by _(n), n being
   the text's place in TEXTS[lang], so that no English source text ships. */
var lang = SITE.lang;

function _(n) {
  return (TEXTS[lang] || TEXTS[SITE.lang])[n];
}

/* Switch the visitor's language; `done` runs once its texts are available. */
function setLanguage(code, done) {
  if (TEXTS[code]) lang = code;
  if (done) done();
}
