/* Proof of consent: every event is written to localStorage first, POSTed without waiting,
   and removed once the server answered. A 2xx is a receipt. 408, 425, 429, a 5xx or no
   answer at all are retried with backoff (on this page, on the next one, when back online)
   and dropped after 30 days. Any other 4xx means the server refused the event (malformed,
   unknown site or revision, an origin it does not allow): sending it again would change
   nothing, so it leaves the queue, and the visitor is not shown a consent reference the
   server refused (see wasRefused). */
import { GPC, QUEUE_KEEP_MS, QUEUE_KEY, REFUSED_KEY, resolveUrl } from "./constants.js";
import { randomHex } from "./consent.js";
import { safe } from "./dom.js";
import { lang } from "./i18n.js";
import { SITE } from "./site.js";

const inFlight = {};
let retryTimer;

/* Storage may be blocked (sandboxed frames, some settings): then nothing waits. */
const read = (key) => {
  try { return JSON.parse(localStorage.getItem(key)); } catch {}
};
/* Nothing is written while there is nothing to keep: an empty queue removes its key, so a
   page where the visitor has not chosen holds no storage of ours (what a regulator's crawler
   lists; found by the cookie audit). Removing first also frees the old value's room. */
const keep = (key, value) => {
  try { localStorage.removeItem(key); value[0] && localStorage.setItem(key, JSON.stringify(value)); } catch {}
};
const loadQueue = () => read(QUEUE_KEY) || [];

const retried = (status) => status == 408 || status == 425 || status == 429 || status < 400 || status > 499;

/* Whether the server refused the event of this choice. */
export const wasRefused = (choice) => read(REFUSED_KEY) == choice.client_time;

/* A subscriber of the choice (consent.js): each change is one event. */
export const sendChange = ({ choice, action }) => {
  keep(QUEUE_KEY, [...loadQueue(), { e: { site: SITE.id, release: SITE.release, event_id: randomHex(), action, language: lang,
    page_url: location.origin + location.pathname, gpc: GPC, ...choice }, n: 0, a: 0 }]);
  flush();
};

export const flush = () => {
  const now = Date.now(), queue = loadQueue().filter((entry) => now - Date.parse(entry.e.client_time) < QUEUE_KEEP_MS);
  keep(QUEUE_KEY, queue);
  for (const entry of queue) if (entry.a <= now) post(entry.e);
};

const post = (event) => {
  const id = event.event_id;
  if (inFlight[id]) return;
  inFlight[id] = 1;
  // answered: the status, or 0 when no answer came
  const done = (status) => {
    const retry = !(status >= 200 && status < 300) && retried(status);
    let wait = 0;
    delete inFlight[id];
    if (status >= 400 && !retry) keep(REFUSED_KEY, event.client_time);
    keep(QUEUE_KEY, loadQueue().filter((entry) => entry.e.event_id != id ||
      retry && (entry.a = Date.now() + (wait = Math.min(1e3 * 2 ** ++entry.n, 36e5)))));
    if (wait) {
      clearTimeout(retryTimer);
      retryTimer = setTimeout(safe(flush), wait + 50);
    }
  };
  // A string body goes as text/plain;charset=UTF-8 (the Fetch standard): no CORS preflight.
  // Default credentials (same-origin): through the site's proxy the server's Set-Cookie
  // re-issues the choice's cookie (first-party mode); cross-origin, no cookie goes either way.
  fetch(resolveUrl(SITE.endpoint), {
    method: "POST", body: JSON.stringify(event), keepalive: true
  }).then(safe((response) => done(response.status)), safe(() => done(0)));
};

/* Leaving the page: what is still waiting goes by sendBeacon (a string, sent as text/plain
   too); if the browser refuses it (false), a keepalive fetch is tried. Either way it stays
   queued until an answer is seen. */
export const leave = () => {
  for (const entry of loadQueue()) {
    inFlight[entry.e.event_id] ||
      navigator.sendBeacon(resolveUrl(SITE.endpoint), JSON.stringify(entry.e)) || post(entry.e);
  }
};
