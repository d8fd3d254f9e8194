/* Blocking until consent: <script type="text/plain" data-consent=…> and
   <iframe data-consent=… data-src=…> stay inert until their category is granted,
   then run once, in document order, without a reload. */
var alreadyRan = {}, // categories whose scripts or frames already ran on this page
  toRun = [], // scripts granted but not yet run, in order
  queued = new WeakSet(),
  placeholders = new Map(), // iframe -> the shadow root of its placeholder
  busy = 0; // an external script is loading: the next waits for its load or error

var scan = (node) => {
  var list = [...node.querySelectorAll ? node.querySelectorAll(BLOCKED_SELECTOR) : []];
  if (node.matches && node.matches(BLOCKED_SELECTOR)) list.unshift(node);
  list.map((e) => {
    var id = e.getAttribute(CATEGORY_ATTRIBUTE);
    if (e.tagName != "SCRIPT") holdOrLoadFrame(e, id);
    else if (isGranted(id) && !queued.has(e)) toRun.push(e), queued.add(e);
  });
  pump();
};

/* A fresh <script> runs; the inert one is replaced. The nonce is copied (the page's CSP
   needs it), or else the banner's own is given. External scripts are chained. */
var pump = () => {
  while (!busy && toRun[0]) {
    var old = toRun.shift(), s = document.createElement("script"), n = old.nonce || OWN_SCRIPT && OWN_SCRIPT.nonce;
    for (var a of old.attributes) s.setAttribute(a.name, a.value);
    if (old.dataset.type) s.type = old.dataset.type;
    else s.removeAttribute("type");
    if (n) s.nonce = n;
    if (old.src) s.onload = s.onerror = safe(() => { busy = 0; pump(); }), busy = 1;
    else s.text = old.text;
    alreadyRan[old.getAttribute(CATEGORY_ATTRIBUTE)] = 1;
    old.replaceWith(s);
  }
};

var holdOrLoadFrame = (f, id) => {
  var r = placeholders.get(f);
  if (isGranted(id)) {
    if (r) r.host.remove(), placeholders.delete(f);
    f.hidden = false;
    f.src = f.dataset.src;
    f.removeAttribute("data-src");
    alreadyRan[id] = 1;
  } else if (!r) {
    placeholders.set(f, r = shadowRoot(element("div")));
    f.hidden = true;
    f.before(r.host);
    paintPlaceholder(r, f);
  }
};

/* The placeholder: who hosts the content, and the two ways to get it. */
var paintPlaceholder = (r, f) => {
  var id = f.getAttribute(CATEGORY_ATTRIBUTE), who = f.dataset.provider;
  try { who = who || new URL(f.dataset.src, location).hostname; } catch (e) {}
  tagLanguage(r.host);
  r.replaceChildren(element("div", { class: "k P" }, [
    // TRANSLATORS: placeholder of blocked embedded content; {host} is who hosts it, e.g. Facebook
    element("p", { text: _("This content is hosted by {host}; loading it sets its cookies.").split("{host}").join(who) }),
    // TRANSLATORS: button in the placeholder of blocked content; grants its category
    button(_("Load the content"), () => setChoices({ [id]: true })),
    // TRANSLATORS: button and floating button that open the preferences; keep under 25 characters
    button(_("Cookie settings"), () => showPreferences(), "b", { "aria-haspopup": "dialog" })
  ]));
};

/* Elements the page adds later are treated the same way. */
var watch = () => new MutationObserver(safe((ms) => ms.map((m) => m.addedNodes.forEach((n) => n.nodeType == 1 && scan(n)))))
  .observe(document.documentElement, { childList: true, subtree: true });
