"""The cookie audit (`build.py audit URL`) against small sites served here, and the demo."""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import socket
from dataclasses import dataclass
from pathlib import Path

import pytest
from babel.messages.pofile import read_po, write_po

from consent_audit import lifetimes
from consent_audit.declared import service_hosts
from consent_build.cli import main as build_main
from consent_build.errors import BuildError
from consent_build.site_config import catalog_path

from .audit_sites import AuditSites
from .conftest import CHROMEDRIVER, CHROMIUM, LiveServer, build_site, missing
from .i18n_sites import make_site

# Short waits: the test pages are small and local.
FAST = ["--settle", "0.3", "--banner-timeout", "4", "--timeout", "10"]


@dataclass
class Run:
    code: int
    out: str
    err: str
    report: dict | None

    def findings(self, kind: str) -> list[dict]:
        return [f for f in self.report["findings"] if f["kind"] == kind]

    def seen(self, cookie: str) -> list[str]:
        """The passes in which `cookie` was present."""
        return [p["name"] for p in self.report["passes"]
                if any(c["name"] == cookie for c in p["cookies"])]


def audit(folder: Path, url: str, *args: str) -> Run:
    """Run `build.py audit` as a site owner would, with a JSON record of everything."""
    if not (os.access(CHROMIUM, os.X_OK) and os.access(CHROMEDRIVER, os.X_OK)):
        missing("Debian's chromium and chromium-driver")
    record = folder / "audit.json"
    record.unlink(missing_ok=True)
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = build_main(["audit", url, *FAST, "--json", str(record), *args])
    report = json.loads(record.read_text(encoding="utf-8")) if record.exists() else None
    return Run(code, out.getvalue(), err.getvalue(), report)


@pytest.fixture(scope="module")
def sites(dist_dir):
    server = AuditSites(dist_dir / "kppay")
    yield server
    server.stop()


@pytest.fixture(scope="module")
def ga(sites, tmp_path_factory):
    folder = tmp_path_factory.mktemp("audit-ga")
    run = audit(folder, sites.url + "/ga/", "--propose", "--html", str(folder / "report.html"))
    run.html = (folder / "report.html").read_text(encoding="utf-8")
    return run


# --- the test sites ---------------------------------------------------------------------

def test_a_declared_cookie_set_only_after_consent_is_clean(sites, tmp_path):
    run = audit(tmp_path, sites.url + "/clean/")
    assert run.code == 0, run.out
    assert run.report["violations"] == 0
    assert run.findings("undeclared") == [] and run.findings("mismatch") == []
    assert run.seen("WT_fpc") == ["accepted"]
    assert run.seen("consent_banner") == ["refused", "accepted"]
    # The same-origin link was followed in every pass; the PDF was not.
    for one in run.report["passes"]:
        assert one["pages"] == [sites.url + "/clean/", sites.url + "/clean/about"]
    assert "ok: 0 violations, 0 undeclared" in run.out


def test_an_unmarked_analytics_tag_is_one_violation_and_one_undeclared_cookie(ga):
    assert ga.code == 1
    (violation,) = ga.findings("violation")
    assert (violation["subject"], violation["name"]) == ("cookie", "_ga")
    assert violation["passes"] == ["before", "refused"]
    (undeclared,) = ga.findings("undeclared")
    assert undeclared["name"] == "_ga"
    assert undeclared["guess"]["platform"] == "Google Analytics"
    assert undeclared["guess"]["category"] == "Analytics"
    assert undeclared["category"] == "performance"
    # Asked for two years; Chromium keeps a cookie 400 days at most.
    assert ga.report["passes"][0]["cookies"][0]["lifetime"] > 399 * 86400
    assert re.search(r"VIOLATION\s+cookie\s+_ga\s+before consent, after refusal", ga.out)
    assert "FAIL: 1 violation, 1 undeclared" in ga.out


