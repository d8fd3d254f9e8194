/* Text packs: every language's texts are a small script of their own, loaded when that
   language is wanted, so that a visitor downloads the texts of one language. */
import { OWN_SCRIPT, toHex } from "./constants.js";
import { safe } from "./dom.js";
import { PACKS, SITE, TEXTS } from "./site.js";

/* PACKS[code] is the pack's SHA-256 in base64, for SRI; its file name carries the first
   12 hex digits of the same hash. The pack hands its table to the <script> element that
   loaded it (document.currentScript.t), so that it needs no global name. */
export const loadPack = (code, done) => {
  const digest = atob(PACKS[code]), script = document.createElement("script");
  const name = "consent." + code + "." + toHex(Array.from(digest.slice(0, 6), (c) => c.charCodeAt(0))) + ".js";
  script.src = new URL(name, (OWN_SCRIPT && OWN_SCRIPT.src) || location.href).href;
  script.integrity = "sha256-" + PACKS[code];
  script.crossOrigin = "anonymous";
  if (OWN_SCRIPT && OWN_SCRIPT.nonce) script.nonce = OWN_SCRIPT.nonce;
  script.onload = script.onerror = safe(() => {
    script.remove();
    if (script.t) TEXTS[code] = script.t;
    // A pack that fails to load falls back on the default language's, once.
    else if (code != SITE.lang && !TEXTS[SITE.lang]) return loadPack(SITE.lang, done);
    done();
  });
  document.head.append(script);
};
