// What the tests read: which blocked scripts ran, and every CSP violation the page saw.
window.ran = [];
window.violations = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.violations.push(e.violatedDirective + " " + e.blockedURI);
});
