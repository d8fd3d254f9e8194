"""Screenshots of the first layer and the preferences, desktop and mobile, for a person to look at.

`python bench/screenshots.py [OUT_DIR] [--theme FILE]` builds the bundle into a temporary
folder, serves the demo page on 127.0.0.1 and writes first-layer and preferences PNGs at
1280×800 and 375×812, light and dark, and the preferences in English (default /tmp/shots).
--theme adds a [theme] table to KPpay's site file (bench/kppay-theme.toml: its blue and yellow).
Not a test: nothing is asserted.
"""

from __future__ import annotations

import sys
import tempfile
import threading
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.support.ui import WebDriverWait
from werkzeug.serving import make_server

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from consent_build.cli import build  # noqa: E402
from consent_dev import create_app  # noqa: E402

SIZES = {"desktop": (1280, 800), "mobile": (375, 812)}
SHADOW = "return document.querySelector('[data-consent-banner]').shadowRoot"


def main(out: Path, theme: Path | None = None) -> None:
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as dist:
        site = ROOT / "sites" / "kppay.toml"
        if theme is not None:
            themed = Path(dist) / "kppay.toml"
            themed.write_text(site.read_text(encoding="utf-8") + "\n"
                              + theme.read_text(encoding="utf-8"), encoding="utf-8")
            site = themed
        build(site, ROOT / "banner_src", ROOT / "translations", Path(dist), check=False)
        server = make_server("127.0.0.1", 0, create_app({"CONSENT_DIST_DIR": dist}), threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        options = webdriver.ChromeOptions()
        options.binary_location = "/usr/bin/chromium"
        for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars"):
            options.add_argument(flag)
        driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
        try:
            for name, (width, height) in SIZES.items():
                for scheme in ("light", "dark"):
                    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
                        "width": width, "height": height, "deviceScaleFactor": 1,
                        "mobile": name == "mobile"})
                    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": [
                        {"name": "prefers-color-scheme", "value": scheme}]})
                    driver.delete_all_cookies()
                    driver.get(f"http://127.0.0.1:{server.server_port}/")
                    WebDriverWait(driver, 10).until(
                        lambda d: d.execute_script(SHADOW + ".querySelector('[role=region]')"))
                    driver.save_screenshot(str(out / f"{name}-{scheme}-first-layer.png"))
                    driver.execute_script(SHADOW + ".querySelector('[aria-haspopup]').click()")
                    driver.execute_script(SHADOW + ".querySelector('details').open = true")
                    driver.save_screenshot(str(out / f"{name}-{scheme}-preferences.png"))
                    if scheme == "light":  # and in English, switched in the dialog
                        driver.execute_script(SHADOW + ".querySelector('.bg .lg button').click()")
                        driver.save_screenshot(str(out / f"{name}-{scheme}-preferences-en.png"))
                    print(out / f"{name}-{scheme}-*.png")
        finally:
            driver.quit()
            server.shutdown()


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", nargs="?", default="/tmp/shots", type=Path)
    parser.add_argument("--theme", type=Path, help="a [theme] table to add to KPpay's site file")
    args = parser.parse_args()
    main(args.out, args.theme)
