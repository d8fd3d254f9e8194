/* Names every module shares: attributes, the event, storage keys, time spans, and what is
   read once at start-up (the banner's own <script>, while it is still the current one). */
export const OPEN_ATTRIBUTE = "data-consent-open";
export const CATEGORY_ATTRIBUTE = "data-consent";
export const BLOCKED_SELECTOR = 'script[type="text/plain"][data-consent],iframe[data-consent][data-src]';
export const CHANGE_EVENT = "consentbanner:change";
export const QUEUE_KEY = "consent_banner_queue";
// The client_time of the last choice whose event the server refused (see send.js).
export const REFUSED_KEY = "consent_banner_refused";
export const DAY_MS = 864e5;
export const QUEUE_KEEP_MS = 30 * DAY_MS;
const OWN_SCRIPT = document.currentScript; // null if the banner was not loaded by a <script>
export const SCRIPT_NONCE = OWN_SCRIPT && OWN_SCRIPT.nonce;
export const GPC = navigator.globalPrivacyControl === true;

/* An attribute of the banner's own tag: data-lang, data-button. */
export const scriptAttribute = (name) => OWN_SCRIPT && OWN_SCRIPT.getAttribute(name);

/* A path relative to the banner's own script (the endpoint, the rights page, the text packs):
   the server's paths whether it is reached directly or through a site's proxied path. */
export const resolveUrl = (path) => new URL(path, OWN_SCRIPT && OWN_SCRIPT.src || location.href).href;
