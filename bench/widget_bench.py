"""Widget benchmark: our banner beside vanilla-cookieconsent 3 in one headless Chromium run.

    .venv/bin/python bench/widget_bench.py [--runs 15]

Prints, for each page (see widget_pages.py): the bytes a visitor downloads (raw, gzip,
brotli), and medians over N fresh navigations of the time from navigation start to the first
layer being visible, the script evaluation time (DevTools `Performance.getMetrics`
`ScriptDuration`) and the cumulative layout shift. A benchmark, not a test: it asserts nothing.
"""

from __future__ import annotations

import argparse
import functools
import os
import shutil
import sys
import tempfile
import threading
import time
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from report import compressed_sizes, median, percentile, table
from widget_pages import DEFAULT_CACHE, Contender, write_site

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
PROBE = Path(__file__).with_name("probe.js")
# The same flags as tests/conftest.py's browser fixture.
FLAGS = ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--window-size=1280,800")
# After the layer is visible, wait this long before reading the metrics, so that work a
# library does after showing its layer (vanilla-cookieconsent builds its preferences lazily,
# animations, late layout shifts) is counted too.
SETTLE_S = 0.5
RUN_TIMEOUT_S = 10
# Fetched by every page alike (widget_pages.py): not the banner's.
COMMON = {"/page.css", "/favicon.ico"}
TOTAL_BUDGET_S = 150


class QuietHandler(SimpleHTTPRequestHandler):
    """Static files, never cached: every run is a first visit."""

    def end_headers(self):
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def log_message(self, format, *args):  # noqa: A002 - the base class's signature
        pass


