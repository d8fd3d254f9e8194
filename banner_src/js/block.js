/* Blocking until consent: <script type="text/plain" data-consent=…> and
   <iframe data-consent=… data-src=…> stay inert until their category is granted, then run
   once, in document order, without a reload. */
import { isGranted, markRan, setChoices } from "./consent.js";
import { BLOCKED_SELECTOR, CATEGORY_ATTRIBUTE, SCRIPT_NONCE } from "./constants.js";
import { deleteCategoryCookies } from "./cookies.js";
import { button, element, safe, shadowRoot } from "./dom.js";
import { _, tagLanguage } from "./i18n.js";
import { showPreferences } from "./prefs-load.js";
import { SITE } from "./site.js";

const toRun = []; // scripts granted but not yet run, in order
const queued = new WeakSet();
const placeholders = new Map(); // iframe -> the shadow root of its placeholder
let loading = false; // an external script is loading: the next waits for its load or error

export const scan = (node) => {
  // the document, or an element the page added (which may itself be blocked)
  const found = [...node.querySelectorAll(BLOCKED_SELECTOR)];
  if (node.matches && node.matches(BLOCKED_SELECTOR)) found.unshift(node);
  for (const blocked of found) {
    const category = blocked.getAttribute(CATEGORY_ATTRIBUTE);
    if (blocked.tagName != "SCRIPT") holdOrLoadFrame(blocked, category);
    else if (isGranted(category) && !queued.has(blocked)) {
      toRun.push(blocked);
      queued.add(blocked);
    }
  }
  runGranted();
};

/* A fresh <script> runs; the inert one is replaced. The nonce is copied (the page's CSP
   needs it), or else the banner's own is given. External scripts are chained. Their valid
   markup is data-src (HTML forbids src on a script whose type is not JavaScript); src, as
   older pages wrote it, works too. */
const runGranted = () => {
  while (!loading && toRun[0]) {
    const inert = toRun.shift(), script = document.createElement("script");
    const nonce = inert.nonce || SCRIPT_NONCE;
    for (const attribute of inert.attributes) script.setAttribute(attribute.name, attribute.value);
    if (inert.dataset.type) script.type = inert.dataset.type;
    else script.removeAttribute("type");
    if (inert.dataset.src) script.src = inert.dataset.src;
    if (nonce) script.nonce = nonce;
    if (script.src) {
      script.onload = script.onerror = safe(() => {
        loading = false;
        runGranted();
      });
      loading = true;
    } else script.text = inert.text;
    markRan(inert.getAttribute(CATEGORY_ATTRIBUTE));
    inert.replaceWith(script);
  }
};

const holdOrLoadFrame = (frame, category) => {
  let placeholder = placeholders.get(frame);
  if (isGranted(category)) {
    if (placeholder) {
      placeholder.host.remove();
      placeholders.delete(frame);
    }
    frame.hidden = false;
    frame.src = frame.dataset.src;
    frame.removeAttribute("data-src");
    markRan(category);
  } else if (!placeholder) {
    placeholders.set(frame, placeholder = shadowRoot(element("div")));
    frame.hidden = true;
    frame.before(placeholder.host);
    paintPlaceholder(placeholder, frame);
  }
};

/* The placeholder: who hosts the content, and the two ways to get it. A host a service
   declares (`hosts`) is shown as that service: SITE.hosts is a function the build writes
   only for a site that declares hosts (bundle.py, service_of_host), so that the others carry
   none of it. */
const paintPlaceholder = (placeholder, frame) => {
  const category = frame.getAttribute(CATEGORY_ATTRIBUTE);
  let host = frame.dataset.provider;
  try { host = host || new URL(frame.dataset.src, location).hostname; } catch {}
  host = SITE.hosts?.(host) || host;
  tagLanguage(placeholder.host);
  placeholder.replaceChildren(element("div", { class: "k P" }, [
    // TRANSLATORS: placeholder of blocked embedded content; {host} is who hosts it, e.g. Facebook
    element("p", { text: _("This content is hosted by {host}; loading it sets its cookies.").split("{host}").join(host) }),
    // TRANSLATORS: button in the placeholder of blocked content; grants its category
    button(_("Load the content"), () => setChoices({ [category]: true })),
    // TRANSLATORS: button and floating button that open the preferences; keep under 25 characters
    button(_("Cookie settings"), () => showPreferences(), "b", { "aria-haspopup": "dialog" })
  ]));
};

/* After the visitor's language switch. */
export const redrawPlaceholders = () => placeholders.forEach(paintPlaceholder);

/* A subscriber of the choice (consent.js): a withdrawn category's cookies are deleted, a
   granted one's scripts and frames run. */
export const applyChange = ({ withdrawn }) => {
  withdrawn.forEach(deleteCategoryCookies);
  scan(document);
};

/* Elements the page adds later are treated the same way. */
export const watch = () => new MutationObserver(safe((mutations) => {
  for (const mutation of mutations) for (const node of mutation.addedNodes) if (node.nodeType == 1) scan(node);
})).observe(document.documentElement, { childList: true, subtree: true });
