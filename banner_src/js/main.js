/* Start-up, and the wiring of the parts: what needs no <body> runs at once (API, stored
   choice, Consent Mode default, the observer, the send queue); the UI as soon as <body>
   exists and the visitor's language is loaded. Nothing leaks but window.ConsentBanner. */
import { announceChange, exposeApi } from "./api.js";
import { applyChange, redrawPlaceholders, scan, watch } from "./block.js";
import { choice, readChoice, subscribe } from "./consent.js";
import { safe } from "./dom.js";
import { uncover } from "./focus.js";
import { tellConsentMode, updateConsentMode } from "./gcm.js";
import { onLanguageChange, whenLanguageReady } from "./i18n.js";
import { redrawFirstLayer, settle, showFirstLayer, showFirstLayerInstead } from "./layer.js";
import { onKey, preferencesAfterChange, redrawPreferences, whenPreferencesUnavailable } from "./prefs-load.js";
import { onOpenClick, redrawFloatingButton, showFloatingButton } from "./reopen.js";
import { flush, leave, sendChange } from "./send.js";

const start = () => {
  scan(document);
  choice ? showFloatingButton() : showFirstLayer();
};

if (!window.ConsentBanner) {
  safe(() => {
    exposeApi();
    readChoice();
    tellConsentMode("default");
    if (choice) tellConsentMode("update", choice.choices);
    // What reacts to a choice, in this order.
    for (const react of [updateConsentMode, sendChange, applyChange, settle, preferencesAfterChange, announceChange]) subscribe(react);
    for (const redraw of [redrawFirstLayer, redrawPreferences, redrawFloatingButton, redrawPlaceholders]) onLanguageChange(redraw);
    whenPreferencesUnavailable(showFirstLayerInstead);
    watch();
    flush();
    addEventListener("online", safe(flush));
    addEventListener("pagehide", safe(leave));
    document.addEventListener("click", safe(onOpenClick));
    document.addEventListener("keydown", safe(onKey), true);
    document.addEventListener("focusin", safe(uncover));
    // The visitor's language is a text pack, loaded first.
    whenLanguageReady(() => document.body ? start() : document.addEventListener("DOMContentLoaded", safe(start)));
  })();
}
