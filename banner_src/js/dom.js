/* DOM helpers. Texts only ever go in through textContent, never as HTML. */
import { CSS } from "./site.js";

/* Wrap an entry point so that an error inside the banner never reaches the host page. */
export const safe = (fn) => function (...args) {
  try {
    return fn.apply(this, args);
  } catch (error) {
    try { console.warn(error); } catch {} // even a broken console must not escape
  }
};

/* element("p", { class: "x", text: "…", on: click handler }, [children, strings, or falsy to skip]) */
export const element = (tag, attributes, children) => {
  const node = document.createElement(tag);
  for (const name in attributes) {
    const value = attributes[name];
    if (value == null) continue;
    if (name == "text") node.textContent = value;
    else if (name == "on") node.addEventListener("click", safe(value));
    else node.setAttribute(name, value);
  }
  for (const child of children || []) if (child) node.append(child);
  return node;
};

export const button = (text, onClick, className = "b", more) =>
  element("button", { type: "button", class: className, text, on: onClick, ...more });

/* One constructable stylesheet, shared by every shadow root: allowed under style-src 'self'. */
let sheet;
export const shadowRoot = (host) => {
  const root = host.attachShadow({ mode: "open" });
  if (!sheet) (sheet = new CSSStyleSheet()).replaceSync(CSS);
  root.adoptedStyleSheets = [sheet];
  host.setAttribute("data-nosnippet", "");
  return root;
};

/* Rules that join the same stylesheet, after the rest, one text per part: the preferences
   chunk's CSS (prefs-chunk.js) and the page's brand colours (brand.js, part "b"). */
const added = {};
export const addStyles = (css, part = "p") => {
  added[part] = css;
  sheet.replaceSync(CSS + Object.values(added).join(""));
};