def test_the_html_report_holds_the_three_passes_and_their_screenshots(ga):
    html = ga.html
    assert html.count('src="data:image/png;base64,') == 3
    for title in ("Before consent", "After refusal", "After acceptance"):
        assert f">{title}</h2>" in html
    assert '<tr class="violation"><td class="kind">violation</td><td>cookie</td>' in html
    assert "Stale declarations (11)" in html
    assert "Google Analytics" in html
    assert "<script" not in html  # self-contained and inert


def test_a_third_party_iframe_before_consent_is_a_violation_naming_its_host(sites, tmp_path):
    run = audit(tmp_path, sites.url + "/iframe/")
    assert run.code == 1
    (violation,) = run.findings("violation")
    assert (violation["subject"], violation["name"]) == ("request", "localhost")
    assert "iframe from localhost loaded before consent" in violation["detail"]
    assert "belongs to no declared service" in violation["detail"]
    assert re.search(r"VIOLATION +request +localhost +before consent", run.out)


def test_a_refused_categorys_cookie_kept_after_refusal_is_a_violation(sites, tmp_path):
    run = audit(tmp_path, sites.url + "/kept/")
    assert run.code == 1
    (violation,) = run.findings("violation")
    assert (violation["subject"], violation["name"]) == ("cookie", "WT_fpc")
    assert violation["passes"] == ["refused"]
    assert "'performance' category (refused), present after refusal" in violation["detail"]
    kept = next(c for c in run.report["passes"][1]["cookies"] if c["name"] == "WT_fpc")
    assert kept["http_only"] is True  # read through the DevTools protocol, not document.cookie


def _paste(site: Path, proposal: str) -> None:
    """Paste each group of the proposal at the end of its category's block, as its comment says."""
    text = site.read_text(encoding="utf-8")
    groups = re.findall(r'^# Paste at the end of the \[\[categories\]\] block whose id = ("\w+"):'
                        r"\n(.*?)(?=\n\n#|\Z)", proposal, re.MULTILINE | re.DOTALL)
    assert groups
    for category, entries in groups:
        start = text.index(f"id = {category}")
        end = text.find("\n[[categories]]", start)
        end = len(text) if end < 0 else end
        text = text[:end].rstrip("\n") + "\n\n" + entries.strip() + "\n" + text[end:]
    site.write_text(text, encoding="utf-8")


def _translate(translations: Path, lang: str, msgid: str) -> None:
    """The translator's step for one new text (English: the msgid itself)."""
    path = catalog_path(translations, lang)
    with path.open("rb") as handle:
        catalog = read_po(handle)
    catalog.add(msgid, msgid)
    with path.open("wb") as handle:
        write_po(handle, catalog, width=0)


def test_the_proposal_pasted_into_site_toml_is_built_and_then_declared(ga, sites, tmp_path):
    proposal = ga.out.split("# Proposed by", 1)[1]
    assert '\nname = "_ga"\nprovider = "Google"\npurpose = "ID used to identify users"\n' \
           'duration = "2 years"' in proposal
    site, translations = make_site(tmp_path, ["en"])  # one catalog to translate
    site.write_text(site.read_text(encoding="utf-8").replace(
        'default_language = "fr"', 'default_language = "en"'), encoding="utf-8")
    _paste(site, proposal)
    with pytest.raises(BuildError, match="ID used to identify users"):
        build_site(tmp_path / "dist", site=site, translations=translations)
    _translate(translations, "en", "ID used to identify users")
    build_site(tmp_path / "dist", site=site, translations=translations)  # accepted

    again = audit(tmp_path, sites.url + "/ga/", "--site", str(site),
                  "--translations", str(translations))
    assert again.findings("undeclared") == []
    (violation,) = again.findings("violation")  # declared now, but still set before consent
    assert violation["name"] == "_ga" and violation["category"] == "performance"
    assert "'performance' category, present before consent" in violation["detail"]


# --- our own demo -----------------------------------------------------------------------

