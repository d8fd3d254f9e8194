"""The KPpay demo pages, the policy's Markdown rendering, and the widget's record in a browser."""

from __future__ import annotations

import time

import pytest
from selenium.webdriver.support.ui import WebDriverWait

from consent_dev.markdown import render

from .server_helpers import CATEGORIES, rows


@pytest.fixture
def client(app):
    return app.test_client()


def test_the_demo_page_carries_the_banner_and_blocked_content(client, dist_dir):
    response = client.get("/")
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers
    html = response.get_data(as_text=True)
    assert '<a href="#" data-consent-open>Gestion des Cookies</a>' in html
    assert ('<script type="text/plain" data-consent="performance" data-src="/demo/analytics.js">'
            in html)
    assert '<script type="text/plain" data-consent="functionality">' in html
    assert 'data-consent="social" data-src="/demo/social-embed"' in html
    assert 'title="Dernière publication de KPpay sur les réseaux sociaux"' in html
    assert 'integrity="sha384-' in html and 'crossorigin="anonymous"' in html
    assert '<a href="/politique-cookies">' in html


def test_the_demo_assets_are_served(client):
    with client.get("/demo/analytics.js") as script:
        assert script.status_code == 200
        assert script.headers["Content-Type"].startswith("text/javascript")
        assert b"WT_fpc" in script.data
    with client.get("/demo/demo.css") as style:
        assert style.headers["Content-Type"].startswith("text/css")
    embed = client.get("/demo/social-embed")
    assert embed.status_code == 200 and b"embed-loaded" in embed.data
    assert client.get("/demo/other.js").status_code == 404


def test_the_policy_page_renders_kppays_text(client):
    response = client.get("/politique-cookies")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert '<h1 id="politique-d-utilisation-des-cookies-de-kppay">' in html
    assert '<h2 id="7-vos-droits">7. Vos Droits</h2>' in html
    assert "<li><strong>Droit d&#39;accès</strong> : Vous pouvez demander" in html
    assert "<strong>7 ans</strong>" in html
    assert 'data-consent-open' in html
    # Section 7's rights are exercised through the rights page, linked from the policy.
    assert '<a href="/rights/kppay">Exercer vos droits (section 7)' in html


def test_the_markdown_renderer_knows_five_rules_and_escapes_everything_else():
    source = ("# Title <b>\n\nA **bold** [link](/x) and [bad](javascript:alert).\n"
              "second line\n\n- one\n\n - two\n-\n\n## Next & last\n<script>x</script>\n")
    assert render(source) == (
        '<h1 id="title-b">Title &lt;b&gt;</h1>\n'
        '<p>A <strong>bold</strong> <a href="/x">link</a> and bad. second line</p>\n'
        "<ul><li>one</li><li>two</li></ul>\n"
        '<h2 id="next-last">Next &amp; last</h2>\n'
        "<p>&lt;script&gt;x&lt;/script&gt;</p>")


def shadow(browser, script: str):
    """Run `script` with `root` (the banner's shadow root) and ACCEPT ("Tout accepter" in the
    first layer, found by its words: the layer may hold other buttons before it)."""
    return browser.execute_script(
        "var host = document.querySelector('[data-consent-banner]');"
        "var root = host && host.shadowRoot; if (!root) return null;"
        "var ACCEPT = Array.from(root.querySelectorAll('[role=region] button')).find("
        "  function (b) { return b.textContent.trim() === 'Tout accepter'; }) || null;"
        + script)


def test_nothing_but_essentials_runs_before_a_choice(browser, live_server):
    browser.get(live_server.url + "/")
    WebDriverWait(browser, 10).until(lambda b: shadow(b, "return root.textContent"))
    time.sleep(0.3)
    assert browser.get_cookie("WT_fpc") is None
    assert "en attente" in browser.find_element("id", "analytics-status").text
    assert browser.execute_script(
        "return document.querySelector('iframe[data-consent=social]').src") == ""
    assert rows(live_server.server.app) == []




def test_tout_accepter_in_the_browser_is_recorded_with_its_choices(browser, live_server):
    browser.get(live_server.url + "/")
    WebDriverWait(browser, 10).until(
        lambda b: shadow(b, "return ACCEPT"))
    shadow(browser, "ACCEPT.click(); return true")
    app = live_server.server.app
    deadline = time.monotonic() + 5
    while not rows(app) and time.monotonic() < deadline:
        time.sleep(0.1)
    (row,) = rows(app)
    assert row["site"] == "kppay" and row["revision"] == 1
    assert row["action"] == "accept_all"
    assert row["choices"] == {c: True for c in CATEGORIES}
    assert row["language"] == "fr"
    assert row["page_url"] == live_server.url + "/"
    assert "HeadlessChrome" in row["user_agent"]


def test_accepting_runs_the_blocked_analytics_and_loads_the_embed(browser, live_server):
    browser.get(live_server.url + "/")
    WebDriverWait(browser, 10).until(
        lambda b: shadow(b, "return ACCEPT"))
    shadow(browser, "ACCEPT.click(); return true")
    WebDriverWait(browser, 5).until(lambda b: b.get_cookie("WT_fpc"))
    assert "active" in browser.find_element("id", "analytics-status").text
    assert browser.execute_script(
        "return document.querySelector('iframe[data-consent=social]').src").endswith(
        "/demo/social-embed")
