"""The widget's language in headless Chromium: <html lang> with region fallback, the
browser's languages, the visitor's switch remembered across pages, text packs loaded
(under a nonce-only CSP too), right to left, and a pseudo-locale showing that every
visible text goes through the catalogs."""

from __future__ import annotations

import re
import tomllib

import pytest
from selenium.webdriver.support.ui import WebDriverWait

from consent_build.pseudo import ACCENTED

from .conftest import SITE_TOML, LiveServer
from .i18n_sites import TEN, build_languages

HOST = "document.querySelector('[data-consent-banner]')"
# The visitor's language switch on the first layer, by the language it offers.
SWITCH = HOST + ".shadowRoot.querySelector('.lg button[lang=\"%s\"]')"


@pytest.fixture(scope="module")
def ten_server(tmp_path_factory):
    """The server, hosting a KPpay copy with ten languages (nine of them as text packs)."""
    from consent_dev import create_app

    out, _ = build_languages(tmp_path_factory.mktemp("ten"), TEN)
    server = LiveServer(create_app({"TESTING": True, "CONSENT_DIST_DIR": str(out)}))
    yield server
    server.stop()


def open_page(browser, server, lang: str, **query) -> dict:
    extra = "".join(f"&{key}={value}" for key, value in query.items())
    browser.get(f"{server.url}/preview/kppay/page?lang={lang}{extra}")
    return banner(browser)


def banner(browser, timeout: float = 10) -> dict:
    """The banner's language, direction and text, once it is shown."""
    WebDriverWait(browser, timeout).until(lambda b: b.execute_script(
        f"var h = {HOST}; return h && h.shadowRoot && h.shadowRoot.textContent"))
    return browser.execute_script(
        f"var h = {HOST}; return {{lang: h.lang, dir: h.dir, text: h.shadowRoot.textContent}}")


def packs_fetched(browser) -> list[str]:
    names = browser.execute_script(
        "return performance.getEntriesByType('resource').map(function (e) { return e.name; })")
    return sorted(re.sub(r"^.*/", "", n) for n in names if re.search(r"consent\.\w+\.\w+\.js", n))


def severe(browser) -> list:
    return [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]


def test_region_tag_falls_back_to_its_language(browser, live_server):
    shown = open_page(browser, live_server, "fr-TG")
    assert shown["lang"] == "fr" and "Tout accepter" in shown["text"]


def test_a_page_language_the_site_lacks_falls_back_to_the_browser_languages(browser,
                                                                            live_server):
    languages = browser.execute_script("return navigator.languages")
    assert languages[0].startswith("en")  # headless Chromium's default, en-US
    shown = open_page(browser, live_server, "de-DE")
    assert shown["lang"] == "en" and "Accept all" in shown["text"]


def test_kppay_embeds_its_default_fetches_the_other_on_switch_and_remembers_it(browser,
                                                                               live_server):
    # One language per visitor (issue 16): KPpay's French visitor downloads the bundle alone
    # (French, the site's default, is embedded); a switch to English costs one small request.
    shown = open_page(browser, live_server, "fr")
    assert "Tout accepter" in shown["text"]
    assert packs_fetched(browser) == []
    browser.execute_script(f"{SWITCH % 'en'}.click()")
    WebDriverWait(browser, 10).until(lambda b: "Accept all" in banner(b)["text"])
    assert [n.split(".")[1] for n in packs_fetched(browser)] == ["en"]
    shown = open_page(browser, live_server, "fr")  # the next page, in English
    assert shown["lang"] == "en" and "Accept all" in shown["text"]
    assert [n.split(".")[1] for n in packs_fetched(browser)] == ["en"]
    assert browser.execute_script("return localStorage.getItem('consent_banner.lang')") == "en"
    assert severe(browser) == []


