/* The decisions every button and the API share, and window.ConsentBanner: the one
   global, for the site's own code. Each entry point catches its own errors. */
var yes = () => pick(all(1), "accept_all"),
  no = () => pick(all(0), "refuse_all"),
  set = (m) => pick(Object.assign({}, ch && ch.choices, m), "custom"),
  off = (ev, fn) => subs = subs.filter((f) => f !== fn);

var api = () => window.ConsentBanner = ({
  get: safe(get),
  granted: safe(granted),
  show: safe(() => prefs()),
  acceptAll: safe(yes),
  refuseAll: safe(no),
  set: safe(set),
  on: safe((ev, fn) => {
    if (ev == "change" && typeof fn == "function") subs.push(fn);
    return () => off(ev, fn);
  }),
  off: safe(off)
});
