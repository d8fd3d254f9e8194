/* Names every module shares: attributes, the event, storage keys, time spans.
   Read once at start-up, while the banner's own <script> is still the current one.

   The build's minifier (rjsmin) keeps names as written and the whole bundle must stay
   under 7 KiB brotli, so the modules' own names are short. Legend:
   dom: sf safe wrapper, h element, btn button, mk shadow root, sh sheet
   store: jar cookies, sC set, dC delete, wp wipe a category
   choice: ch choice, sn seen (stale) choice, sb listeners, cs categories, rC read, gr granted,
     dec decide, hx random hex
   block: sc scan, pm pump, td to do, qd queued, hd placeholders, bz busy, fr frame, pt paint,
     wt watch
   send: se send, fl flush, ps post, ld load, kp keep, lv leave (pagehide), u endpoint URL
   layer/prefs/reopen: rt root, lay first layer, lg languages, ac actions, sL show layer,
     fin settle, pf preferences, dlg dialog, df draft, bk back (opener), it item, cl close,
     pk pick, fab floating button, sF show it, ro reopen; focus: ky keys; main: rd redraw, go */
var OPEN = "data-consent-open",
  CAT = "data-consent",
  SEL = 'script[type="text/plain"][data-consent],iframe[data-consent][data-src]',
  EV = "consentbanner:change",
  QK = "consent_banner_queue",
  DAY = 864e5,
  KEEP = 30 * DAY,
  ME = document.currentScript,
  GPC = navigator.globalPrivacyControl === true;
