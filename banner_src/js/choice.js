/* The visitor's choice, kept in one first-party cookie with the contract's own keys, so
   that it is also what get() returns and the core of the event sent:
   {consent_id (128 random bits, hex), revision, client_time (ISO 8601), choices: {category: bool}}. */
var choice = null, // the valid choice, or null: then the first layer asks
  seenChoice = null, // whatever the cookie held, even stale: keeps the consent id across revisions
  listeners = [], // on('change') listeners
  categories = SITE.categories;

var randomHex = () => Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => (b + 256).toString(16).slice(1)).join("");

/* An unreadable cookie is no choice at all: never a crash. */
var readChoice = () => {
  try {
    seenChoice = JSON.parse(decodeURIComponent(readCookies()[SITE.cookie]));
    if (!/^[0-9a-f]{32}$/.test(seenChoice.consent_id) || !seenChoice.choices) seenChoice = null;
  } catch (e) {
    seenChoice = null;
  }
  choice = seenChoice && seenChoice.revision === SITE.revision && Date.now() - Date.parse(seenChoice.client_time) < SITE.lifetime * DAY_MS ? seenChoice : null;
};

var isGranted = (id) => categories.some((k) => k.id == id && (k.required || !!choice && !!choice.choices[id]));

/* GPC asks that targeting (the categories behind ad_storage) stay off: "accept all" leaves it out, and the preferences say so. */
var allSetTo = (on) => {
  var m = {};
  categories.map((k) => m[k.id] = on && !(GPC && k.consentMode.includes("ad_storage")));
  return m;
};

var copyChoice = () => choice && JSON.parse(JSON.stringify(choice));

/* Record a choice and apply it everywhere. Returns true when a refused category's scripts
   already ran on this page, which only a reload can stop. */
var decide = (map, act) => {
  var old = choice || seenChoice, c = {}, lost = [], d;
  categories.map((k) => {
    c[k.id] = k.required || !!map[k.id];
    if (old && old.choices[k.id] && !c[k.id]) lost.push(k);
  });
  if (lost[0]) act = "withdraw";
  choice = seenChoice = { consent_id: old ? old.consent_id : randomHex(), revision: SITE.revision, client_time: new Date().toISOString(), choices: c };
  setCookie(SITE.cookie, encodeURIComponent(JSON.stringify(choice)), SITE.lifetime * 86400);
  lost.map(wipeCategory);
  gtagConsent("update", c);
  send(Object.assign({ site: SITE.id, event_id: randomHex(), action: act, language: lang, page_url: location.origin + location.pathname, gpc: GPC }, choice));
  scan(document);
  settle();
  d = copyChoice();
  listeners.map((f) => safe(f)(d)); // a listener that throws stops neither the others nor us
  document.dispatchEvent(new CustomEvent(CHANGE_EVENT, { detail: d }));
  return lost.some((k) => alreadyRan[k.id]);
};
