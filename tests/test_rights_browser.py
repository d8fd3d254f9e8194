"""The rights form in headless Chromium: filled and sent with the keyboard only (its errors
too), the consent reference taken from the banner's cookie, then the request in the owner's
inbox; no axe-core violation on the form, its errors, its confirmation, the inbox and the
request's page, in French and in English, and no CSP violation."""

from __future__ import annotations

import contextlib
import json
import uuid
from urllib.parse import quote, unquote

import pytest

from .conftest import LiveServer, chromium
from .test_console_browser import WATCH, axe, csp_violations
from .test_widget_axe import AXE

OWNER, PASSWORD = "dpo@kppay.tg", "a console password"


@contextlib.contextmanager
def served_with_owner(dist_dir, tmp):
    """The production app on SQLite in `tmp`, KPpay's owner account in it, served on
    127.0.0.1: (app, its URL)."""
    if not AXE.is_file():
        pytest.fail("axe-core is missing: npm ci --prefix tests", pytrace=False)
    from server import create_app
    from server.console import accounts

    app = create_app({"TESTING": True, "CONSENT_DIST_DIR": str(dist_dir),
                      "CONSENT_INSTANCE_PATH": str(tmp), "CONSENT_AUTO_MIGRATE": True,
                      "DATABASE_URL": f"sqlite:///{tmp}/console.sqlite3"})
    accounts.add(app.extensions["consent_engine"], OWNER, PASSWORD, ["kppay"])
    server = LiveServer(app)
    try:
        yield app, server.url
    finally:
        server.stop()
        app.extensions["consent_engine"].dispose()


@pytest.fixture(scope="module")
def site(dist_dir, tmp_path_factory):
    with served_with_owner(dist_dir, tmp_path_factory.mktemp("rights-browser")) as (_, url):
        yield url


@pytest.fixture(scope="module")
def driver(site):
    with chromium() as browser:
        browser.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": WATCH})
        yield browser


def leaving(driver) -> None:
    driver.execute_script("window.__leaving = true")  # a new document has no such mark


def arrived(driver) -> None:
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.support.wait import WebDriverWait

    WebDriverWait(driver, 15, ignored_exceptions=(WebDriverException,)).until(
        lambda d: d.execute_script(
            "return !window.__leaving && document.readyState == 'complete'"))


def focused(driver) -> str:
    return driver.execute_script("const a = document.activeElement; return a.id || a.name "
                                 "|| a.tagName")


def press(driver, *keys) -> None:
    from selenium.webdriver.common.action_chains import ActionChains

    ActionChains(driver).send_keys(*keys).perform()


def tab_to(driver, element_id: str, most: int = 12) -> None:
    """Tab forward until `element_id` has the focus, as a keyboard user would."""
    from selenium.webdriver.common.keys import Keys

    for _ in range(most):
        press(driver, Keys.TAB)
        if focused(driver) == element_id:
            return
    pytest.fail(f"Tab never reached #{element_id}")


def send(driver) -> None:
    """Enter on the form's button, then wait for the page it leads to."""
    from selenium.webdriver.common.keys import Keys

    leaving(driver)
    tab_to(driver, "BUTTON")
    assert driver.switch_to.active_element.get_attribute("class") == "primary"
    press(driver, Keys.ENTER)
    arrived(driver)


