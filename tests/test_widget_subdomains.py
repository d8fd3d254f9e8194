"""cookie_domain: a choice made on one subdomain holds on another, and withdrawal there
deletes a category's cookies on every level. Two host names of a site resolve to 127.0.0.1
through Chromium's host-resolver rules (no DNS, nothing leaves the machine)."""

from __future__ import annotations

from pathlib import Path

import pytest

from .conftest import SITE_TOML, build_site, chromium
from .widget_kit import Server, State, Widget


@pytest.fixture(scope="module")
def shared(tmp_path_factory, dist_dir):
    folder = tmp_path_factory.mktemp("subdomains")
    text = SITE_TOML.read_text(encoding="utf-8").replace(
        'cookie_domain = "kppay.tg"', 'cookie_domain = "kppay.test"')
    assert 'cookie_domain = "kppay.test"' in text
    (folder / "site.toml").write_text(text, encoding="utf-8")
    build_site(folder / "dist", site=folder / "site.toml")
    server = Server(State(bundle=folder / "dist" / "kppay"))
    rules = "--host-resolver-rules=MAP www.kppay.test 127.0.0.1, MAP client.kppay.test 127.0.0.1"
    with chromium("consent-subdomains-", extra_flags=(rules,)) as driver:
        yield Widget(driver, server, Path(folder / "dist")), server
    server.http.shutdown()


def test_a_choice_made_on_one_subdomain_holds_on_another(shared):
    w, server = shared
    port = server.http.server_port
    www, client = f"http://www.kppay.test:{port}", f"http://client.kppay.test:{port}"
    w.driver.get(www + "/p/basic.html")
    w.wait(lambda: w.find("[role=region]"))
    w.press("Tout accepter")
    w.wait(lambda: "perf2" in (w.ran() or []))
    chosen = w.choice()
    # A performance cookie on the shared domain, and one the subdomain set for itself.
    w.js("document.cookie = 'WT_fpc=1;Path=/;Domain=kppay.test'")
    w.driver.get(client + "/p/basic.html")
    w.wait(lambda: w.find(".F"))  # no first layer: the floating button only
    assert not w.find(".L")
    assert w.choice()["consent_id"] == chosen["consent_id"]
    w.wait(lambda: "perf2" in (w.ran() or []))  # granted here too, without asking
    w.js("document.cookie = 'User ID=1;Path=/'")
    w.js("ConsentBanner.refuseAll()")
    w.wait(lambda: "WT_fpc" not in w.cookies() and "User ID" not in w.cookies())
    w.driver.get(www + "/p/basic.html")  # the withdrawal holds on www, its cookie gone too
    w.wait(lambda: w.find(".F"))
    assert w.choice()["choices"]["performance"] is False
    assert "WT_fpc" not in w.cookies()