@pytest.fixture
def serve_demo(dist_dir, tmp_path):
    """The server's demo app on 127.0.0.1; `change(app)` may alter it before it serves."""
    from consent_dev import create_app

    started = []

    def serve(change=None) -> LiveServer:
        app = create_app({"TESTING": True, "CONSENT_DIST_DIR": str(dist_dir),
                          "CONSENT_INSTANCE_PATH": str(tmp_path / "instance")})
        if change:
            change(app)
        started.append((app, LiveServer(app)))
        return started[-1][1]

    yield serve
    for app, server in started:
        server.stop()
        app.extensions["consent_engine"].dispose()


def test_the_demo_has_no_violation(serve_demo, tmp_path):
    demo = serve_demo()
    run = audit(tmp_path, demo.url + "/", "--html", str(tmp_path / "demo.html"))
    assert run.code == 0, run.out
    assert run.findings("violation") == [] and run.findings("undeclared") == []
    assert run.seen("WT_fpc") == ["accepted"]
    # The policy links to the rights form: it is crawled too, and sets no cookie before consent.
    assert run.report["passes"][0]["pages"][:3] == [demo.url + "/", demo.url + "/politique-cookies",
                                                     demo.url + "/rights/kppay"]


def test_an_unmarked_tracker_added_to_the_demo_fails_the_audit(serve_demo, tmp_path):
    def paste_unmarked(app):
        # Someone pastes the analytics tag into the demo's pages without data-consent.
        @app.after_request
        def unmarked(response):
            if response.mimetype == "text/html":
                response.set_data(response.get_data(as_text=True).replace(
                    "</main>", '<script src="/demo/analytics.js"></script></main>'))
            return response

    demo = serve_demo(paste_unmarked)
    run = audit(tmp_path, demo.url + "/", "--pages", "1")
    assert run.code == 1
    (violation,) = run.findings("violation")
    assert (violation["name"], violation["passes"]) == ("WT_fpc", ["before", "refused"])


# --- what cannot be audited gets one clear line -------------------------------------------

def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.parametrize("path, args, expected", [
    ("/nobanner/", [], "no consent banner on {url}: window.ConsentBanner did not appear within"),
    ("/vendor/", [], "{url} shows a consent banner from Cookiebot, not ours"),
    ("/slow/", ["--timeout", "1"], "timeout: {url} did not answer within 1 s"),
    ("/missing/", [], "{url} answered HTTP 404 NOT FOUND; nothing to audit"),
])
def test_what_cannot_be_audited_says_why(sites, tmp_path, path, args, expected):
    url = sites.url + path
    run = audit(tmp_path, url, "--banner-timeout", "1", *args)
    assert run.code == 2 and run.report is None
    assert run.err.startswith("audit: " + expected.format(url=url)), run.err


def test_an_unreachable_url_says_so(tmp_path):
    url = f"http://127.0.0.1:{_closed_port()}/"
    run = audit(tmp_path, url)
    assert (run.code, run.err) == (2, f"audit: cannot reach {url}: Connection refused\n")


# --- the parts ----------------------------------------------------------------------------

def test_a_services_hosts_list_replaces_the_guess():
    facebook = {"name": "Facebook", "cookies": ["fr", "_fbp"]}
    assert service_hosts(facebook) == (["facebook.com", "*facebook*"], True)
    assert service_hosts({**facebook, "hosts": ["connect.facebook.net"]}) == (
        ["connect.facebook.net"], False)


@pytest.mark.parametrize("declared, seconds, longer", [
    ("13 months", 395 * 86400, False),
    ("1 year", 395 * 86400, True),
    ("session", 3600, True),
    ("session", None, False),
    ("2 years", 730 * 86400, False),
])
def test_a_cookie_outlives_its_declared_duration(declared, seconds, longer):
    assert lifetimes.exceeds(declared, seconds) is longer


def test_the_shipped_cookie_database_keeps_its_license():
    data = Path(__file__).resolve().parent.parent / "consent_audit" / "data"
    assert "Apache License" in (data / "LICENSE").read_text(encoding="utf-8")
    assert "jkwakman/Open-Cookie-Database" in (data / "SOURCE.md").read_text(encoding="utf-8")
