/* The preferences chunk's entry (prefs-load.js fetches it the first time the preferences
   open): its texts join those of the bundle's language (a text pack carries every text of
   its language already), its CSS joins the banner's stylesheet, and the core gets its
   entry points. */
import { addStyles, handBack, SITE, TEXTS } from "./lent.js";
import { preferencesAfterChange, redrawPreferences, showPreferences } from "./prefs.js";
import { prefsCss, prefsTexts } from "./prefs-site.js";
import { onKey } from "./trap.js";

const table = TEXTS[SITE.defaultLanguage];
// The bundle's table holds 0 where a text is the chunk's, the chunk's 0 where it is the bundle's.
prefsTexts.forEach((text, n) => table[n] = table[n] || text);
addStyles(prefsCss);
handBack({ show: showPreferences, redraw: redrawPreferences, afterChange: preferencesAfterChange, onKey });
