"""The built script tag, loaded by headless Chromium, starts the widget."""

from __future__ import annotations

from selenium.webdriver.support.ui import WebDriverWait


def shadow_text(browser) -> str:
    return browser.execute_script(
        "var host = document.querySelector('[data-consent-banner]');"
        "return host && host.shadowRoot ? host.shadowRoot.textContent : null;")


def test_demo_page_loads_the_bundle_with_sri_and_shows_the_first_layer(browser, live_server):
    browser.get(live_server.url + "/")
    WebDriverWait(browser, 10).until(lambda b: shadow_text(b))
    text = shadow_text(browser)
    for label in ("Tout accepter", "Tout refuser", "Personnaliser"):
        assert label in text
    assert browser.execute_script("return typeof window.ConsentBanner") == "object"
    errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert errors == []
