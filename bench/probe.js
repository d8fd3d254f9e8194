/* Installed by the widget benchmark with Page.addScriptToEvaluateOnNewDocument: it runs in
   every document before any of the page's scripts, and records in window.__bench
   - inDom: performance.now() when the page's first layer is first in the DOM,
   - visible: performance.now() when it is first visible (in the DOM, a non-zero box inside the
     viewport, no ancestor with display:none or opacity 0, not visibility:hidden),
   - cls: the sum of layout-shift values without recent input (buffered observer).
   performance.now() counts from navigation start. Polling runs on every animation frame (what
   the visitor can see) and on DOM mutations, and stops once the layer is visible. */
(function () {
  "use strict";
  if (window.top !== window) return;
  var state = { inDom: null, visible: null, cls: 0, shifts: 0, error: null };
  Object.defineProperty(window, "__bench", { value: state });

  var finders = {
    // Our contract: host [data-consent-banner], open shadow root, first layer role="region".
    ours: function () {
      var host = document.querySelector("[data-consent-banner]");
      return host && host.shadowRoot && host.shadowRoot.querySelector('[role="region"]');
    },
    // vanilla-cookieconsent 3's consent modal.
    vcc: function () { return document.querySelector("#cc-main .cm"); },
    // The baseline page has no banner: its own content stands in for it.
    blank: function () { return document.getElementById("content"); }
  };
  var find = finders[location.pathname.split("/")[1]];
  if (!find) return;

  function shown(element) {
    var box = element.getBoundingClientRect();
    if (box.width <= 0 || box.height <= 0) return false;
    if (box.bottom <= 0 || box.right <= 0 ||
        box.top >= innerHeight || box.left >= innerWidth) return false;
    if (getComputedStyle(element).visibility === "hidden") return false;
    // Walk up through shadow roots to their hosts: any hidden or transparent ancestor hides it.
    for (var node = element; node && node.nodeType === 1;
         node = node.parentNode && node.parentNode.nodeType === 11 ? node.parentNode.host
                                                                      : node.parentNode) {
      var style = getComputedStyle(node);
      if (style.display === "none" || parseFloat(style.opacity) === 0) return false;
    }
    return true;
  }

  var observer = null;
  function check() {
    if (state.visible !== null) return true;
    try {
      var element = find();
      if (!element) return false;
      var now = performance.now();
      if (state.inDom === null) state.inDom = now;
      if (!shown(element)) return false;
      state.visible = now;
      if (observer) observer.disconnect();
      return true;
    } catch (error) {
      state.error = String(error);
      return true;
    }
  }

  function frame() { if (!check()) requestAnimationFrame(frame); }
  requestAnimationFrame(frame);
  observer = new MutationObserver(check);
  observer.observe(document, { childList: true, subtree: true, attributes: true });

  try {
    new PerformanceObserver(function (list) {
      list.getEntries().forEach(function (entry) {
        if (!entry.hadRecentInput) { state.cls += entry.value; state.shifts += 1; }
      });
    }).observe({ type: "layout-shift", buffered: true });
  } catch (error) {
    state.error = "no layout-shift observer: " + error;
  }
})();
