/* Proof of consent: every event is written to localStorage first, POSTed without
   waiting, and removed only after a 2xx. Failures are retried with backoff (on this
   page, on the next one, when back online) and dropped after 30 days. */
var inFlight = {}, retryTimer;

var endpointUrl = () => new URL(SITE.endpoint, OWN_SCRIPT && OWN_SCRIPT.src || location.href).href;

var loadQueue = () => {
  try { return JSON.parse(localStorage.getItem(QUEUE_KEY)) || []; } catch (e) { return []; }
};

var keepQueue = (q) => {
  try { localStorage.setItem(QUEUE_KEY, JSON.stringify(q)); } catch (e) {}
};

var send = (e) => {
  keepQueue(loadQueue().concat({ e, n: 0, a: 0 }));
  flush();
};

var flush = () => {
  var now = Date.now(), q = loadQueue().filter((x) => now - Date.parse(x.e.client_time) < QUEUE_KEEP_MS);
  keepQueue(q);
  q.map((x) => x.a <= now && post(x.e));
};

var post = (ev) => {
  var id = ev.event_id;
  if (inFlight[id]) return;
  inFlight[id] = 1;
  var done = (ok) => {
    var wait = 0;
    delete inFlight[id];
    keepQueue(loadQueue().filter((x) => x.e.event_id != id || !ok && (
      x.a = Date.now() + (wait = Math.min(1e3 * 2 ** ++x.n, 36e5)))));
    if (wait) clearTimeout(retryTimer), retryTimer = setTimeout(safe(flush), wait + 50);
  };
  fetch(endpointUrl(), {
    method: "POST", body: JSON.stringify(ev), keepalive: true, credentials: "omit",
    headers: { "Content-Type": "text/plain;charset=UTF-8" }
  }).then(safe((r) => done(r.ok || r.status == 400 || r.status == 413)), safe(() => done()));
  // A malformed (400) or oversized (413) event would never be accepted: it is not retried.
};

/* Leaving the page: what is still waiting goes by sendBeacon; if the browser refuses it
   (false), a keepalive fetch is tried. Either way it stays queued until a 2xx is seen. */
var leave = () => loadQueue().map((x) => inFlight[x.e.event_id] ||
  navigator.sendBeacon(endpointUrl(), new Blob([JSON.stringify(x.e)], { type: "text/plain;charset=UTF-8" })) || post(x.e));
