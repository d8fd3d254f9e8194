/* Focus: a focused page element is never hidden behind the banner. (In the preferences,
   Tab and Shift+Tab stay inside the dialog and Escape closes it: trap.js, in the
   preferences chunk.) */
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
