/* window.ConsentBanner: the one global, for the site's own code. Each entry point catches
   its own errors. Its change listeners and the DOM event hear every change of the choice. */
import { acceptAll, copyChoice, isGranted, refuseAll, setChoices } from "./consent.js";
import { CHANGE_EVENT } from "./constants.js";
import { safe } from "./dom.js";
import { showPreferences } from "./prefs-load.js";

let listeners = []; // on('change') listeners

export const exposeApi = () => window.ConsentBanner = {
  get: safe(copyChoice),
  granted: safe(isGranted),
  show: safe(() => showPreferences()),
  acceptAll: safe(acceptAll),
  refuseAll: safe(refuseAll),
  set: safe(setChoices),
  on: safe((name, fn) => {
    if (name == "change" && typeof fn == "function") listeners.push(fn);
    return () => listeners = listeners.filter((listener) => listener !== fn);
  })
};

/* A subscriber of the choice (consent.js). A listener that throws stops neither the others
   nor the banner. */
export const announceChange = () => {
  const detail = copyChoice();
  for (const listener of listeners) safe(listener)(detail);
  document.dispatchEvent(new CustomEvent(CHANGE_EVENT, { detail }));
};
