"""The stored choice: one first-party cookie with the site's lifetime, SameSite=Lax, Path=/,
and Secure when the page is on https."""

from __future__ import annotations

import json
import subprocess
import time
from urllib.parse import unquote

import pytest

from .conftest import chromium
from .widget_kit import Server, State, Widget

LIFETIME_S = 180 * 86400  # site.toml: lifetime_days = 180


def stored(cookie: dict) -> dict:
    return json.loads(unquote(cookie["value"]))


def assert_choice_cookie(cookie: dict, secure: bool) -> None:
    assert cookie["path"] == "/"
    assert cookie["sameSite"] == "Lax"
    assert cookie["secure"] is secure
    assert cookie.get("httpOnly") is False  # written by the banner's script
    assert abs(cookie["expiry"] - (time.time() + LIFETIME_S)) < 300
    choice = stored(cookie)
    assert len(choice["consent_id"]) == 32 and choice["revision"] == 1
    assert choice["choices"] == {"essential": True, "performance": False,
                                 "functionality": False, "targeting": False, "social": False}


def test_on_http_the_choice_cookie_is_lax_root_wide_with_the_sites_lifetime(w):
    w.open()
    w.press("Tout refuser")
    w.wait(lambda: w.driver.get_cookie("consent_banner"))
    assert_choice_cookie(w.driver.get_cookie("consent_banner"), secure=False)


@pytest.fixture
def https_server(dist_dir, tmp_path):
    """The widget's test pages over TLS, with a throwaway self-signed certificate."""
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=127.0.0.1", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    server = Server(State(bundle=dist_dir / "kppay"), ssl_context=(str(cert), str(key)))
    yield server
    server.http.shutdown()


def test_on_https_the_choice_cookie_is_also_secure(https_server, dist_dir):
    with chromium("consent-https-", ("--ignore-certificate-errors",)) as driver:
        w = Widget(driver, https_server, dist_dir)
        w.open()
        w.press("Tout refuser")
        w.wait(lambda: driver.get_cookie("consent_banner"))
        assert_choice_cookie(driver.get_cookie("consent_banner"), secure=True)
