/* The decisions every button and the API share, and window.ConsentBanner: the one
   global, for the site's own code. Each entry point catches its own errors. */
var yes = () => pk(all(1), "accept_all"),
  no = () => pk(all(0), "refuse_all"),
  set = (m) => pk(Object.assign({}, ch && ch.choices, m), "custom"),
  off = (fn) => sb = sb.filter((f) => f !== fn);

var api = () => window.ConsentBanner = {
  get: sf(get),
  granted: sf(gr),
  show: sf(() => pf()),
  acceptAll: sf(yes),
  refuseAll: sf(no),
  set: sf(set),
  on: sf((ev, fn) => {
    if (ev == "change" && typeof fn == "function") sb.push(fn);
    return () => off(fn);
  })
};
