"""axe-core (the npm package, installed by scripts/setup.sh's ensure_axe) finds no
accessibility violation in any state of the widget, in French and in English."""

from __future__ import annotations

from pathlib import Path

import pytest

from .conftest import missing
from .widget_kit import ROOT

AXE = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"


@pytest.fixture(scope="module")
def axe_source() -> str:
    if not AXE.is_file():
        missing("axe-core (npm ci --prefix tests)")
    return AXE.read_text(encoding="utf-8")


def violations(w, axe_source: str) -> list:
    if not w.js("return !!window.axe"):
        w.js(axe_source)
    result = w.driver.execute_async_script("""var done = arguments[0];
        axe.run(document, {resultTypes: ['violations']}).then(
          r => done(r.violations.map(v => [v.id, v.impact, v.nodes.map(n => n.target)])),
          e => done(['axe failed', String(e)]));""")
    return result


@pytest.mark.parametrize("language", ["FR", "EN"])
def test_no_violations_with_first_layer_and_with_preferences(w, axe_source, language):
    w.open()
    if language == "EN":
        w.press("EN")
        w.wait(lambda: w.text("#cb-t") == "Cookies on KPpay")
    assert violations(w, axe_source) == []
    w.press("Personnaliser" if language == "FR" else "Customize")
    w.wait(lambda: w.find("[role=dialog]"))
    assert violations(w, axe_source) == []
    # Every category open, with the consent reference and the GPC-free state.
    w.js(f"{ROOT}.querySelectorAll('details').forEach(d => d.open = true)")
    assert violations(w, axe_source) == []


def test_no_violations_after_a_choice_and_on_the_placeholder(w, axe_source):
    w.open()
    w.press("Tout refuser")
    w.wait(lambda: w.find(".F"))
    assert violations(w, axe_source) == []
    w.js("ConsentBanner.show()")
    w.wait(lambda: w.find("[role=dialog] .ref"))
    assert violations(w, axe_source) == []


def test_no_violations_in_dark_mode(w, axe_source):
    w.driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": [
        {"name": "prefers-color-scheme", "value": "dark"}]})
    try:
        w.open()
        assert violations(w, axe_source) == []
        w.press("Personnaliser")
        w.wait(lambda: w.find("[role=dialog]"))
        assert violations(w, axe_source) == []
    finally:
        w.driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": []})
