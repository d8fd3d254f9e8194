/* The decisions every button and the API share, and window.ConsentBanner: the one
   global, for the site's own code. Each entry point catches its own errors. */
var acceptAll = () => pick(allSetTo(1), "accept_all"),
  refuseAll = () => pick(allSetTo(0), "refuse_all"),
  setChoices = (m) => pick(Object.assign({}, choice && choice.choices, m), "custom"),
  removeListener = (fn) => listeners = listeners.filter((f) => f !== fn);

var exposeApi = () => window.ConsentBanner = {
  get: safe(copyChoice),
  granted: safe(isGranted),
  show: safe(() => showPreferences()),
  acceptAll: safe(acceptAll),
  refuseAll: safe(refuseAll),
  set: safe(setChoices),
  on: safe((ev, fn) => {
    if (ev == "change" && typeof fn == "function") listeners.push(fn);
    return () => removeListener(fn);
  })
};
