"""A site's theme (issue 15): colours in both schemes, corners and positions from site.toml,
refused under WCAG 2.2's contrast minimums with the file, line and ratio, and applied as the
computed styles a visitor's browser shows."""

from __future__ import annotations

import pytest

from consent_build import theme
from consent_build.errors import BuildError

from .conftest import ROOT, SITE_TOML, build_site
from .widget_kit import ROOT as SHADOW

# KPpay's blue and yellow (the yellow carries the dark scheme, where it reads on navy).
KPPAY_THEME = (ROOT / "bench" / "kppay-theme.toml").read_text(encoding="utf-8")


def themed_site(tmp_path, table: str):
    site = tmp_path / "kppay.toml"
    site.write_text(SITE_TOML.read_text(encoding="utf-8") + "\n" + table, encoding="utf-8")
    return site


def test_contrast_is_wcags_ratio():
    assert theme.contrast("#000", "#fff") == pytest.approx(21)
    assert theme.contrast("#fff", "#fff") == pytest.approx(1)
    assert theme.contrast("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)
    assert theme.contrast("#777777", "#ffffff") < 4.5 < theme.contrast("#767676", "#ffffff")


def test_the_banners_own_colours_meet_every_minimum():
    css = (ROOT / "banner_src" / "css" / "banner.css").read_text(encoding="utf-8")
    import rcssmin

    assert theme.problems({}, rcssmin.cssmin(css), "banner.css", lambda *_: None) == []


def test_a_theme_under_the_minimum_is_refused_with_its_line_and_ratio(tmp_path):
    site = themed_site(tmp_path, '\n[theme]\naccent = "#ffd200"\n\n[theme.dark]\n'
                                 'text = "#555555"\n')
    with pytest.raises(BuildError) as refused:
        build_site(tmp_path / "dist", site)
    lines = site.read_text(encoding="utf-8").splitlines()
    shown = {(p.line, p.message) for p in refused.value.problems}
    accent_line = lines.index('accent = "#ffd200"') + 1
    text_line = lines.index('text = "#555555"') + 1
    assert (accent_line, "theme (light scheme): accent #ffd200 on background #fff has a contrast "
            "of 1.45:1; links, the language switch and the floating button need at least 4.5:1 "
            "(WCAG 2.2 AA)") in shown
    assert any(line == accent_line and "the buttons' text" in message
               for line, message in shown)
    assert any(line == text_line and "(dark scheme): text #555555 on background #1f2227"
               in message for line, message in shown)
    assert not (tmp_path / "dist").exists()  # nothing written


def test_a_malformed_colour_is_refused_by_the_schema(tmp_path):
    site = themed_site(tmp_path, '\n[theme]\naccent = "blue"\n')
    with pytest.raises(BuildError) as refused:
        build_site(tmp_path / "dist", site)
    (problem,) = refused.value.problems
    assert "#rgb or #rrggbb" in problem.message and problem.line == len(
        site.read_text(encoding="utf-8").splitlines())


def test_a_site_without_a_theme_ships_the_css_as_it_is(dist_dir):
    css = (ROOT / "banner_src" / "css" / "banner.css").read_text(encoding="utf-8")
    import rcssmin

    assert theme.themed_css({}, rcssmin.cssmin(css)) == rcssmin.cssmin(css)


@pytest.fixture(scope="module")
def kppay_themed(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("themed")
    build_site(tmp / "dist", themed_site(tmp, KPPAY_THEME))
    return tmp / "dist" / "kppay"


def styles(w) -> dict:
    return w.js(f"""const r = {SHADOW}, s = e => getComputedStyle(e);
        const layer = r.querySelector('[role=region]'), accept = layer.querySelector('.b');
        return {{layer: s(layer).backgroundColor, text: s(layer).color,
                 button: s(accept).backgroundColor, buttonText: s(accept).color,
                 radius: s(layer).borderTopLeftRadius,
                 left: layer.getBoundingClientRect().left,
                 right: innerWidth - layer.getBoundingClientRect().right}}""")


@pytest.mark.parametrize(("scheme", "expected"), [
    ("light", {"layer": "rgb(255, 255, 255)", "text": "rgb(26, 26, 26)",
               "button": "rgb(0, 68, 140)", "buttonText": "rgb(255, 255, 255)"}),
    ("dark", {"layer": "rgb(10, 31, 61)", "text": "rgb(245, 247, 250)",
              "button": "rgb(255, 210, 0)", "buttonText": "rgb(10, 31, 61)"})])
def test_the_theme_is_what_the_visitor_sees_in_both_schemes(w, kppay_themed, scheme, expected):
    w.server.state.bundle = kppay_themed
    w.driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": [
        {"name": "prefers-color-scheme", "value": scheme}]})
    try:
        w.open()
        shown = styles(w)
    finally:
        w.driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": []})
    assert {k: shown[k] for k in expected} == expected
    assert shown["radius"] == "14px"
    # Bottom-right: against the right edge (1em), far from the left one.
    assert shown["right"] == pytest.approx(15, abs=1) and shown["left"] > 100
