"""The equivalent pages of the widget benchmark and the files each one makes a visitor download.

Three pages share the same KPpay-like markup and differ only in their consent tags:
- `/ours/`: our bundle from a fresh `build.py --out`, served under `/c/<site>/` as the
  server does, with the one tag the snippet gives (`async`, SRI);
- `/vcc/`: vanilla-cookieconsent 3 from the npm registry, as its documentation shows it
  (CSS in the head, UMD script then the configuration at the end of the body), configured with
  KPpay's five categories and French texts read from our fr catalog;
- `/blank/`: no banner at all, the baseline of the probe's own cost.
"""

from __future__ import annotations

import gettext
import json
import os
import shutil
import subprocess
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
SITE_TOML = ROOT / "sites" / "kppay.toml"
FR_CATALOG = ROOT / "translations" / "fr" / "LC_MESSAGES" / "banner.po"
VCC_SPEC = "vanilla-cookieconsent@3.1.0"  # pinned: figures compare like with like across runs
VCC_DIST = Path("node_modules") / "vanilla-cookieconsent" / "dist"
DEFAULT_CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "consent-bench"

# Texts vanilla-cookieconsent needs that our catalog does not hold (yet): the preferences'
# title, save button, close label and table headers, and the policy link's label.
FR_EXTRA = {
    "policy": "Politique d'utilisation des cookies",
    "preferences": "Préférences en matière de cookies",
    "save": "Enregistrer mes choix",
    "close": "Fermer",
    "headers": {"name": "Nom", "provider": "Fournisseur", "purpose": "Finalité",
                "duration": "Durée"},
}
# The first layer's msgids, each with the French text last seen in the catalog: the widget is
# being rewritten, and a reworded msgid must not stop the benchmark (a warning says so).
FIRST_LAYER = {
    "title": ("Cookies on {site}", "Les cookies sur {site}"),
    "text": ("We use cookies to remember your preferences, analyse traffic and keep the site "
             "secure. You choose which ones we may use.",
             "Nous utilisons des cookies pour mémoriser vos préférences, analyser le trafic et "
             "renforcer la sécurité. Vous choisissez ceux que nous pouvons utiliser."),
    "accept": ("Accept all", "Tout accepter"),
    "refuse": ("Refuse all", "Tout refuser"),
    "customize": ("Customize", "Personnaliser"),
}

PAGE = """<!doctype html>
<html lang="fr">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>KPpay : paiement mobile</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/page.css">
{head}</head>
<body>
<header><strong>KPpay</strong> <nav><a href="#">Particuliers</a> <a href="#">Entreprises</a>
<a href="#">Espace Client</a></nav></header>
<main id="content">
<h1>Payez, recevez, transférez</h1>
<p>KPpay est un service de paiement mobile à Lomé : réglez vos factures, envoyez de l'argent à
vos proches et suivez vos opérations depuis l'Espace Client, en toute sécurité.</p>
<p>Ouvrez un compte en quelques minutes, sans frais d'ouverture ni de tenue de compte. Vos
opérations sont confirmées par SMS et consultables à tout moment.</p>
<p>Commerçants : acceptez les paiements KPpay en boutique et en ligne, avec un reversement
quotidien sur votre compte bancaire.</p>
</main>
<footer><a href="/politique-cookies">Politique cookies</a> ·
<a href="#" data-consent-open data-cc="show-preferencesModal">Gestion des Cookies</a></footer>
{body}</body>
</html>
"""

PAGE_CSS = """body { margin: 0; font: 16px/1.5 Georgia, serif; color: #222; }
header, footer { padding: 1rem 2rem; background: #f2f4f7; }
nav a { margin-left: 1rem; }
main { max-width: 46rem; padding: 1rem 2rem 6rem; }
"""


@dataclass
class Contender:
    """One page of the benchmark and the files it makes a visitor download (what the browser
    fetched in the warm-up run, widget_bench.py)."""

    name: str
    path: str  # URL path of the page
    files: list[Path] = field(default_factory=list)