def serve(root: Path) -> ThreadingHTTPServer:
    handler = functools.partial(QuietHandler, directory=str(root))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def start_browser(profile: Path):
    if not (os.access(CHROMIUM, os.X_OK) and os.access(CHROMEDRIVER, os.X_OK)):
        raise SystemExit("needs Debian's chromium and chromium-driver "
                         "(apt-get install chromium chromium-driver)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (*FLAGS, f"--user-data-dir={profile}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(RUN_TIMEOUT_S)
    driver.set_script_timeout(RUN_TIMEOUT_S)
    cdp = driver.execute_cdp_cmd
    cdp("Page.enable", {})
    cdp("Page.addScriptToEvaluateOnNewDocument", {"source": PROBE.read_text(encoding="utf-8")})
    cdp("Network.enable", {})
    cdp("Network.setCacheDisabled", {"cacheDisabled": True})
    return driver


def script_seconds(driver) -> float:
    metrics = driver.execute_cdp_cmd("Performance.getMetrics", {})["metrics"]
    return next(m["value"] for m in metrics if m["name"] == "ScriptDuration")


def one_run(driver, origin: str, page: Contender) -> dict:
    """A fresh navigation with cookies and storage cleared; the probe's figures for it."""
    cdp = driver.execute_cdp_cmd
    driver.get("about:blank")
    cdp("Network.clearBrowserCookies", {})
    cdp("Storage.clearDataForOrigin", {"origin": origin, "storageTypes": "all"})
    # Re-enabling resets the counters, so ScriptDuration counts this navigation only.
    cdp("Performance.disable", {})
    cdp("Performance.enable", {"timeDomain": "threadTicks"})
    driver.get(origin + page.path)
    deadline = time.monotonic() + RUN_TIMEOUT_S
    state = None
    while time.monotonic() < deadline:
        state = driver.execute_script("return window.__bench || null")
        if state and (state["visible"] is not None or state["error"]):
            break
        time.sleep(0.02)
    if not state or state["visible"] is None:
        raise SystemExit(f"{page.name}: first layer not visible after {RUN_TIMEOUT_S} s "
                         f"({state and state['error']})")
    time.sleep(SETTLE_S)
    state = driver.execute_script("return window.__bench")
    fetched = driver.execute_script(
        "return performance.getEntriesByType('resource').map(e => new URL(e.name).pathname)")
    return {"visible": state["visible"], "in_dom": state["inDom"], "cls": state["cls"],
            "script": script_seconds(driver) * 1000, "fetched": fetched}


def size_rows(page: Contender) -> list[list[str]]:
    """Raw, gzip and brotli bytes of a page's files, each compressed on its own, then summed."""
    files = [(path.name, compressed_sizes(path.read_bytes())) for path in page.files]
    total = {key: sum(sizes[key] for _, sizes in files) for key in ("raw", "gzip", "brotli")}
    rows = [[page.name, *(str(total[k]) for k in ("raw", "gzip", "brotli")),
             f"{total['brotli'] / 1024:.2f}"]]
    if len(files) > 1:
        rows += [[f"  {name}", *(str(sizes[k]) for k in ("raw", "gzip", "brotli")), ""]
                 for name, sizes in files]
    return rows


def fmt_ms(values: list[float]) -> str:
    return f"{median(values):.1f} ({percentile(values, 10):.1f}-{percentile(values, 90):.1f})"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15,
                        help="fresh navigations per page (default 15)")
    parser.add_argument("--cache-dir", type=Path, default=DEFAULT_CACHE,
                        help=f"where vanilla-cookieconsent is installed (default {DEFAULT_CACHE})")
    args = parser.parse_args(argv)
    runs = max(1, min(args.runs, 100))

    work = Path(tempfile.mkdtemp(prefix="consent-widget-bench-"))
    server = driver = None
    try:
        pages, facts = write_site(work / "site", args.cache_dir)
        server = serve(work / "site")
        origin = f"http://127.0.0.1:{server.server_port}"
        driver = start_browser(work / "profile")
        version = driver.capabilities.get("browserVersion", "?")
        results: dict[str, list[dict]] = {page.name: [] for page in pages}
        for page in pages:  # one warm-up each, discarded: first-use costs of the browser
            # What the browser fetched is what the visitor downloads (the page's own
            # stylesheet, the same for every page, left out).
            fetched = one_run(driver, origin, page)["fetched"]
            page.files = [work / "site" / path.lstrip("/") for path in dict.fromkeys(fetched)
                          if path not in COMMON]
        sizes = [row for page in pages if page.files for row in size_rows(page)]
        brotli = {row[0]: int(row[3]) for row in sizes if not row[0].startswith(" ")}
        load_before = os.getloadavg()[0]
        stop_at = time.monotonic() + TOTAL_BUDGET_S
        done = 0
        # Interleaved, so that a slow moment of the machine falls on every page alike.
        for _ in range(runs):
            if time.monotonic() > stop_at:
                print(f"warning: time budget spent after {done} runs per page", file=sys.stderr)
                break
            for page in pages:
                results[page.name].append(one_run(driver, origin, page))
            done += 1
    finally:
        if driver is not None:
            driver.quit()
        if server is not None:
            server.shutdown()
            server.server_close()
        shutil.rmtree(work, ignore_errors=True)

    print(f"Widget benchmark: headless Chromium {version}, {done} fresh navigations per page "
          f"(after one warm-up),\ncache disabled, cookies and storage cleared before each; "
          f"1-minute load average before the runs: {load_before:.1f} on {os.cpu_count()} cores.")
    print(f"Our tag: {facts['ours_tag']}\n")
    print("Bytes a visitor downloads (each file compressed on its own, summed)")
    print(table(["", "raw", "gzip", "brotli", "brotli KiB"], sizes))
    ours, peer = pages[0].name, pages[1].name
    print(f"{ours} / {peer}, brotli: {100 * brotli[ours] / brotli[peer]:.0f}%")
    if facts.get("ours_prefs"):
        # vanilla-cookieconsent's one file holds its preferences modal; ours come on first open
        chunk = compressed_sizes(facts["ours_prefs"])["brotli"]
        print(f"{ours}, preferences chunk fetched the first time they open (not above): "
              f"{chunk} B brotli; with it, {ours} / {peer}: "
              f"{100 * (brotli[ours] + chunk) / brotli[peer]:.0f}%")
    print()
    time_rows = []
    for page in pages:
        got = results[page.name][:done]
        time_rows.append([
            page.name,
            fmt_ms([r["in_dom"] for r in got]),
            fmt_ms([r["visible"] for r in got]),
            fmt_ms([r["script"] for r in got]),
            f"{median([r['cls'] for r in got]):.4f} (max {max(r['cls'] for r in got):.4f})",
        ])
    print(f"Medians over {done} runs, (10th-90th percentile), milliseconds from navigation start")
    print(table(["", "layer in DOM", "layer visible", "script eval", "layout shift"], time_rows))
    print("\nlayer visible: navigation start to the first layer in the DOM with a box in the "
          "viewport,\nnot hidden nor transparent (our role=region in the shadow root; "
          "vanilla-cookieconsent's #cc-main .cm;\nthe baseline's <main>). script eval: "
          "ScriptDuration of the navigation (thread time). layout shift: CLS.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
