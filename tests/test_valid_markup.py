"""The pages of ours a visitor reads are valid HTML by the Nu HTML Checker (vnu-jar from the npm
registry, run with Java): the KPpay demo (its blocked script written the valid way, data-src),
the policy page and the rights form."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from .conftest import ROOT, missing

VNU = ROOT / "tests" / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
PAGES = {"demo.html": "/", "policy.html": "/politique-cookies", "rights.html": "/rights/kppay"}


def check(folder) -> list[dict]:
    """The checker's errors for every .html file of `folder`."""
    java = shutil.which("java")
    if java is None:
        missing("Java (Debian's default-jre-headless), for the Nu HTML Checker")
    if not VNU.is_file():
        pytest.fail("the Nu HTML Checker is missing: npm ci --prefix tests", pytrace=False)
    run = subprocess.run([java, "-jar", str(VNU), "--format", "json", "--exit-zero-always",
                          *sorted(str(p) for p in folder.glob("*.html"))],
                         capture_output=True, text=True, timeout=120)
    messages = json.loads(run.stderr or run.stdout)["messages"]
    return [m for m in messages if m["type"] == "error"]


def test_the_demo_the_policy_and_the_rights_form_have_no_html_error(app, tmp_path):
    client = app.test_client()
    for name, path in PAGES.items():
        page = client.get(path)
        assert page.status_code == 200, path
        (tmp_path / name).write_bytes(page.data)
    errors = check(tmp_path)
    assert errors == [], "\n".join(
        f"{e['url'].rsplit('/', 1)[-1]}:{e.get('lastLine')}: {e['message']}" for e in errors)


def test_the_checker_sees_the_invalid_form_the_readme_used_to_show(tmp_path):
    # So that a checker that found nothing is not mistaken for valid pages.
    (tmp_path / "old.html").write_text(
        '<!doctype html><html lang="fr"><title>t</title><script type="text/plain" '
        'data-consent="performance" src="/analytics.js"></script></html>', encoding="utf-8")
    (error,) = check(tmp_path)
    assert "must not have a “src” attribute" in error["message"]
