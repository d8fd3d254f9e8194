"""The site's theme reaches the banner: KPpay's blue and yellow in both colour schemes, and
the first layer and floating button where the theme puts them (computed styles read back)."""

from __future__ import annotations

from pathlib import Path

import pytest

from .conftest import SITE_TOML, build_site
from .widget_kit import ROOT

LIGHT = {"background": "rgb(255, 251, 234)", "text": "rgb(20, 33, 61)",
         "accent": "rgb(11, 79, 138)"}
DARK = {"background": "rgb(11, 37, 69)", "text": "rgb(245, 247, 250)",
        "accent": "rgb(255, 204, 0)"}


def scheme(w, value: str) -> None:
    w.driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {
        "features": [{"name": "prefers-color-scheme", "value": value}]})


def colours(w) -> dict:
    return w.js("""const r = document.querySelector('[data-consent-banner]').shadowRoot;
        const L = getComputedStyle(r.querySelector('.L'));
        const b = getComputedStyle(r.querySelector('.L .b'));
        return {background: L.backgroundColor, text: L.color, accent: b.backgroundColor,
                label: b.color, link: getComputedStyle(r.querySelector('.L a')).color,
                radius: L.borderTopLeftRadius}""")


@pytest.mark.parametrize(("name", "expected"), [("light", LIGHT), ("dark", DARK)])
def test_kppay_s_theme_is_what_the_banner_draws_in_each_scheme(w, name, expected):
    scheme(w, name)
    try:
        w.open()
        got = colours(w)
    finally:
        scheme(w, "")
    assert {key: got[key] for key in expected} == expected
    # button labels are the background on the accent; links the accent
    assert got["label"] == expected["background"] and got["link"] == expected["accent"]
    assert got["radius"] == "10px"


@pytest.fixture(scope="session")
def placed(tmp_path_factory) -> Path:
    """KPpay with the first layer at the top and the floating button bottom right."""
    folder = tmp_path_factory.mktemp("placed")
    text = SITE_TOML.read_text(encoding="utf-8").replace(
        "radius = 10", 'radius = 0\nlayer = "top"\nbutton = "bottom-right"')
    assert 'layer = "top"' in text
    (folder / "site.toml").write_text(text, encoding="utf-8")
    build_site(folder / "dist", site=folder / "site.toml")
    return folder / "dist" / "kppay"


def test_the_theme_places_the_first_layer_and_the_floating_button(w, placed):
    w.server.state.bundle = placed
    w.open()
    layer = w.js(f"return {ROOT}.querySelector('.L').getBoundingClientRect().toJSON()")
    assert layer["top"] == pytest.approx(15, abs=1)  # 1em from the top
    assert w.js(f"return getComputedStyle({ROOT}.querySelector('.L')).borderTopLeftRadius") == "0px"
    w.press("Tout refuser")
    w.wait(lambda: w.find(".F"))
    button = w.js(f"return {ROOT}.querySelector('.F').getBoundingClientRect().toJSON()")
    width, height = w.js("return [innerWidth, innerHeight]")
    # 1em of its own 13 px from the right and bottom edges
    assert width - button["right"] == pytest.approx(13, abs=1)
    assert height - button["bottom"] == pytest.approx(13, abs=1)