def warn(message: str) -> None:
    print(f"warning: {message}", file=sys.stderr)


def build_ours(out: Path) -> tuple[str, dict, Path]:
    """A fresh build of the working tree into `out`: (site id, manifest, site folder)."""
    command = [sys.executable, str(ROOT / "build.py"), "--out", str(out)]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        raise SystemExit(f"build.py failed:\n{done.stderr}")
    folders = [p for p in out.iterdir() if (p / "manifest.json").is_file()]
    if len(folders) != 1:
        raise SystemExit(f"expected one site folder in {out}, found {folders}")
    folder = folders[0]
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    return manifest.get("site", folder.name), manifest, folder


def ensure_vcc(cache: Path) -> Path:
    """vanilla-cookieconsent 3's dist folder, installed from the npm registry when missing."""
    prefix = cache / "npm"
    dist = prefix / VCC_DIST
    if not (dist / "cookieconsent.umd.js").is_file():
        if not shutil.which("npm"):
            raise SystemExit("npm is missing: install it (Debian: apt-get install npm)")
        print(f"installing {VCC_SPEC} into {prefix} (npm registry)", file=sys.stderr)
        prefix.mkdir(parents=True, exist_ok=True)
        subprocess.run(["npm", "install", "--prefix", str(prefix), "--no-audit", "--no-fund",
                        "--no-save", VCC_SPEC], check=True, timeout=180)
    return dist


def vcc_version(dist: Path) -> str:
    package = json.loads((dist.parent / "package.json").read_text(encoding="utf-8"))
    return package["version"]


class FrenchTexts:
    """Our fr catalog, read with Babel as the build reads it."""

    def __init__(self, path: Path, site_name: str):
        with path.open("rb") as fileobj:
            self.catalog = read_po(fileobj, locale="fr")
        self.plural = gettext.c2py(self.catalog.plural_expr)
        self.site_name = site_name
        # By msgid whatever its msgctxt (the benchmark's texts are unambiguous), a message
        # without context first; plural messages by their singular msgid.
        self.messages = {}
        for message in sorted(self.catalog, key=lambda m: m.context is not None):
            if message.id:
                key = message.id if isinstance(message.id, str) else message.id[0]
                self.messages.setdefault(key, message)

    def get(self, msgid: str, fallback: str | None = None) -> str:
        message = self.messages.get(msgid)
        if message is None or not message.string:
            if fallback is None:
                raise SystemExit(f"{FR_CATALOG}: no French text for {msgid!r}")
            warn(f"{msgid!r} is not in the fr catalog; the benchmark uses its last known text")
            text = fallback
        else:
            text = message.string if isinstance(message.string, str) else message.string[0]
        return text.replace("{site}", self.site_name)

    def duration(self, value: str) -> str:
        """'13 months' -> '13 mois', with the catalog's plural forms, as the build does."""
        if value == "session":
            return self.get("session")
        num, unit = value.split()
        unit = unit.rstrip("s")
        message = self.messages.get(f"%(num)d {unit}")
        if message is None:
            raise SystemExit(f"{FR_CATALOG}: no French text for durations in {unit}s")
        forms = message.string
        form = forms[min(self.plural(int(num)), len(forms) - 1)]
        return form % {"num": int(num)}


