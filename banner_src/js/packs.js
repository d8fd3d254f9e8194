/* Scripts the banner loads beside itself: the text packs (the site's default language is
   embedded in the bundle; each other language is a small script of its own, loaded when the
   visitor is shown it or switches to it) and the preferences chunk (prefs-load.js). */
import { resolveUrl, SCRIPT_NONCE } from "./constants.js";
import { safe } from "./dom.js";
import { PACKS, TEXTS } from "./site.js";

/** @typedef {{file: string, integrity: string}} Pack
    file: its hashed name, beside the bundle; integrity: its SRI (sha256). */

/* A script hands what it carries to the <script> element that loaded it
   (document.currentScript.t), so that it needs no global name. `done` gets it, or nothing
   when the script could not load (blocked, offline, 404, an SRI mismatch). */
export const loadScript = (pack, done) => {
  const script = document.createElement("script");
  script.src = resolveUrl(pack.file);
  script.integrity = pack.integrity;
  script.crossOrigin = "anonymous";
  if (SCRIPT_NONCE) script.nonce = SCRIPT_NONCE;
  script.onload = script.onerror = safe(() => {
    script.remove();
    done(script.t);
  });
  document.head.append(script);
};

/* `done` runs either way: a pack that cannot load leaves TEXTS without it, and the banner
   shows the default language. */
export const loadPack = (code, done) => loadScript(PACKS[code], (table) => {
  if (table) TEXTS[code] = table;
  done();
});
