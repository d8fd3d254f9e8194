"""The demo's pages are valid HTML by the Nu HTML Checker (vnu-jar, tests/package.json), the
tool that flagged `<script type="text/plain" src=…>`: the markup the README teaches is on
them (data-src, an iframe with data-src, a data-consent-open link)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from .conftest import missing

VNU = Path(__file__).resolve().parent / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"


@pytest.mark.parametrize("path", ["/", "/politique-cookies"])
def test_the_demo_pages_have_no_html_error(app, tmp_path, path):
    java = shutil.which("java")
    if not (java and VNU.is_file()):
        missing("Java and vnu-jar (npm ci --prefix tests)")
    response = app.test_client().get(path)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    if path == "/":  # the README's markup is what is checked
        assert 'type="text/plain" data-consent="performance" data-src=' in html
    page = tmp_path / "page.html"
    page.write_text(html, encoding="utf-8")
    checked = subprocess.run([java, "-jar", str(VNU), "--format", "json", "--errors-only",
                              str(page)], capture_output=True, text=True, timeout=120)
    errors = [f"{m.get('lastLine')}: {m['message']}"
              for m in json.loads(checked.stderr)["messages"]]
    assert errors == []
