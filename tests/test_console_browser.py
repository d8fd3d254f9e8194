"""The owner's console in headless Chromium against the production set-up on PostgreSQL: log in,
the dashboard's totals equal the events posted, a chart and its table agree, no CSP violation, no
axe-core violation on any page in French and in English, CSRF and other sites refused."""

from __future__ import annotations

import http.client
import json
import os
import subprocess
import sys
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from .conftest import chromium, postgres_schema
from .server_helpers import CATEGORIES, ENDPOINT, event, write_rows
from .stack_kit import start_stack
from .test_widget_axe import AXE

SECRET = "ab" * 32
PASSWORD = "a console password"
# What the test posts to kppay: (action, granted categories, language, gpc, how many).
POSTED = [("accept_all", CATEGORIES, "fr", False, 5),
          ("refuse_all", ("essential",), "en", False, 3),
          ("custom", ("essential", "performance"), "fr", False, 2),
          ("accept_all", ("essential", "performance", "functionality", "social"), "en", True, 1),
          ("withdraw", ("essential",), "fr", False, 1)]
PAGES = ("/", "/records?consent_id={consent}", "/records?from={week}&to={today}", "/install",
         "/health")
# Collects CSP violations from the first script of every page.
WATCH = ("window.__csp = []; document.addEventListener('securitypolicyviolation', "
         "e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));")


@pytest.fixture(scope="module")
def server(dist_dir, tmp_path_factory):
    if not AXE.is_file():
        pytest.fail("axe-core is missing: npm ci --prefix tests", pytrace=False)
    tmp = tmp_path_factory.mktemp("console")
    sites = tmp / "dist"
    for site in ("kppay", "boutique"):
        (sites / site).mkdir(parents=True)
        for path in (dist_dir / "kppay").iterdir():
            (sites / site / path.name).write_bytes(path.read_bytes())
    manifest = json.loads((sites / "boutique" / "manifest.json").read_text())
    manifest.update(site="boutique", name="Boutique")
    (sites / "boutique" / "manifest.json").write_text(json.dumps(manifest))
    with postgres_schema() as url:
        environ = {"CONSENT_SECRET": SECRET, "GRANIAN_WORKERS": "1",
                   "CONSENT_ORIGINS_KPPAY": "https://www.kppay.tg"}
        stack = start_stack(url, sites, tmp, **environ)
        port = stack.port
        try:
            env = {**os.environ, "DATABASE_URL": url, "CONSENT_DIST_DIR": str(sites),
                   "CONSENT_INSTANCE_PATH": str(tmp / "instance"), **environ}
            flask = [str(Path(sys.executable).with_name("flask")), "--app", "server"]
            added = subprocess.run([*flask, "owners", "add", "dpo@kppay.tg", "--site", "kppay"],
                                   input=f"{PASSWORD}\n{PASSWORD}\n", text=True, env=env,
                                   capture_output=True, timeout=60)
            assert added.returncode == 0, added.stderr
            yield {"port": port, "url": url, "env": env, "flask": flask}
        finally:
            stack.stop()


