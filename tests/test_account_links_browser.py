"""The console's customer-accounts page and a rights request linked to an account, in
headless Chromium: a key made and shown once, an account's consents on two devices, the
request's e-mail listed; no axe-core violation in French or English, and no CSP violation."""

from __future__ import annotations

import json
import os
import re
import urllib.request
import uuid
from pathlib import Path

import pytest

from .conftest import chromium
from .server_helpers import event
from .test_console_browser import WATCH, axe, csp_violations
from .test_rights_browser import (
    OWNER,
    PASSWORD,
    arrived,
    choose_language,
    leaving,
    served_with_owner,
)

ACCOUNT = "KP-0042"
# Screenshots for the reviewer, when asked (CONSENT_SHOTS=folder).
SHOTS = os.environ.get("CONSENT_SHOTS")


@pytest.fixture(scope="module")
def site(dist_dir, tmp_path_factory):
    with served_with_owner(dist_dir, tmp_path_factory.mktemp("accounts-browser")) as served:
        yield served


def api(url: str, body: dict, key: str | None = None) -> dict:
    headers = {"Content-Type": "application/json"}
    if key:
        headers["Authorization"] = f"Bearer {key}"
    sent = urllib.request.Request(url, json.dumps(body).encode(), headers, method="POST")
    with urllib.request.urlopen(sent, timeout=10) as answer:
        return json.loads(answer.read())


def shot(driver, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        driver.save_screenshot(str(Path(SHOTS) / f"{name}.png"))


def login(driver, url: str) -> None:
    driver.get(f"{url}/admin/kppay/accounts")
    if "/login" in driver.current_url:
        driver.find_element("id", "email").send_keys(OWNER)
        driver.find_element("id", "password").send_keys(PASSWORD)
        leaving(driver)
        driver.find_element("css selector", "form.stack button").click()
        arrived(driver)


def click(driver, selector: str) -> None:
    leaving(driver)
    driver.find_element("css selector", selector).click()
    arrived(driver)


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_keys_accounts_and_a_linked_request_in_the_browser(site, lang):
    app, url = site
    with chromium() as driver:
        driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": WATCH})
        login(driver, url)
        choose_language(driver, lang)
        assert driver.current_url.endswith("/admin/kppay/accounts")
        assert axe(driver) == []
        # A key, shown once.
        driver.find_element("id", "label").send_keys(f"Espace Client {lang}")
        click(driver, "form[action$='/accounts/keys'] button")
        key = driver.find_element("id", "new-key").text
        assert key.startswith("ck_") and axe(driver) == []
        shot(driver, f"accounts-new-key-{lang}")
        # Two devices of one customer, linked by the site's back end with that key.
        devices = []
        for _ in range(2):
            sent = event()
            api(f"{url}/api/v1/consents", sent)
            api(f"{url}/api/v1/accounts/links",
                {"account": ACCOUNT, "consent_id": sent["consent_id"]}, key)
            devices.append(sent["consent_id"])
        driver.find_element("id", "account").send_keys(ACCOUNT)
        click(driver, "form[action$='/accounts'] button")
        history = driver.find_element("id", "history").text
        assert all(d[:8] in history for d in devices) and axe(driver) == []
        shot(driver, f"accounts-lookup-{lang}")
        # A rights request naming one device shows both, and the e-mail waiting for it.
        visitor = app.test_client()
        filed = visitor.post("/rights/kppay", data={
            "kind": "access", "email": f"ama-{uuid.uuid4().hex[:6]}@example.tg",
            "consent_id": devices[1]})
        reference = re.search(r'id="reference">([^<]+)<',
                              visitor.get(filed.headers["Location"]).text).group(1)
        driver.get(f"{url}/admin/kppay/rights/{reference}")
        assert all(d[:8] in driver.find_element("id", "history").text for d in devices)
        assert OWNER in driver.find_element("id", "mail").text
        assert axe(driver) == []
        shot(driver, f"rights-request-linked-{lang}")
        assert csp_violations(driver) == []
