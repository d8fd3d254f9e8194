"""README "Add a second site", walked on a copy of the repository: KPpay Marchands, with
minutes- and hours-long cookies, a category KPpay lacks (video), French only, 90 days.

`python build.py` refuses it until its texts are translated, listing each with its catalog,
line and site; once translated both sites build, both banners show their own categories in
Chromium, and each choice is recorded under its own site."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po, write_po

from consent_build.messages import shown

from .conftest import ROOT, LiveServer, chromium
from .server_helpers import rows

# What the README's guide has an owner write (the second site).
MARCHANDS = """\
#:schema ../consent_build/site.schema.json
[site]
id = "kppay-marchands"
name = "KPpay Marchands"
policy_url = "/politique-cookies"
revision = 1
lifetime_days = 90
languages = ["fr"]
endpoint = "/api/v1/consents"
cookie_name = "consent_marchands"
reworded = ["Accept all"]

[[categories]]
id = "essential"
required = true
title = "Essential cookies"
description = "These cookies are essential for our website and services to work: they let you browse the site and use its features, such as access to secure areas."

[[categories.cookies]]
name = "mp_session"
provider = "KPpay"
purpose = "Keeps you logged in to your merchant dashboard."
duration = "2 hours"

[[categories]]
id = "performance"
title = "Performance cookies"
description = "These cookies collect information about how visitors use our site, for example which pages are visited most and whether error messages are shown. They help us improve how the site works."

[[categories.cookies]]
name = "_pk_id.*"
provider = "Matomo"
purpose = "Tells your visits apart, so that we can count merchants' visits."
duration = "13 months"

[[categories.cookies]]
name = "_pk_ses.*"
provider = "Matomo"
purpose = "Groups the pages of one visit."
duration = "30 minutes"

[[categories]]
id = "video"
title = "Video cookies"
description = "These cookies let you watch our tutorial videos hosted by YouTube."