def call(port, method, path, body=None, headers=None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.headers, response.read().decode()
    finally:
        connection.close()


@pytest.fixture(scope="module")
def seeded(server):
    """Two days ago, rolled up by the cron command; today, posted through the API."""
    import sqlalchemy as sa

    from server.contract import receipt
    from server.secrets_file import derive

    key = derive(bytes.fromhex(SECRET), "receipt")
    earlier = datetime.now(UTC) - timedelta(days=2)
    rows = []
    for i in range(4):
        row = {"event_id": uuid.uuid4().hex, "consent_id": uuid.uuid4().hex, "site": "kppay",
               "revision": 1, "choices": {c: c == "essential" or i == 0 for c in CATEGORIES},
               "action": "accept_all" if i == 0 else "refuse_all", "language": "fr",
               "page_url": "https://www.kppay.tg/", "user_agent": "seed",
               "ip_pseudonym": "0" * 32, "gpc": False, "client_time": None,
               "server_time": earlier + timedelta(minutes=i)}
        row["receipt"] = receipt(row, key)
        rows.append(row)
    engine = sa.create_engine(server["url"])
    write_rows(engine, rows)
    engine.dispose()
    rolled = subprocess.run([*server["flask"], "consents", "rollup"], env=server["env"],
                            capture_output=True, text=True, timeout=60)
    assert rolled.stdout.startswith("rolled up 4 events"), rolled.stdout + rolled.stderr
    receipts = []
    for action, granted, language, gpc, count in POSTED:
        for _ in range(count):
            body = event(action=action, language=language, gpc=gpc,
                         choices={c: c in granted for c in CATEGORIES})
            status, _, text = call(server["port"], "POST", ENDPOINT, json.dumps(body),
                                   {"Content-Type": "text/plain"})
            assert status == 201, text
            receipts.append(json.loads(text))
    other = event(site="boutique")
    assert call(server["port"], "POST", ENDPOINT, json.dumps(other))[0] == 201
    for _ in range(2):
        assert call(server["port"], "POST", ENDPOINT, json.dumps(event()),
                    {"Origin": "https://shop.kppay.tg"})[0] == 403
    return {"receipts": receipts, "earlier": rows}


@pytest.fixture(scope="module")
def driver(server):
    with chromium() as browser:
        browser.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": WATCH})
        yield browser


def base(server) -> str:
    return f"http://127.0.0.1:{server['port']}/admin"


def page_urls(server, seeded) -> list[str]:
    today = datetime.now(UTC).date()
    values = {"consent": seeded["receipts"][0]["consent_id"], "today": today,
              "week": today - timedelta(days=6)}
    return [f"{base(server)}/kppay{p.format(**values)}" for p in PAGES]


def axe(driver) -> list:
    if not driver.execute_script("return !!window.axe"):
        driver.execute_script(AXE.read_text())
    return driver.execute_async_script("""
        const done = arguments[arguments.length - 1];
        axe.run(document, {resultTypes: ['violations']}).then(
          r => done(r.violations.map(v => [v.id, v.nodes.map(n => n.target.join(' '))])),
          e => done(['axe failed', String(e)]));""")


def csp_violations(driver) -> list:
    logged = [e["message"] for e in driver.get_log("browser")
              if "Content Security Policy" in e["message"]]
    return driver.execute_script("return window.__csp || []") + logged


def submit(driver, selector: str) -> None:
    """Click a form's button and wait for the page it leads to: a click returns as soon as the
    navigation starts, and the old page (still complete, maybe in the same language) would
    answer the next look."""
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.support.wait import WebDriverWait

    driver.execute_script("window.__leaving = true")  # a new document has no such mark
    driver.find_element("css selector", selector).click()
    WebDriverWait(driver, 15, ignored_exceptions=(WebDriverException,)).until(
        lambda d: d.execute_script(
            "return !window.__leaving && document.readyState == 'complete'"))


def switch(driver, lang: str) -> None:
    submit(driver, f"button[name=lang][value={lang}]")
    assert driver.find_element("tag name", "html").get_attribute("lang") == lang


def test_logged_out_pages_redirect_to_the_login_page(server, seeded, driver):
    for url in [f"{base(server)}/"] + page_urls(server, seeded):
        driver.get(url)
        assert driver.current_url.startswith(f"{base(server)}/login?next=/admin/"), url
    for lang in ("fr", "en"):
        switch(driver, lang)
        assert axe(driver) == []
    assert csp_violations(driver) == []


def test_login_then_totals_and_charts_equal_what_was_posted(server, seeded, driver):
    driver.get(f"{base(server)}/kppay/")
    driver.find_element("id", "email").send_keys("dpo@kppay.tg")
    driver.find_element("id", "password").send_keys(PASSWORD)
    submit(driver, "form.stack button")
    assert driver.current_url == f"{base(server)}/kppay/"
    switch(driver, "en")
    find = driver.find_element
    # Posted today plus seeded two days ago (1 accept_all, 3 refuse_all).
    expected = {"accept_all": 5 + 1 + 1, "refuse_all": 3 + 3, "custom": 2, "withdraw": 1}
    assert find("css selector", "#totals dd[data-value]").get_attribute("data-value") == "16"
    for action, count in expected.items():
        assert find("css selector", f"#totals dd[data-series={action}]").get_attribute(
            "data-value") == str(count)
    # Per category: granted / events, over the posted and the seeded events.
    granted = {c: sum(n for _, g, _, _, n in POSTED if c in g) + (c == "essential") * 3 + 1
               for c in CATEGORIES}
    for category in CATEGORIES[1:]:
        shown = find("css selector", f"#category-rates dd[data-category={category}]").text
        assert shown == f"{100 * granted[category] / 16:.1f}%", category
    cells = driver.find_elements("css selector", "table[data-chart=chart-language] td[data-value]")
    languages = {td.get_attribute("data-label"): int(td.get_attribute("data-value"))
                 for td in cells}
    assert languages == {"fr": 4 + 5 + 2 + 1, "en": 3 + 1}
    gpc = [int(r.get_attribute("data-value")) for r in
           driver.find_elements("css selector", "#chart-gpc rect")]
    assert gpc == [15, 1]
    # The chart is drawn, and each bar holds the number its table cell holds, at one scale.
    bars = driver.find_elements("css selector", "#chart-actions rect[data-series]")
    assert len(bars) == 6  # two days: accept+refuse two days ago; four actions today
    scales = set()
    for bar in bars:
        day, series = bar.get_attribute("data-day"), bar.get_attribute("data-series")
        cell = find("css selector", f"table[data-chart=chart-actions] td[data-day='{day}']"
                                    f"[data-series={series}]")
        assert cell.get_attribute("textContent") == bar.get_attribute("data-value")
        assert bar.size["height"] > 0
        scales.add(round(float(bar.get_attribute("height")) / int(cell.get_attribute(
            "textContent")), 3))
    assert len(scales) == 1
    points = driver.find_elements("css selector", "#chart-rates circle")
    for point in points:
        day, series = point.get_attribute("data-day"), point.get_attribute("data-series")
        cell = find("css selector", f"table[data-chart=chart-rates] td[data-day='{day}']"
                                    f"[data-series={series}]")
        rate = int(cell.get_attribute("data-granted")) / int(cell.get_attribute("data-decided"))
        assert f"{rate:.4f}" == point.get_attribute("data-value")
    assert points
    assert csp_violations(driver) == []


def test_every_page_in_both_languages_has_no_axe_or_csp_violation(server, seeded, driver):
    driver.get(f"{base(server)}/kppay/")
    found = {}
    for lang in ("fr", "en"):
        switch(driver, lang)
        for url in page_urls(server, seeded) + [f"{base(server)}/boutique/install"]:
            driver.get(url)
            assert driver.find_element("css selector", "html").get_attribute("lang") == lang
            for details in driver.find_elements("css selector", "details"):
                details.find_element("css selector", "summary").click()
            found[(lang, url)] = axe(driver)
    assert {k: v for k, v in found.items() if v} == {}
    assert csp_violations(driver) == []
    status, headers, _ = call(server["port"], "GET", "/admin/login")
    assert "'unsafe-inline'" not in headers["Content-Security-Policy"]


def test_records_show_verified_receipts_and_refused_origins_show_in_health(server, seeded,
                                                                           driver):
    switch(driver, "en")
    first = seeded["receipts"][0]
    driver.get(f"{base(server)}/kppay/records?consent_id={first['consent_id']}")
    row = driver.find_element("css selector", f"#records tr[data-event='{first['event_id']}']")
    assert "receipt verified" in row.text
    driver.get(f"{base(server)}/kppay/health")
    assert driver.find_element("css selector", "#refused td[data-value]").text == "2"
    assert "https://shop.kppay.tg" in driver.find_element("id", "refused").text
    assert "CONSENT_ORIGINS_KPPAY" in driver.page_source


def test_another_site_is_not_found_and_a_form_without_its_token_is_refused(server, seeded,
                                                                          driver):
    cookie = driver.get_cookie("console_session")
    headers = {"Cookie": f"console_session={cookie['value']}"}
    assert call(server["port"], "GET", "/admin/kppay/", headers=headers)[0] == 200
    for path in ("/admin/boutique/", "/admin/boutique/records?from=2026-01-01&to=2026-01-02",
                 "/admin/boutique/records/export?from=2026-01-01&to=2030-01-01"):
        assert call(server["port"], "GET", path, headers=headers)[0] == 404, path
    driver.get(f"{base(server)}/kppay/install")
    driver.execute_script("document.querySelectorAll('input[name=csrf_token]')"
                          ".forEach(i => i.remove())")
    submit(driver, "form[action$=logout] button")
    assert driver.find_element("tag name", "h1").text in ("Error 400", "Erreur 400")
    driver.get(f"{base(server)}/kppay/install")
    assert driver.current_url == f"{base(server)}/kppay/install"  # still logged in
    # The copy button: copied (then said), or, where the clipboard is refused, selected.
    from selenium.webdriver.support.wait import WebDriverWait

    driver.find_element("css selector", "button[data-copy=tag-hashed]").click()
    WebDriverWait(driver, 5).until(lambda d: d.execute_script(
        "return document.querySelector('.copied').textContent == 'Copied' "
        "|| String(window.getSelection()).includes('integrity=')"))
    assert csp_violations(driver) == []
