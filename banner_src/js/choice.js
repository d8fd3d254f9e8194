/* The visitor's choice, kept in one first-party cookie with the contract's own keys, so
   that it is also what get() returns and the core of the event sent:
   {consent_id (128 random bits, hex), revision, client_time (ISO 8601), choices: {category: bool}}. */
var ch = null, // the valid choice, or null: then the first layer asks
  sn = null, // whatever the cookie held, even stale: keeps the consent id across revisions
  sb = [], // on('change') listeners
  cs = SITE.categories;

var hx = () => Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => (b + 256).toString(16).slice(1)).join("");

/* An unreadable cookie is no choice at all: never a crash. */
var rC = () => {
  try {
    sn = JSON.parse(decodeURIComponent(jar()[SITE.cookie]));
    if (!/^[0-9a-f]{32}$/.test(sn.consent_id) || !sn.choices) sn = null;
  } catch (e) {
    sn = null;
  }
  ch = sn && sn.revision === SITE.revision && Date.now() - Date.parse(sn.client_time) < SITE.lifetime * DAY ? sn : null;
};

var gr = (id) => cs.some((k) => k.id == id && (k.required || !!ch && !!ch.choices[id]));

/* GPC asks that targeting (the categories behind ad_storage) stay off: "accept all" leaves it out, and the preferences say so. */
var all = (on) => {
  var m = {};
  cs.map((k) => m[k.id] = on && !(GPC && k.consentMode.includes("ad_storage")));
  return m;
};

var get = () => ch && JSON.parse(JSON.stringify(ch));

/* Record a choice and apply it everywhere. Returns true when a refused category's scripts
   already ran on this page, which only a reload can stop. */
var dec = (map, act) => {
  var old = ch || sn, c = {}, lost = [], d;
  cs.map((k) => {
    c[k.id] = k.required || !!map[k.id];
    if (old && old.choices[k.id] && !c[k.id]) lost.push(k);
  });
  if (lost[0]) act = "withdraw";
  ch = sn = { consent_id: old ? old.consent_id : hx(), revision: SITE.revision, client_time: new Date().toISOString(), choices: c };
  sC(SITE.cookie, encodeURIComponent(JSON.stringify(ch)), SITE.lifetime * 86400);
  lost.map(wp);
  gcm("update", c);
  se(Object.assign({ site: SITE.id, event_id: hx(), action: act, language: lang, page_url: location.origin + location.pathname, gpc: GPC }, ch));
  sc(document);
  fin();
  d = get();
  sb.map((f) => sf(f)(d)); // a listener that throws stops neither the others nor us
  document.dispatchEvent(new CustomEvent(EV, { detail: d }));
  return lost.some((k) => ran[k.id]);
};