def vcc_config(site_file: Path = SITE_TOML, catalog: Path = FR_CATALOG) -> dict:
    """vanilla-cookieconsent's `run()` options: our categories, French texts from our catalog."""
    data = tomllib.loads(site_file.read_text(encoding="utf-8"))
    site = data["site"]
    fr = FrenchTexts(catalog, site["name"])
    first = {key: fr.get(msgid, fallback) for key, (msgid, fallback) in FIRST_LAYER.items()}
    sections = []
    for category in data["categories"]:
        rows = [{"name": c["name"], "provider": c["provider"], "purpose": fr.get(c["purpose"]),
                 "duration": fr.duration(c["duration"])} for c in category.get("cookies", [])]
        rows += [{"name": f"{s['name']} ({', '.join(s['cookies'])})", "provider": s["provider"],
                  "purpose": fr.get(s["purpose"]), "duration": fr.duration(s["duration"])}
                 for s in category.get("services", [])]
        section = {"title": fr.get(category["title"]),
                   "description": fr.get(category["description"]),
                   "linkedCategory": category["id"]}
        if rows:
            section["cookieTable"] = {"headers": FR_EXTRA["headers"], "body": rows}
        sections.append(section)
    categories = {c["id"]: ({"enabled": True, "readOnly": True} if c.get("required") else {})
                  for c in data["categories"]}
    policy = f'<a href="{site["policy_url"]}">{FR_EXTRA["policy"]}</a>'
    return {
        # It hides itself from browsers driven by WebDriver (navigator.webdriver), as ours
        # does not: this benchmark is such a browser.
        "hideFromBots": False,
        "cookie": {"name": site.get("cookie_name", "cc_cookie"),
                   "expiresAfterDays": site.get("lifetime_days", 180)},
        "categories": categories,
        "language": {"default": "fr", "translations": {"fr": {
            "consentModal": {"title": first["title"], "description": first["text"],
                             "acceptAllBtn": first["accept"],
                             "acceptNecessaryBtn": first["refuse"],
                             "showPreferencesBtn": first["customize"], "footer": policy},
            "preferencesModal": {"title": FR_EXTRA["preferences"],
                                 "acceptAllBtn": first["accept"],
                                 "acceptNecessaryBtn": first["refuse"],
                                 "savePreferencesBtn": FR_EXTRA["save"],
                                 "closeIconLabel": FR_EXTRA["close"], "sections": sections},
        }}},
    }


def write_site(root: Path, cache: Path) -> tuple[list[Contender], dict]:
    """Write the three pages and their files under `root`; return them and facts to print."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "page.css").write_text(PAGE_CSS, encoding="utf-8")

    site_id, manifest, folder = build_ours(root / "c")
    entry = manifest.get("files", {}).get("consent.js", {})
    script = entry.get("file") or "consent.js"
    integrity = (f' integrity="{entry["integrity"]}" crossorigin="anonymous"'
                 if entry.get("integrity") else "")
    ours_tag = f'<script src="/c/{site_id}/{script}"{integrity} async></script>\n'
    _page(root / "ours", head=ours_tag)

    dist = ensure_vcc(cache)
    vcc = root / "vcc"
    vcc.mkdir()
    for name in ("cookieconsent.umd.js", "cookieconsent.css"):
        shutil.copyfile(dist / name, vcc / name)
    options = json.dumps(vcc_config(), ensure_ascii=False, separators=(",", ":"))
    (vcc / "config.js").write_text(f"CookieConsent.run({options});\n", encoding="utf-8")
    _page(vcc, head='<link rel="stylesheet" href="/vcc/cookieconsent.css">\n',
          body='<script src="/vcc/cookieconsent.umd.js"></script>\n'
               '<script src="/vcc/config.js"></script>\n')
    _page(root / "blank")

    contenders = [
        Contender("ours", "/ours/"),
        Contender(f"vanilla-cookieconsent {vcc_version(dist)}", "/vcc/"),
        Contender("no banner (baseline)", "/blank/"),
    ]
    # Our preferences are a chunk fetched the first time they open (prefs-load.js): not in
    # what the first layer fetches, so named here, for a like-with-like reading.
    chunk = manifest.get("files", {}).get(f"consent-prefs.{manifest.get('default_language')}.js")
    return contenders, {"site": site_id, "ours_tag": ours_tag.strip(), "vcc_dist": dist,
                        "ours_prefs": (folder / chunk["file"]).read_bytes() if chunk else None}


def _page(folder: Path, head: str = "", body: str = "") -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "index.html").write_text(PAGE.format(head=head, body=body), encoding="utf-8")