def choose_language(driver, lang: str) -> None:
    """The rights form's language links, or the console's language buttons."""
    leaving(driver)
    (driver.find_elements("css selector", f"a[hreflang={lang}]")
     or driver.find_elements("css selector", f"button[name=lang][value={lang}]"))[0].click()
    arrived(driver)
    assert driver.find_element("tag name", "html").get_attribute("lang") == lang


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_the_form_is_filled_and_sent_with_the_keyboard_only(site, driver, lang):
    from selenium.webdriver.common.keys import Keys

    consent_id = uuid.uuid4().hex
    driver.get(f"{site}/rights/kppay")
    choice = {"consent_id": consent_id, "revision": 1, "choices": {"essential": True}}
    driver.add_cookie({"name": "consent_banner", "path": "/",
                       "value": quote(json.dumps(choice, separators=(",", ":")))})
    choose_language(driver, lang)
    assert driver.find_element("id", "consent_id").get_attribute("value") == consent_id
    assert axe(driver) == []
    # The first right, then three down the group with the arrow keys: erasure.
    driver.find_element("tag name", "body").click()
    tab_to(driver, "kind-access")
    press(driver, Keys.SPACE, Keys.ARROW_DOWN, Keys.ARROW_DOWN, Keys.ARROW_DOWN)
    assert focused(driver) == "kind-erasure"
    tab_to(driver, "email")
    # The focus shows: the style the console's CSS gives :focus-visible.
    assert driver.execute_script(
        "return getComputedStyle(document.activeElement).outlineStyle") == "solid"
    press(driver, "not an address")
    send(driver)
    # Refused, the form again: the message tied to its field, nothing lost.
    email = driver.find_element("id", "email")
    assert email.get_attribute("aria-invalid") == "true"
    error = driver.find_element("id", email.get_attribute("aria-describedby").split()[-1])
    assert error.text and error.get_attribute("class") == "error"
    assert driver.find_element("id", "kind-erasure").is_selected()
    assert axe(driver) == []
    driver.find_element("tag name", "body").click()
    tab_to(driver, "email")
    press(driver, Keys.CONTROL, "a", Keys.NULL, "ama@example.tg")
    tab_to(driver, "message")
    press(driver, "Merci d'effacer mes choix.")
    send(driver)
    reference = driver.find_element("id", "reference").text
    assert len(reference) == 12 and driver.find_element("id", "due").text
    assert axe(driver) == []
    assert csp_violations(driver) == []

    # The owner finds it in the inbox, with its consent reference, in the same language.
    driver.get(f"{site}/admin/kppay/rights")
    if "/login" in driver.current_url:
        driver.find_element("id", "email").send_keys(OWNER)
        driver.find_element("id", "password").send_keys(PASSWORD)
        leaving(driver)
        driver.find_element("css selector", "form.stack button").click()
        arrived(driver)
    choose_language(driver, lang)
    assert reference in driver.find_element("id", "open-requests").text
    assert axe(driver) == []
    leaving(driver)
    driver.find_element("link text", reference).click()
    arrived(driver)
    assert consent_id in driver.page_source and "ama@example.tg" in driver.page_source
    assert axe(driver) == []
    assert csp_violations(driver) == []


def deep_focus(driver) -> dict:
    """The element with the focus, looked for inside the banner's shadow root too."""
    return driver.execute_script("""
        let a = document.activeElement;
        while (a && a.shadowRoot && a.shadowRoot.activeElement) a = a.shadowRoot.activeElement;
        return {tag: a.tagName, text: a.textContent.trim(), ref: !!a.closest('.ref'),
                href: a.getAttribute('href')};""")


def tab_to_banner(driver, found, most: int = 30) -> dict:
    from selenium.webdriver.common.keys import Keys

    for _ in range(most):
        press(driver, Keys.TAB)
        now = deep_focus(driver)
        if found(now):
            return now
    pytest.fail("Tab never reached the banner's control")


@pytest.mark.parametrize(("lang", "accept"), [("fr", "Tout accepter"), ("en", "Accept all")])
def test_the_banners_reference_leads_to_the_rights_page_with_the_keyboard_only(
        live_server, browser, lang, accept):
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.wait import WebDriverWait

    browser.get(live_server.url + "/")
    WebDriverWait(browser, 10).until(lambda d: d.execute_script(
        "const h = document.querySelector('[data-consent-banner]');"
        "return h && h.shadowRoot && h.shadowRoot.querySelector('[role=region] button')"))
    if lang == "en":  # the demo page is French: the visitor switches the banner
        tab_to_banner(browser, lambda f: f["text"] == "EN")
        press(browser, Keys.ENTER)
        WebDriverWait(browser, 5).until(lambda d: deep_focus(d)["text"] == "FR")
    tab_to_banner(browser, lambda f: f["text"] == accept)
    press(browser, Keys.ENTER)
    # The choice made, focus is on the floating button, which opens the preferences.
    WebDriverWait(browser, 5).until(lambda d: d.get_cookie("consent_banner"))
    press(browser, Keys.ENTER)
    link = tab_to_banner(browser, lambda f: f["ref"] and f["tag"] == "A")
    consent_id = json.loads(unquote(browser.get_cookie("consent_banner")["value"]))["consent_id"]
    assert consent_id in link["text"] and link["href"].endswith(f"consent_id={consent_id}")
    leaving(browser)
    press(browser, Keys.ENTER)
    arrived(browser)
    assert browser.current_url.startswith(live_server.url + "/rights/kppay?")
    assert browser.find_element("tag name", "html").get_attribute("lang") == lang
    assert browser.find_element("id", "consent_id").get_attribute("value") == consent_id
    assert axe(browser) == []