[[categories.services]]
name = "YouTube"
provider = "Google"
purpose = "Plays our tutorial videos on our pages."
cookies = ["VISITOR_INFO1_LIVE", "YSC"]
hosts = ["www.youtube-nocookie.com"]
duration = "6 months"
"""  # noqa: E501 (KPpay's texts, reused as they are)
# The French a translator gives the new texts (and the wording of one shared text for this
# site only, msgctxt "site kppay-marchands").
FRENCH = {
    (None, "Keeps you logged in to your merchant dashboard."):
        "Vous garde connecté à votre tableau de bord marchand.",
    (None, "%(num)d hour"): ("%(num)d heure", "%(num)d heures"),
    (None, "Tells your visits apart, so that we can count merchants' visits."):
        "Distingue vos visites, pour compter les visites des marchands.",
    (None, "Groups the pages of one visit."): "Regroupe les pages d'une visite.",
    (None, "%(num)d minute"): ("%(num)d minute", "%(num)d minutes"),
    (None, "Video cookies"): "Cookies vidéo",
    (None, "These cookies let you watch our tutorial videos hosted by YouTube."):
        "Ces cookies vous permettent de regarder nos tutoriels vidéo hébergés par YouTube.",
    (None, "Plays our tutorial videos on our pages."): "Lit nos tutoriels vidéo sur nos pages.",
    ("site kppay-marchands", "Accept all"): "J'accepte",
}


def run(folder: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "build.py", *args], cwd=folder, capture_output=True,
                          text=True, timeout=120)


def copy_repository(folder: Path) -> Path:
    """The parts of a clone the build reads and writes."""
    for name in ("banner_src", "consent_build", "sites", "translations", "dist"):
        shutil.copytree(ROOT / name, folder / name)
    for name in ("build.py", "site_names.py", "pyproject.toml"):
        shutil.copy(ROOT / name, folder / name)
    return folder


def translate(catalog: Path, texts: dict) -> None:
    with catalog.open("rb") as fileobj:
        po = read_po(fileobj)
    for (context, msgid), string in texts.items():
        message = next(m for m in po if m.context == context
                       and (m.id[0] if isinstance(m.id, tuple) else m.id) == msgid)
        message.string = string
        message.flags.discard("fuzzy")
    with catalog.open("wb") as fileobj:
        write_po(fileobj, po, width=None)


@pytest.fixture(scope="module")
def walked(tmp_path_factory):
    """The guide's commands on a copy: the site file, a refused build, the translation, a
    build of both sites. Returns (folder, refused build, passing build)."""
    folder = copy_repository(tmp_path_factory.mktemp("clone"))
    (folder / "sites" / "kppay-marchands.toml").write_text(MARCHANDS, encoding="utf-8")
    refused = run(folder)
    translate(folder / "translations" / "fr" / "LC_MESSAGES" / "banner.po", FRENCH)
    built = run(folder)
    return folder, refused, built


def test_the_build_refuses_the_new_site_and_lists_each_missing_text_with_its_line(walked):
    folder, refused, _ = walked
    assert refused.returncode == 1, refused.stdout + refused.stderr
    # a new text is empty, or fuzzy when gettext guessed it from a similar one
    listed = re.findall(r"translations/fr/LC_MESSAGES/banner\.po:\d+: (?:empty|fuzzy) "
                        r"translation for (['\"])(.+?)\1( \(context '[^']+'\))?(?:: check it, "
                        r"then remove the '#, fuzzy' line)? \[site kppay-marchands\]",
                        refused.stderr)
    assert sorted(msgid for _, msgid, _ in listed) == sorted(shown(m) for _, m in FRENCH), (
        refused.stderr)
    assert "(context 'site kppay-marchands')" in refused.stderr
    assert "nothing was written to dist/" in refused.stderr
    # KPpay's own texts are all translated: nothing is reported against it
    assert "[site kppay]" not in refused.stderr and "kppay," not in refused.stderr


def test_once_translated_both_sites_build_with_their_durations_and_hosts(walked):
    folder, _, built = walked
    assert built.returncode == 0, built.stderr
    assert "dist/kppay/" in built.stdout and "dist/kppay-marchands/" in built.stdout
    site = folder / "dist" / "kppay-marchands"
    # the bundle, and its preferences chunk: the categories' texts and items are in the chunk
    chunk = json.loads((site / "manifest.json").read_text())["files"]["consent-prefs.fr.js"]
    js = ((site / "consent.js").read_text(encoding="utf-8")
          + (site / chunk["file"]).read_text(encoding="utf-8"))
    for text in ("30 minutes", "2 heures", "13 mois", "Cookies vidéo", "J'accepte",
                 "www.youtube-nocookie.com"):
        assert json.dumps(text)[1:-1] in js, text  # the bundle is ASCII
    kppay = (folder / "dist" / "kppay" / "consent.js").read_bytes()
    assert kppay == (ROOT / "dist" / "kppay" / "consent.js").read_bytes()  # KPpay unchanged
    assert "J'accepte" not in kppay.decode() and "Tout accepter" in kppay.decode()
    tag = run(folder, "tag", "--site", "sites/kppay-marchands.toml", "--server",
              "https://consent.kppay.tg").stdout.strip()
    manifest = json.loads((folder / "dist" / "kppay-marchands" / "manifest.json").read_text())
    entry = manifest["files"]["consent.js"]
    assert tag == (f'<script src="https://consent.kppay.tg/c/kppay-marchands/{entry["file"]}" '
                   f'integrity="{entry["integrity"]}" crossorigin="anonymous" async></script>')
    again = run(folder)  # a second build changes nothing: the catalogs stay as they are
    assert again.returncode == 0 and "updated" not in again.stdout


def test_both_banners_show_their_own_categories_and_record_under_their_own_site(walked,
                                                                              tmp_path):
    from consent_dev import create_app

    folder = walked[0]
    app = create_app({"TESTING": True, "CONSENT_DIST_DIR": str(folder / "dist"),
                      "CONSENT_INSTANCE_PATH": str(tmp_path),
                      "CONSENT_SITES_DIR": str(folder / "sites")})
    server = LiveServer(app)
    try:
        with chromium() as driver:
            shown = {}
            for site, accept in (("kppay", "Tout accepter"), ("kppay-marchands", "J'accepte")):
                driver.get(f"{server.url}/preview/{site}/page?lang=fr")
                banner = "return document.querySelector('[data-consent-banner]')"
                for _ in range(100):
                    if driver.execute_script(banner + "?.shadowRoot.querySelector('button')"):
                        break
                    driver.implicitly_wait(0)
                    driver.execute_script("return new Promise(r => setTimeout(r, 50))")
                if site == "kppay-marchands":  # an embed from a declared host names its service
                    driver.execute_script(
                        "document.body.insertAdjacentHTML('beforeend', '<iframe data-consent="
                        "\"video\" data-src=\"https://www.youtube-nocookie.com/embed/x\" "
                        "title=\"Tutoriel\"></iframe>')")
                    placeholder = driver.execute_script(
                        "return new Promise(r => setTimeout(() => r(document.querySelector("
                        "'iframe').previousElementSibling.shadowRoot.textContent), 200))")
                    assert "hébergé par YouTube" in placeholder, placeholder
                def press(label: str, banner: str = banner) -> None:
                    buttons = driver.execute_script(
                        banner + ".shadowRoot.querySelectorAll('button')")
                    next(b for b in buttons if b.text.strip() == label
                         and b.is_displayed()).click()

                press("Personnaliser")  # the preferences: every category and its cookies
                driver.execute_script(  # their chunk loads on this first open
                    "return new Promise(r => { const t = () => document.querySelector("
                    "'[data-consent-banner]').shadowRoot.querySelector('[role=dialog]') ? r()"
                    " : setTimeout(t, 20); t(); })")
                driver.execute_script("return new Promise(r => setTimeout(r, 300))")
                shown[site] = driver.execute_script(banner + ".shadowRoot.textContent")
                press(accept)
                # The banner sends the proof in the background: wait for its row, not a time.
                from selenium.webdriver.support.wait import WebDriverWait

                WebDriverWait(driver, 15).until(lambda _, site=site: rows(app, site=site))
    finally:
        server.stop()
    assert "Cookies vidéo" in shown["kppay-marchands"] and "Matomo" in shown["kppay-marchands"]
    assert "30 minutes" in shown["kppay-marchands"] and "2 heures" in shown["kppay-marchands"]
    assert "Cookies vidéo" not in shown["kppay"] and "WT_fpc" in shown["kppay"]
    assert "WT_fpc" not in shown["kppay-marchands"]
    marchands = rows(app, site="kppay-marchands")
    kppay = rows(app, site="kppay")
    assert len(marchands) == 1 and len(kppay) == 1
    assert set(marchands[0]["choices"]) == {"essential", "performance", "video"}
    assert "social" in kppay[0]["choices"] and "video" not in kppay[0]["choices"]


def test_the_preview_shows_only_the_sites_texts_and_languages(walked, tmp_path):
    from consent_dev import create_app

    folder = walked[0]
    app = create_app({"TESTING": True, "CONSENT_DIST_DIR": str(folder / "dist"),
                      "CONSENT_INSTANCE_PATH": str(tmp_path),
                      "CONSENT_SITES_DIR": str(folder / "sites"),
                      "CONSENT_TRANSLATIONS_DIR": str(folder / "translations")})
    page = app.test_client().get("/preview/kppay-marchands")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Cookies vidéo" in html and "J&#39;accepte" in html and "Refuse all" in html
    assert "Analyses customers" not in html and "Social network cookies" not in html
    assert '?lang=en"' not in html  # the site is French only
    assert app.test_client().get("/preview/kppay-marchands?lang=en").status_code == 404
