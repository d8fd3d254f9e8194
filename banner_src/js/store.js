/* First-party cookies: read them all, write one, delete one wherever it may live. */
var readCookies = () => {
  var o = {};
  document.cookie.split("; ").map((p) => {
    var i = p.indexOf("=");
    if (i > 0) o[p.slice(0, i)] = p.slice(i + 1);
  });
  return o;
};

var setCookie = (name, val, sec) => {
  document.cookie = name + "=" + val + ";Max-Age=" + sec + ";Path=/;SameSite=Lax" +
    (location.protocol == "https:" ? ";Secure" : "");
};

/* A cookie may have been set host-only or on any parent domain: expire it on each. */
var deleteCookie = (name) => {
  var d = location.hostname.split("."), x = name + "=;Max-Age=0;Path=/";
  for (document.cookie = x; d.length; d.shift()) document.cookie = x + ";Domain=" + d.join(".");
};

/* Withdrawal: delete what a category declares, exact names and `prefix*` patterns. */
var wipeCategory = (k) => k.items.map((x) => (x.cookies || [x.name]).map((n) =>
  n.slice(-1) == "*" ? Object.keys(readCookies()).map((c) => c.indexOf(n.slice(0, -1)) || deleteCookie(c)) : deleteCookie(n)));
