/* The preferences are a chunk of their own, fetched the first time they open, since most
   visitors never open them: prefs.js and the modules only it uses (prefs-chunk.js is its
   entry), the texts only they show, the categories' descriptions and items, and the dialog's
   CSS. The chunk is a classic script beside the bundle, loaded as a text pack is (packs.js:
   its SRI, the banner's nonce); it hands its <script> element a function, which the core
   calls with what the preferences use of it (`lent`, read by lent.js). Later opens need no
   request. If it cannot load (blocked, offline, 404, an SRI mismatch), the visitor is told
   and gets the first layer (main.js wires it), whose Accept all and Refuse all need nothing
   more: withdrawing stays possible from the floating button. */
import { acceptAll, choice, refuseAll, setChoices } from "./consent.js";
import { GPC, resolveUrl } from "./constants.js";
import { addStyles, button, element, safe } from "./dom.js";
import { _, lang } from "./i18n.js";
import { languageSwitch } from "./language-switch.js";
import { loadScript } from "./packs.js";
import { bannerRoot, root } from "./root.js";
import { wasRefused } from "./send.js";
import { PREFS, SITE, TEXTS } from "./site.js";

/** @typedef {{show: function(Element=): void, redraw: function(): void, afterChange: function(object): void, onKey: function(KeyboardEvent): void}} Preferences
    the chunk's entry points (prefs-chunk.js) */
/** @type {Preferences | undefined} */
let preferences;
let asking; // while the chunk loads: [what asked to open the preferences]
let unavailable; // what the visitor gets when the chunk cannot load

/* Its keys are the names lent.js reads (the compiler shortens both alike: js_filters.py). */
const lent = {
  currentChoice: () => choice, acceptAll, refuseAll, setChoices, button, element, safe, translate: _,
  currentLanguage: () => lang, languageSwitch, bannerRoot, wasRefused, resolveUrl, GPC, SITE, TEXTS,
  addStyles, handBack: (entries) => preferences = entries
};

export const showPreferences = (from) => {
  if (!bannerRoot()) return;
  // What has focus now gets it back when the dialog closes, also when it opens once the chunk
  // is here. The button that asked stays as it is while the chunk loads; a second ask waits
  // with the first.
  const active = document.activeElement, opener = from || (active == root.host ? root.activeElement : active);
  if (preferences) return preferences.show(opener);
  if (asking) return asking[0] = opener;
  asking = [opener];
  loadScript(PREFS, (chunk) => {
    if (chunk) safe(chunk)(lent);
    const [asker] = asking;
    asking = null;
    preferences ? preferences.show(asker) : unavailable?.();
  });
};

/* main.js: what the visitor gets instead when the chunk cannot load. */
export const whenPreferencesUnavailable = (fn) => unavailable = fn;

/* After the visitor's language switch. */
export const redrawPreferences = () => preferences?.redraw();

/* A subscriber of the choice (consent.js). */
export const preferencesAfterChange = (change) => preferences?.afterChange(change);

/* Keys go to the dialog (trap.js) once the chunk is here. */
export const onKey = (event) => preferences?.onKey(event);
