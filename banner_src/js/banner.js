/* First layer: a labelled region with the three equal choices. */
function start() {
  var host = document.createElement("div");
  host.setAttribute("data-nosnippet", "");
  host.setAttribute("data-consent-banner", SITE.id);
  host.setAttribute("lang", lang.replace("_", "-"));
  host.dir = textDir();
  var root = host.attachShadow({ mode: "open" });
  var sheet = new CSSStyleSheet();
  sheet.replaceSync(CSS);
  root.adoptedStyleSheets = [sheet];

  var region = document.createElement("section");
  region.className = "layer";
  region.setAttribute("role", "region");
  region.setAttribute("aria-labelledby", "cb-title");
  var title = document.createElement("h2");
  title.id = "cb-title";
  // TRANSLATORS: heading of the first layer; keep under 40 characters
  title.textContent = _("Cookies on {site}");
  region.appendChild(title);
  var text = document.createElement("p");
  // TRANSLATORS: body of the first layer; one or two short sentences
  text.textContent = _("We use cookies to remember your preferences, analyse traffic and keep the site secure. You choose which ones we may use.");
  region.appendChild(text);
  var actions = document.createElement("div");
  actions.className = "actions";
  [
    // TRANSLATORS: button on the first layer; keep under 20 characters
    _("Accept all"),
    // TRANSLATORS: button on the first layer; keep under 20 characters
    _("Refuse all"),
    // TRANSLATORS: button on the first layer; opens the preferences; keep under 20 characters
    _("Customize")
  ].forEach(function (label) {
    var button = document.createElement("button");
    button.type = "button";
    button.textContent = label;
    actions.appendChild(button);
  });
  region.appendChild(actions);
  root.appendChild(region);
  document.body.appendChild(host);
}

/* Rebuild the layer in the language just chosen. */
function restart() {
  var old = document.querySelector("[data-consent-banner]");
  if (old) old.remove();
  start();
}

try {
  textsReady(function () {  // the visitor's language may be a pack still to load
    if (document.body) start();
    else document.addEventListener("DOMContentLoaded", start);
  });
  window.ConsentBanner = {
    site: SITE.id,
    setLanguage: function (code) { setLanguage(code, restart); }
  };
} catch (error) {
  // Never break the host page.
}
