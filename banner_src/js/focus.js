/* Keyboard in the dialog: Tab and Shift+Tab stay inside it, Escape closes it.
   What can take focus is looked up at each key press, as the content changes. */
var onKey = (e) => {
  if (!dialog) return;
  if (e.key == "Escape") {
    e.preventDefault();
    closePreferences();
  } else if (e.key == "Tab") {
    // No boxes: hidden, or inside a closed <details>.
    var t = [...dialog.querySelectorAll("a,button,input,summary")].filter((e) => !e.disabled && e.getClientRects()[0]),
      i = t.indexOf(root.activeElement), last = t.length - 1;
    if (e.shiftKey ? i < 1 : i < 0 || i == last) {
      e.preventDefault();
      t[e.shiftKey ? last : 0].focus();
    }
  }
};
