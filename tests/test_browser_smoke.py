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


def test_a_choice_made_in_the_browser_is_stored_with_its_release_and_proved(browser, live_server,
                                                                           app, dist_dir):
    """The whole chain on the demo: the widget sends its release id, the server stores it, and
    the proof of that consent shows the French texts the visitor read."""
    import json

    from .server_helpers import rows

    release = json.loads((dist_dir / "kppay" / "manifest.json").read_text())["release"]
    browser.get(live_server.url + "/")
    WebDriverWait(browser, 10).until(lambda b: shadow_text(b))
    browser.execute_script(
        "var root = document.querySelector('[data-consent-banner]').shadowRoot;"
        "Array.from(root.querySelectorAll('button'))"
        ".find(function (b) { return b.textContent.trim() === 'Tout accepter'; }).click();")
    WebDriverWait(browser, 10).until(lambda b: rows(app))
    [row] = rows(app)
    assert row["release"] == release and row["language"] == "fr"
    result = app.test_cli_runner().invoke(args=["consents", "proof", row["consent_id"]])
    assert result.exit_code == 0, result.output
    assert "Nous utilisons des cookies pour mémoriser vos préférences" in result.output
    assert "We use cookies" not in result.output
    assert release in result.output and row["receipt"] in result.output
