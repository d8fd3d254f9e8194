/* The dialog's keyboard, in the preferences chunk: Tab and Shift+Tab stay inside the
   dialog, Escape closes it. The core hands each key press on (prefs-load.js, onKey). */
import { bannerRoot } from "./lent.js";
import { closePreferences, dialog } from "./prefs.js";

/* What can take focus in the dialog is looked up at each key press, as the content changes. */
export const onKey = (event) => {
  if (!dialog) return;
  if (event.key == "Escape") {
    event.preventDefault();
    closePreferences();
  } else if (event.key == "Tab") {
    // No boxes: hidden, or inside a closed <details>.
    const focusable = [...dialog.querySelectorAll("a,button,input,summary")].filter((node) => !node.disabled && node.getClientRects()[0]);
    const at = focusable.indexOf(bannerRoot().activeElement), last = focusable.length - 1;
    if (event.shiftKey ? at < 1 : at < 0 || at == last) {
      event.preventDefault();
      focusable[event.shiftKey ? last : 0].focus();
    }
  }
};
