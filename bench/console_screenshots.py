"""Screenshots of the owner's console with a month of real-looking data, for a person to look at.

`python bench/console_screenshots.py [OUT_DIR]` seeds a temporary SQLite database with 30 days
of KPpay-like consent events (a policy revision on day 12, French and English visitors, a few
under GPC, two refused origins), rolls them up, serves the app on 127.0.0.1, logs in with
headless Chromium and writes the dashboard, records, install and health pages at 1280 px and
375 px wide (whole pages; default /tmp/console-shots). Not a test: nothing is asserted.
"""

from __future__ import annotations

import random
import sys
import tempfile
import threading
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from werkzeug.serving import make_server

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from server import create_app  # noqa: E402
from server.console import accounts, rollup  # noqa: E402
from server.store import receipt  # noqa: E402
from server.tables import events  # noqa: E402
from tests.conftest import chromium  # noqa: E402

CATEGORIES = ("essential", "performance", "functionality", "targeting", "social")
PASSWORD = "screenshots only"


def seed(app) -> str:
    rng = random.Random(11)
    key = app.extensions["consent_keys"]["receipt"]
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    rows, sample = [], None
    for back in range(30, -1, -1):
        day = now - timedelta(days=back)
        weekday = day.weekday()
        count = int(rng.gauss(420 if weekday < 5 else 230, 40))
        revision = 1 if back > 18 else 2
        for _ in range(count):
            r = rng.random()
            # After the policy's revision 2, a clearer first layer: fewer "accept all".
            accept = 0.58 if revision == 1 else 0.49
            action = ("accept_all" if r < accept else "refuse_all" if r < 0.86
                      else "custom" if r < 0.985 else "withdraw")
            gpc = rng.random() < 0.04
            if action == "accept_all":
                granted = set(CATEGORIES) - ({"targeting"} if gpc else set())
            elif action == "custom":
                granted = {"essential"} | {c for c, p in (("performance", 0.7),
                                                          ("functionality", 0.8),
                                                          ("targeting", 0.15), ("social", 0.3))
                                           if rng.random() < p}
            else:
                granted = {"essential"}
            row = {"event_id": uuid.uuid4().hex, "consent_id": uuid.uuid4().hex,
                   "site": "kppay", "revision": revision,
                   "choices": {c: c in granted for c in CATEGORIES}, "action": action,
                   "language": "fr" if rng.random() < 0.78 else "en",
                   "page_url": rng.choice(["https://www.kppay.tg/", "https://www.kppay.tg/tarifs",
                                           "https://www.kppay.tg/espace-client"]),
                   "user_agent": "Mozilla/5.0", "ip_pseudonym": uuid.uuid4().hex, "gpc": gpc,
                   "client_time": None,
                   "server_time": day - timedelta(seconds=rng.randrange(0, 86400))
                   if back else now - timedelta(seconds=rng.randrange(0, 3600 * 8))}
            row["receipt"] = receipt(row, key)
            rows.append(row)
    with app.extensions["consent_engine"].begin() as connection:
        connection.execute(events.insert(), rows)
        sample = rows[-5]["consent_id"]
    rollup.advance(app.extensions["consent_engine"])
    from server.console import refusals

    with app.test_request_context():
        for origin, times in (("https://shop.kppay.tg", 37), ("http://www.kppay.tg", 4)):
            for _ in range(times):
                refusals.note("kppay", origin)
    accounts.add(app.extensions["consent_engine"], "dpo@kppay.tg", PASSWORD, ["kppay"])
    return sample


def main() -> None:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/console-shots")
    out.mkdir(parents=True, exist_ok=True)
    instance = tempfile.mkdtemp(prefix="console-shots-")
    app = create_app({"CONSENT_DIST_DIR": str(ROOT / "dist"), "CONSENT_INSTANCE_PATH": instance,
                      "DATABASE_URL": f"sqlite:///{instance}/consents.sqlite3"})
    sample = seed(app)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}/admin"
    try:
        with chromium(prefix="console-shots-") as driver:
            driver.get(f"{base}/login")
            driver.find_element("id", "email").send_keys("dpo@kppay.tg")
            driver.find_element("id", "password").send_keys(PASSWORD)
            driver.find_element("css selector", "form.stack button").click()
            pages = {"dashboard": "/kppay/", "records": f"/kppay/records?consent_id={sample}",
                     "install": "/kppay/install", "health": "/kppay/health"}
            for lang in ("fr", "en"):
                driver.get(f"{base}/kppay/")
                driver.find_element("css selector",
                                    f"button[name=lang][value={lang}]").click()
                for name, path in pages.items():
                    if lang == "en" and name != "dashboard":
                        continue
                    for size, width in (("desktop", 1280), ("phone", 375)):
                        driver.set_window_size(width, 900)
                        driver.get(base + path)
                        height = driver.execute_script(
                            "return document.documentElement.scrollHeight")
                        driver.set_window_size(width, min(height + 120, 6000))
                        path_out = out / f"{name}-{lang}-{size}.png"
                        driver.save_screenshot(str(path_out))
                        print(path_out)
    finally:
        server.shutdown()
        app.extensions["consent_engine"].dispose()


if __name__ == "__main__":
    main()
