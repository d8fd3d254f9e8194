/* Keyboard in the dialog: Tab and Shift+Tab stay inside it, Escape closes it. What can take
   focus is looked up at each key press, as the content changes. */
import { closePreferences, dialog } from "./prefs.js";
import { root } from "./root.js";

export const onKey = (event) => {
  if (!dialog) return;
  if (event.key == "Escape") {
    event.preventDefault();
    closePreferences();
  } else if (event.key == "Tab") {
    // No boxes: hidden, or inside a closed <details>.
    const focusable = [...dialog.querySelectorAll("a,button,input,summary")].filter((node) => !node.disabled && node.getClientRects()[0]);
    const at = focusable.indexOf(root.activeElement), last = focusable.length - 1;
    if (event.shiftKey ? at < 1 : at < 0 || at == last) {
      event.preventDefault();
      focusable[event.shiftKey ? last : 0].focus();
    }
  }
};
