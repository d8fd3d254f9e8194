// What the tests read: which blocked scripts ran, and every CSP violation the page saw.
window.ran = [];
window.violations = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.violations.push(e.violatedDirective + " " + e.blockedURI);
});
// The frame the banner's host is inserted in: is the first layer already there and opaque?
new MutationObserver(function (records, observer) {
  var host = document.querySelector("[data-consent-banner]"), region;
  if (!host) return;
  region = host.shadowRoot && host.shadowRoot.querySelector("[role=region]");
  window.firstFrame = region && {
    opacity: getComputedStyle(region).opacity,
    display: getComputedStyle(region).display,
    height: region.getBoundingClientRect().height
  };
  observer.disconnect();
}).observe(document.documentElement, { childList: true, subtree: true });
// The page's globals before the banner runs: the banner may add ConsentBanner only.
window.keysBefore = Object.keys(window);
