/* DOM helpers. Texts only ever go in through textContent, never as HTML. */
/* Wrap an entry point so that an error inside the banner never reaches the host page. */
var safe = (fn) => function () {
  try {
    return fn.apply(this, arguments);
  } catch (e) {
    try { console.warn(e); } catch (x) {} // even a broken console must not escape
  }
};

/* element("p", {class: "x", text: "…", on: click handler}, [children, strings, or falsy to skip]) */
var element = (tag, at, ks) => {
  var e = document.createElement(tag), k, v;
  for (k in at) {
    v = at[k];
    if (v == null) continue;
    if (k == "text") e.textContent = v;
    else if (k == "on") e.addEventListener("click", safe(v));
    else e.setAttribute(k, v);
  }
  (ks || []).map((c) => c && e.append(c));
  return e;
};

var button = (text, on, cls, more) => element("button", Object.assign({ type: "button", class: cls || "b", text, on }, more));

/* One constructable stylesheet, shared by every shadow root: allowed under style-src 'self'. */
var sheet;
var shadowRoot = (host) => {
  var r = host.attachShadow({ mode: "open" });
  if (!sheet) (sheet = new CSSStyleSheet()).replaceSync(CSS);
  r.adoptedStyleSheets = [sheet];
  host.setAttribute("data-nosnippet", "");
  return r;
};
