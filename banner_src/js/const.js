/* Names every module shares: attributes, the event, storage keys, time spans.
   Read once at start-up, while the banner's own <script> is still the current one. */
var OPEN = "data-consent-open",
  CAT = "data-consent",
  SEL = 'script[type="text/plain"][data-consent],iframe[data-consent][data-src]',
  EV = "consentbanner:change",
  QK = "consent_banner_queue",
  DAY = 864e5,
  KEEP = 30 * DAY,
  ME = document.currentScript,
  GPC = navigator.globalPrivacyControl === true;
