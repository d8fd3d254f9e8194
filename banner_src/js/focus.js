/* Focus and the keyboard: a focused page element is never hidden behind the banner; in the
   dialog, Tab and Shift+Tab stay inside it, Escape closes it. */
import { closePreferences, dialog } from "./prefs.js";
import { root } from "./root.js";

/* Focus never hidden behind the banner (WCAG 2.2 SC 2.4.11): when a page element takes focus
   where the first layer or the floating button covers its centre, the box moves to the other
   edge of the window (.u), and back when it covers the next one there. While the box is under
   half the window's height (KPpay's French first layer: 361 px of 812 on a phone), one of the
   two edges leaves every element in view. */
export const uncover = ({ target }) => {
  const box = target.getClientRects()[0];
  if (root && box && target != root.host && document.elementFromPoint(box.x + box.width / 2, box.y + box.height / 2) == root.host) {
    for (const cover of root.querySelectorAll(".L,.F")) cover.classList.toggle("u");
  }
};

/* What can take focus in the dialog is looked up at each key press, as the content changes. */
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
