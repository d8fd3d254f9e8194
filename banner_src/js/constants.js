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
export const OWN_SCRIPT = document.currentScript;
export const GPC = navigator.globalPrivacyControl === true;

/* Bytes as lower-case hex: the consent and event ids, and the text packs' file names. */
export const toHex = (bytes) => Array.from(bytes, (byte) => (byte + 256).toString(16).slice(1)).join("");
