/* Names every module shares: attributes, the event, storage keys, time spans.
   Read once at start-up, while the banner's own <script> is still the current one.
   Names here and in every module say what they are: the build shortens them (mangle.py). */
var OPEN_ATTRIBUTE = "data-consent-open",
  CATEGORY_ATTRIBUTE = "data-consent",
  BLOCKED_SELECTOR = 'script[type="text/plain"][data-consent],iframe[data-consent][data-src]',
  CHANGE_EVENT = "consentbanner:change",
  QUEUE_KEY = "consent_banner_queue",
  DAY_MS = 864e5,
  QUEUE_KEEP_MS = 30 * DAY_MS,
  OWN_SCRIPT = document.currentScript,
  GPC = navigator.globalPrivacyControl === true;
