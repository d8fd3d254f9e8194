/* Proof of consent: every event is written to localStorage first, POSTed without
   waiting, and removed only after a 2xx. Failures are retried with backoff (on this
   page, on the next one, when back online) and dropped after 30 days. */
var fly = {}, tm;

var u = () => new URL(SITE.endpoint, ME && ME.src || location.href).href;

var ld = () => {
  try { return JSON.parse(localStorage.getItem(QK)) || []; } catch (e) { return []; }
};

var kp = (q) => {
  try { localStorage.setItem(QK, JSON.stringify(q)); } catch (e) {}
};

var se = (e) => {
  kp(ld().concat({ e, n: 0, a: 0 }));
  fl();
};

var fl = () => {
  var now = Date.now(), q = ld().filter((x) => now - Date.parse(x.e.client_time) < KEEP);
  kp(q);
  q.map((x) => x.a <= now && ps(x.e));
};

var ps = (ev) => {
  var id = ev.event_id;
  if (fly[id]) return;
  fly[id] = 1;
  var done = (ok) => {
    var wait = 0;
    delete fly[id];
    kp(ld().filter((x) => x.e.event_id != id || !ok && (
      x.a = Date.now() + (wait = Math.min(1e3 * 2 ** ++x.n, 36e5)))));
    if (wait) clearTimeout(tm), tm = setTimeout(sf(fl), wait + 50);
  };
  fetch(u(), {
    method: "POST", body: JSON.stringify(ev), keepalive: true, credentials: "omit",
    headers: { "Content-Type": "text/plain;charset=UTF-8" }
  }).then(sf((r) => done(r.ok || r.status == 400 || r.status == 413)), sf(() => done()));
  // A malformed (400) or oversized (413) event would never be accepted: it is not retried.
};

/* Leaving the page: what is still waiting goes by sendBeacon; if the browser refuses it
   (false), a keepalive fetch is tried. Either way it stays queued until a 2xx is seen. */
var lv = () => ld().map((x) => fly[x.e.event_id] ||
  navigator.sendBeacon(u(), new Blob([JSON.stringify(x.e)], { type: "text/plain;charset=UTF-8" })) || ps(x.e));
