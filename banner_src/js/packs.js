/* Text packs: the site's default language is embedded in the bundle; each other language is
   a small script of its own, loaded when the visitor is shown it or switches to it. */
import { resolveUrl, SCRIPT_NONCE } from "./constants.js";
import { safe } from "./dom.js";
import { PACKS, TEXTS } from "./site.js";

/** @typedef {{file: string, integrity: string}} Pack
    file: its hashed name, beside the bundle; integrity: its SRI (sha256). */

/* The pack hands its table to the <script> element that loaded it (document.currentScript.t),
   so that it needs no global name. `done` runs either way: a pack that cannot load (blocked,
   offline, 404) leaves TEXTS without it, and the banner shows the default language. */
export const loadPack = (code, done) => {
  const pack = PACKS[code], script = document.createElement("script");
  script.src = resolveUrl(pack.file);
  script.integrity = pack.integrity;
  script.crossOrigin = "anonymous";
  if (SCRIPT_NONCE) script.nonce = SCRIPT_NONCE;
  script.onload = script.onerror = safe(() => {
    script.remove();
    if (script.t) TEXTS[code] = script.t;
    done();
  });
  document.head.append(script);
};