def test_an_english_page_carries_the_english_bundle_and_fetches_french_only_on_switch(
        browser, live_server):
    # KPpay's English pages paste consent-en.js: their visitors download no French text.
    shown = open_page(browser, live_server, "en", own=1)
    assert shown["lang"] == "en" and "Accept all" in shown["text"]
    assert packs_fetched(browser) == []
    assert browser.execute_script(
        "return performance.getEntriesByType('resource').some(e => /consent-en\\./.test(e.name))")
    browser.execute_script(f"{SWITCH % 'fr'}.click()")
    WebDriverWait(browser, 10).until(lambda b: "Tout accepter" in banner(b)["text"])
    assert [n.split(".")[1] for n in packs_fetched(browser)] == ["fr"]
    assert severe(browser) == []


def test_a_pack_language_is_loaded_alone_and_the_switch_persists(browser, ten_server):
    shown = open_page(browser, ten_server, "fr")
    assert shown["lang"] == "fr" and "Tout accepter" in shown["text"]
    assert packs_fetched(browser) == []  # the default language is in the bundle

    shown = open_page(browser, ten_server, "de-CH")
    assert shown["lang"] == "de"
    assert [n.split(".")[1] for n in packs_fetched(browser)] == ["de"]  # one language only

    browser.execute_script(f"{SWITCH % 'ar'}.click()")
    WebDriverWait(browser, 10).until(lambda b: banner(b)["lang"] == "ar")
    shown = open_page(browser, ten_server, "fr")  # another page: the switch is remembered
    assert shown["lang"] == "ar" and shown["dir"] == "rtl"
    assert [n.split(".")[1] for n in packs_fetched(browser)] == ["ar"]
    assert severe(browser) == []


def test_a_pack_loads_under_a_nonce_only_csp(browser, ten_server):
    shown = open_page(browser, ten_server, "sv", csp=1)
    assert shown["lang"] == "sv" and shown["dir"] == "ltr"
    assert severe(browser) == []


def test_every_visible_text_comes_from_the_catalogs(browser, ten_server):
    """In the pseudo-locale, any text that is plain English was not translated."""
    shown = open_page(browser, ten_server, "en-XA")
    assert shown["lang"] == "en-XA"
    assert "[Åççéþţ åļļ" in shown["text"] and "öñ KPpay" in shown["text"]  # {site} is kept
    site = tomllib.loads(SITE_TOML.read_text(encoding="utf-8"))
    data = {site["site"]["name"]}  # names the site file gives, shown as they are
    for category in site["categories"]:
        for item in category.get("cookies", []) + category.get("services", []):
            data |= {item["name"], item["provider"], "· " + item["provider"],
                     *item.get("cookies", [])}
    # The language switch names each language by its code, the same in every language.
    data |= {code.upper() for code in TEN}
    for opener in ("[data-consent-open]",):  # open the preferences when the widget has them
        browser.execute_script(f"var o = document.querySelector('{opener}'); o && o.click()")
    texts = browser.execute_script(f"""
        var out = [], root = {HOST}.shadowRoot;
        var walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
        while (walker.nextNode()) {{
          if (walker.currentNode.parentElement.closest('style, script')) continue;
          out.push(walker.currentNode.data);
        }}
        root.querySelectorAll('*').forEach(function (el) {{
          ['aria-label', 'title', 'placeholder', 'alt', 'aria-description'].forEach(
            function (name) {{ if (el.hasAttribute(name)) out.push(el.getAttribute(name)); }});
        }});
        return out;""")
    untranslated = [t.strip() for t in texts
                    if re.search(r"[A-Za-z]", t) and t.strip() not in data
                    and not set(t) & ACCENTED]
    assert texts and untranslated == [], f"texts not from the catalogs: {untranslated}"


def test_the_preview_shows_the_banner_in_both_languages_side_by_side(browser, live_server):
    browser.get(f"{live_server.url}/preview/kppay/page?lang=fr")
    browser.execute_script("localStorage.setItem('consent_banner.lang', 'fr')")
    browser.get(f"{live_server.url}/preview/kppay?lang=fr")
    shown = {}
    for frame in browser.find_elements("css selector", "iframe"):
        title = frame.get_attribute("title")
        browser.switch_to.frame(frame)
        shown[title] = banner(browser)
        browser.switch_to.default_content()
    # each frame is held to its language, whatever the visitor chose before
    assert "Accept all" in shown["Banner in en"]["text"]
    assert "Tout accepter" in shown["Banner in fr"]["text"]
