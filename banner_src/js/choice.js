/* The visitor's choice, kept in one first-party cookie with the contract's own keys, so
   that it is also what get() returns and the core of the event sent:
   {consent_id (128 random bits, hex), revision, client_time (ISO 8601), choices: {category: bool}}. */
var ch = null, // the valid choice, or null: then the first layer asks
  seen = null, // whatever the cookie held, even stale: keeps the consent id across revisions
  subs = [], // on('change') listeners
  cats = SITE.categories;

var hex = () => Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => (b + 256).toString(16).slice(1)).join("");

/* An unreadable cookie is no choice at all: never a crash. */
var readC = () => {
  try {
    seen = JSON.parse(decodeURIComponent(jar()[SITE.cookie]));
    if (!/^[0-9a-f]{32}$/.test(seen.consent_id) || !seen.choices) seen = null;
  } catch (e) {
    seen = null;
  }
  ch = seen && seen.revision === SITE.revision && Date.now() - Date.parse(seen.client_time) < SITE.lifetime * DAY ? seen : null;
};

var granted = (id) => cats.some((k) => k.id == id && (k.required || !!ch && !!ch.choices[id]));

/* GPC asks that targeting (the categories behind ad_storage) stay off: "accept all" leaves it out, and the preferences say so. */
var all = (on) => {
  var m = {};
  cats.map((k) => m[k.id] = on && !(GPC && k.consentMode.includes("ad_storage")));
  return m;
};

var get = () => ch && JSON.parse(JSON.stringify(ch));

/* Record a choice and apply it everywhere. Returns true when a refused category's scripts
   already ran on this page, which only a reload can stop. */
var dec = (map, act) => {
  var old = ch || seen, c = {}, lost = [], d;
  cats.map((k) => {
    c[k.id] = k.required || !!map[k.id];
    if (old && old.choices[k.id] && !c[k.id]) lost.push(k);
  });
  if (lost[0]) act = "withdraw";
  ch = seen = { consent_id: old ? old.consent_id : hex(), revision: SITE.revision, client_time: new Date().toISOString(), choices: c };
  setC(SITE.cookie, encodeURIComponent(JSON.stringify(ch)), SITE.lifetime * 86400);
  lost.map(wipe);
  gcm("update", c);
  send(Object.assign({ site: SITE.id, event_id: hex(), action: act, language: lang, page_url: location.origin + location.pathname, gpc: GPC }, ch));
  scan(document);
  settle();
  d = get();
  subs.map((f) => { try { f(d); } catch (e) { warn(e); } });
  document.dispatchEvent(new CustomEvent(EV, { detail: d }));
  return lost.some((k) => ran[k.id]);
};
