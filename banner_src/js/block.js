/* Blocking until consent: <script type="text/plain" data-consent=…> and
   <iframe data-consent=… data-src=…> stay inert until their category is granted,
   then run once, in document order, without a reload. */
var ran = {}, // categories whose scripts or frames already ran on this page
  td = [], // scripts granted but not yet run, in order
  qd = new WeakSet(),
  hd = new Map(), // iframe -> the shadow root of its placeholder
  bz = 0; // an external script is loading: the next waits for its load or error

var sc = (rt) => {
  var list = [...rt.querySelectorAll ? rt.querySelectorAll(SEL) : []];
  if (rt.matches && rt.matches(SEL)) list.unshift(rt);
  list.map((e) => {
    var id = e.getAttribute(CAT);
    if (e.tagName != "SCRIPT") fr(e, id);
    else if (gr(id) && !qd.has(e)) td.push(e), qd.add(e);
  });
  pm();
};

/* A fresh <script> runs; the inert one is replaced. The nonce is copied (the page's CSP
   needs it), or else the banner's own is given. External scripts are chained. */
var pm = () => {
  while (!bz && td[0]) {
    var old = td.shift(), s = document.createElement("script"), n = old.nonce || ME && ME.nonce;
    for (var a of old.attributes) s.setAttribute(a.name, a.value);
    if (old.dataset.type) s.type = old.dataset.type;
    else s.removeAttribute("type");
    if (n) s.nonce = n;
    if (old.src) s.onload = s.onerror = sf(() => { bz = 0; pm(); }), bz = 1;
    else s.text = old.text;
    ran[old.getAttribute(CAT)] = 1;
    old.replaceWith(s);
  }
};

var fr = (f, id) => {
  var r = hd.get(f);
  if (gr(id)) {
    if (r) r.host.remove(), hd.delete(f);
    f.hidden = false;
    f.src = f.dataset.src;
    f.removeAttribute("data-src");
    ran[id] = 1;
  } else if (!r) {
    hd.set(f, r = mk(h("div")));
    f.hidden = true;
    f.before(r.host);
    pt(r, f);
  }
};

/* The placeholder: who hosts the content, and the two ways to get it. */
var pt = (r, f) => {
  var id = f.getAttribute(CAT), who = f.dataset.provider;
  try { who = who || new URL(f.dataset.src, location).hostname; } catch (e) {}
  tag(r.host);
  r.replaceChildren(h("div", { class: "k P" }, [
    // TRANSLATORS: placeholder of blocked embedded content; {host} is who hosts it, e.g. Facebook
    h("p", { text: _("This content is hosted by {host}; loading it sets its cookies.").split("{host}").join(who) }),
    // TRANSLATORS: button in the placeholder of blocked content; grants its category
    btn(_("Load the content"), () => set({ [id]: true })),
    // TRANSLATORS: button and floating button that open the preferences; keep under 25 characters
    btn(_("Cookie settings"), () => pf(), "b", { "aria-haspopup": "dialog" })
  ]));
};

/* Elements the page adds later are treated the same way. */
var wt = () => new MutationObserver(sf((ms) => ms.map((m) => m.addedNodes.forEach((n) => n.nodeType == 1 && sc(n)))))
  .observe(document.documentElement, { childList: true, subtree: true });
