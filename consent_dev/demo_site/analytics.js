/* The demo's stand-in for an audience-measurement tag: it sets WT_fpc (policy section 2.2)
   and says so on the page. It runs only once the visitor grants "performance". */
(function () {
  var id = Math.random().toString(16).slice(2) + Date.now().toString(16);
  // 13 months, as the policy declares for WT_fpc.
  document.cookie = "WT_fpc=id=" + id + "; Max-Age=" + 395 * 24 * 3600 + "; Path=/; SameSite=Lax";
  var status = document.getElementById("analytics-status");
  if (status) status.textContent = "Mesure d'audience active : cookie WT_fpc déposé.";
})();
