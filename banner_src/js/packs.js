/* Text packs: the loader of languages not embedded in the bundle. The build adds this
   module only to sites that have packs (more than two languages), so KPpay's bundle
   does not carry it. */

/* The pack's file name carries the first 12 hex digits of its SHA-256, which the bundle
   holds in base64 for SRI. */
function loadPack(code, done) {
  var digest = atob(PACKS[code]), hex = "", i, script = document.createElement("script");
  for (i = 0; i < 6; i++) hex += (256 + digest.charCodeAt(i)).toString(16).slice(1);
  script.src = new URL("consent." + code + "." + hex + ".js",
                       (OWN_SCRIPT && OWN_SCRIPT.src) || location.href).href;
  script.integrity = "sha256-" + PACKS[code];
  script.crossOrigin = "anonymous";
  if (OWN_SCRIPT && OWN_SCRIPT.nonce) script.nonce = OWN_SCRIPT.nonce;
  script.onload = script.onerror = function () {
    script.remove();
    if (script.t) TEXTS[code] = script.t;
    // A pack that fails to load falls back on the default language's, once.
    else if (code != SITE.lang && !TEXTS[SITE.lang]) return loadPack(SITE.lang, done);
    done();
  };
  document.head.appendChild(script);
}
