/* Keyboard in the dialog: Tab and Shift+Tab stay inside it, Escape closes it. What can take
   focus is looked up at each key press, as the content changes. */
import { closePreferences, dialog } from "./prefs.js";
import { root } from "./root.js";

/* Focus never hidden behind the banner (WCAG 2.2 SC 2.4.11): a page element that takes focus
   under the first layer or the floating button is scrolled clear of it; where the page cannot
   scroll that far (a footer under a bottom layer), the box moves to the opposite edge (.u). */
export const uncover = ({ target }) => {
  if (!root || target == root.host) return;
  for (const box of root.querySelectorAll(".L,.F")) {
    // how far to scroll to clear the box (it is in the lower or upper half), or false
    const overlap = () => {
      const a = target.getBoundingClientRect(), b = box.getBoundingClientRect();
      return a.bottom > b.top && a.top < b.bottom && a.right > b.left && a.left < b.right &&
        (b.top > innerHeight / 2 ? a.bottom - b.top + 8 : a.top - b.bottom - 8);
    };
    const by = overlap();
    if (by) {
      // "instant": a page's smooth scrolling would leave it covered when checked below
      scrollBy({ top: by, behavior: "instant" });
      if (overlap()) box.classList.toggle("u");
    }
  }
};

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
