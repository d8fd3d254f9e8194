"""The webhooks page in headless Chromium against the production set-up on PostgreSQL: an endpoint
added through the form, its secret shown once, a delivery that failed then succeeded listed with
its attempts; no axe-core or CSP violation in French and in English."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import chromium, postgres_schema
from .server_helpers import ENDPOINT, event
from .stack_kit import start_stack
from .test_console_browser import WATCH, axe, call, csp_violations, submit, switch
from .test_widget_axe import AXE
from .webhook_receiver import Receiver

SECRET = "cd" * 32
PASSWORD = "a console password"
# Screenshots for the reviewer, when the folder exists (the helper's notes).
SHOTS = Path(os.environ.get("CONSENT_SHOTS", "/nonexistent"))


@pytest.fixture(scope="module")
def server(dist_dir, tmp_path_factory):
    if not AXE.is_file():
        pytest.fail("axe-core is missing: npm ci --prefix tests", pytrace=False)
    tmp = tmp_path_factory.mktemp("webhooks")
    with postgres_schema() as url:
        environ = {"CONSENT_SECRET": SECRET, "GRANIAN_WORKERS": "1",
                   "CONSENT_WEBHOOK_LOCAL": "1", "CONSENT_WEBHOOK_BACKOFF": "0.05",
                   "CONSENT_WEBHOOK_SETTLE": "0"}
        stack = start_stack(url, dist_dir, tmp, **environ)
        port = stack.port
        try:
            env = {**os.environ, "DATABASE_URL": url, "CONSENT_DIST_DIR": str(dist_dir),
                   "CONSENT_INSTANCE_PATH": str(tmp / "instance"), **environ}
            env.pop("REDIS_URL", None)
            flask = [str(Path(sys.executable).with_name("flask")), "--app", "server"]
            added = subprocess.run([*flask, "owners", "add", "dpo@kppay.tg", "--site", "kppay"],
                                   input=f"{PASSWORD}\n{PASSWORD}\n", text=True, env=env,
                                   capture_output=True, timeout=60)
            assert added.returncode == 0, added.stderr
            yield {"port": port, "env": env, "flask": flask}
        finally:
            stack.stop()


def deliver(server) -> str:
    done = subprocess.run([*server["flask"], "webhooks", "deliver", "--once"], env=server["env"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_add_an_endpoint_and_watch_its_attempts(server):
    receiver = Receiver(status=500)
    base = f"http://127.0.0.1:{server['port']}/admin"
    try:
        with chromium() as driver:
            driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": WATCH})
            driver.get(f"{base}/kppay/webhooks")
            driver.find_element("id", "email").send_keys("dpo@kppay.tg")
            driver.find_element("id", "password").send_keys(PASSWORD)
            submit(driver, "form.stack button")
            switch(driver, "en")
            assert driver.current_url == f"{base}/kppay/webhooks"
            assert driver.find_element("id", "no-endpoints")
            driver.find_element("id", "url").send_keys(receiver.url)
            submit(driver, "#add-endpoint button")
            receiver.secret = driver.find_element("id", "secret").text
            assert receiver.secret.startswith("whsec_")
            found = {"en, secret shown": axe(driver)}
            if SHOTS.is_dir():
                driver.save_screenshot(str(SHOTS / "webhooks-secret-en.png"))

            status, _, _ = call(server["port"], "POST", ENDPOINT, json.dumps(event(
                action="withdraw", choices={"essential": True, "performance": False,
                                            "functionality": False, "targeting": False,
                                            "social": False})),
                {"Content-Type": "text/plain;charset=UTF-8"})
            assert status == 201
            assert "1 pending" in deliver(server)  # the receiver answers 500
            receiver.status = 204
            while "1 delivered" not in deliver(server):
                pass
            driver.get(f"{base}/kppay/webhooks")
            assert receiver.secret not in driver.page_source
            attempts = driver.find_elements("css selector", "#messages ol.attempts li")
            assert ["HTTP 500" in a.text for a in attempts] == [True, False]
            assert "HTTP 204" in attempts[1].text
            assert [r.verified for r in receiver.received] == [True, True]
            assert receiver.received[1].payload["type"] == "consent.withdrawn"
            found["en, attempts"] = axe(driver)
            if SHOTS.is_dir():
                driver.save_screenshot(str(SHOTS / "webhooks-attempts-en.png"))
            switch(driver, "fr")
            assert "Tentatives" in driver.page_source
            found["fr, attempts"] = axe(driver)
            # 320 CSS pixels wide (WCAG 1.4.10 reflow): the tables scroll in their own
            # frames, the page does not.
            driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
                "width": 320, "height": 900, "deviceScaleFactor": 1, "mobile": False})
            assert driver.execute_script("return document.documentElement.scrollWidth") <= 320, \
                driver.execute_script("""return [...document.querySelectorAll('body *')]
                    .filter(e => !e.closest('.scroll') && e.getBoundingClientRect().right > 320)
                    .map(e => e.tagName + '.' + e.className + '#' + e.id).slice(0, 8)""")
            if SHOTS.is_dir():
                driver.save_screenshot(str(SHOTS / "webhooks-attempts-fr-narrow.png"))
            assert {k: v for k, v in found.items() if v} == {}
            assert csp_violations(driver) == []
    finally:
        receiver.down()
