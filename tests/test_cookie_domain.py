"""One choice across a site's subdomains (issue 15): site.toml's cookie_domain puts the consent
cookie on the site's domain, a public suffix is refused by the build, and a page on another host
(the demo's 127.0.0.1, a preview) keeps the cookie its own."""

from __future__ import annotations

import pytest

from consent_build.errors import BuildError

from .conftest import SITE_TOML, build_site, chromium
from .widget_kit import HOST, Server, State

DOMAIN = "kppay.test"  # resolved to 127.0.0.1 by Chromium's host-resolver rules


def with_domain(tmp_path, domain: str):
    text = SITE_TOML.read_text(encoding="utf-8")
    text = text.replace('cookie_domain = "kppay.tg"', f'cookie_domain = "{domain}"')
    site = tmp_path / "kppay.toml"
    site.write_text(text, encoding="utf-8")
    return site


@pytest.mark.parametrize(("domain", "message"), [
    ("co.uk", "'co.uk' is a public suffix (Public Suffix List)"),
    ("github.io", "'github.io' is a public suffix (Public Suffix List)"),
    ("tg", "expected a domain such as 'kppay.tg'"),
    ("https://kppay.tg", "expected a domain such as 'kppay.tg'")])
def test_a_public_suffix_is_refused_with_its_line(tmp_path, domain, message):
    site = with_domain(tmp_path, domain)
    with pytest.raises(BuildError) as refused:
        build_site(tmp_path / "dist", site)
    (problem,) = refused.value.problems
    lines = site.read_text(encoding="utf-8").splitlines()
    assert problem.line == lines.index(f'cookie_domain = "{domain}"') + 1
    assert message in problem.message


@pytest.fixture(scope="module")
def subdomains(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("cookie-domain")
    build_site(tmp / "dist", with_domain(tmp, DOMAIN))
    server = Server(State(bundle=tmp / "dist" / "kppay"))
    port = server.http.server_port
    with chromium("consent-domain-", (f"--host-resolver-rules=MAP *.{DOMAIN} 127.0.0.1",)
                  ) as browser:
        yield browser, port
    server.http.shutdown()


def banner_state(browser) -> dict:
    return browser.execute_script(f"""const h = {HOST}; const r = h && h.shadowRoot;
        return {{layer: !!(r && r.querySelector('[role=region]')),
                 button: !!(r && r.querySelector('.F')),
                 choice: window.ConsentBanner && ConsentBanner.get()}}""")


def test_a_choice_made_on_one_subdomain_holds_on_another(subdomains):
    from selenium.webdriver.support.ui import WebDriverWait

    browser, port = subdomains
    browser.get(f"http://www.{DOMAIN}:{port}/p/plain.html")
    WebDriverWait(browser, 10).until(lambda b: banner_state(b)["layer"])
    browser.execute_script("ConsentBanner.refuseAll()")
    cookie = browser.get_cookie("consent_banner")
    assert cookie["domain"] == f".{DOMAIN}"
    consent_id = banner_state(browser)["choice"]["consent_id"]
    # The Espace Client, another subdomain: no question asked again, the same visitor.
    browser.get(f"http://espace.{DOMAIN}:{port}/p/plain.html")
    WebDriverWait(browser, 10).until(lambda b: banner_state(b)["button"])
    shown = banner_state(browser)
    assert not shown["layer"] and shown["choice"]["consent_id"] == consent_id


def test_elsewhere_the_cookie_stays_the_pages_host(subdomains):
    from selenium.webdriver.support.ui import WebDriverWait

    browser, port = subdomains
    browser.get(f"http://127.0.0.1:{port}/p/plain.html")
    WebDriverWait(browser, 10).until(lambda b: banner_state(b)["layer"])
    browser.execute_script("ConsentBanner.acceptAll()")
    assert browser.get_cookie("consent_banner")["domain"] == "127.0.0.1"
