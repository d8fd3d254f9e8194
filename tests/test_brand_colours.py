"""The page's brand colours (custom properties on the banner's element, brand.js), for a site
that allows them (site.toml's theme.page_colours): used when every pair the banner draws keeps
WCAG 2.2's contrast, in both colour schemes, and refused with a warning that says which pair and
why when one does not; a site that does not allow them ships no byte of the check. Pages under
the strict CSP."""

from __future__ import annotations

import re

import pytest

from consent_build import theme

from .conftest import ROOT as PROJECT
from .conftest import build_site
from .test_theme import themed_site
from .test_widget_axe import axe_source, violations  # noqa: F401 - axe_source is a fixture
from .widget_kit import ROOT

BRAND_JS = PROJECT / "banner_src" / "js" / "brand.js"


@pytest.fixture(scope="module")
def allowing(tmp_path_factory):
    """KPpay's bundle, built with `page_colours = true`."""
    tmp = tmp_path_factory.mktemp("brand")
    build_site(tmp / "dist", themed_site(tmp, "[theme]\npage_colours = true\n"))
    return tmp / "dist" / "kppay"


def bundle(folder) -> bytes:
    return (folder / "consent.js").read_bytes()


def rgb(colour: str) -> str:
    return "rgb({}, {}, {})".format(*(int(colour[i:i + 2], 16) for i in (1, 3, 5)))


def shown(w) -> dict:
    """The colours the first layer is drawn in."""
    return w.js(f"""const r = {ROOT}, s = e => getComputedStyle(e);
        const layer = r.querySelector('[role=region]'), accept = layer.querySelector('.b');
        return {{background: s(layer).backgroundColor, text: s(layer).color,
                 button: s(accept).backgroundColor, border: s(layer).borderTopColor}}""")


def scheme(w, value: str | None) -> None:
    features = [{"name": "prefers-color-scheme", "value": value}] if value else []
    w.driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": features})


def test_the_pairs_checked_in_the_browser_are_the_builds():
    """One list of pairs: brand.js's, by index in its properties, are theme.py's PAIRS."""
    source = BRAND_JS.read_text(encoding="utf-8")
    own = re.findall(r'"(--\w)"', re.search(r"const OWN = \[(.*?)\];", source).group(1))
    page = re.findall(r'"(\w+)"', re.search(r"const PAGE = \[(.*?)\];", source).group(1))
    pairs = re.findall(r"\[(\d), (\d), ([\d.]+)\]",
                       re.search(r"const PAIRS = \[(.*?)\];\n", source).group(1))
    assert dict(zip(page, own, strict=True)) == theme.PROPERTIES
    assert [(page[int(f)], page[int(b)], float(m)) for f, b, m in pairs] == [
        (p.foreground, p.background, p.minimum) for p in theme.PAIRS]


def test_only_the_sites_that_allow_page_colours_carry_their_check(dist_dir, allowing):
    assert b"--consent-" in bundle(allowing)
    assert b"--consent-" not in bundle(dist_dir / "kppay")


def test_a_site_that_does_not_allow_them_keeps_its_own_colours(w):
    w.open("csp-brand.html")
    assert shown(w)["button"] == rgb("#0b4f8a")


def test_the_pages_colours_are_used_when_they_keep_the_contrast(w, allowing,
                                                                axe_source):  # noqa: F811
    w.server.state.bundle = allowing
    w.open("csp-brand.html")
    assert shown(w) == {"background": rgb("#fffbea"), "text": rgb("#1a1a1a"),
                        "button": rgb("#00529b"), "border": rgb("#6b6b6b")}
    assert violations(w, axe_source) == []
    # The preferences' CSS, which comes later with their chunk, keeps them.
    w.press("Personnaliser")
    w.wait(lambda: w.find("[role=dialog]"))
    dialog = w.js(f"""const d = {ROOT}.querySelector('[role=dialog]'), s = e => getComputedStyle(e);
        return [s(d).backgroundColor, s(d.querySelector('.b')).backgroundColor]""")
    assert dialog == [rgb("#fffbea"), rgb("#00529b")]
    assert violations(w, axe_source) == []
    assert w.problems() == []


def test_the_dark_schemes_own_colours_follow_a_change_of_scheme(w, allowing):
    w.server.state.bundle = allowing
    scheme(w, "dark")
    try:
        w.open("csp-brand.html")
        assert shown(w)["button"] == rgb("#ffd200")
        assert shown(w)["background"] == rgb("#0a1f3d")
        # The visitor's system turns light while the page is open.
        scheme(w, "light")
        w.wait(lambda: shown(w)["button"] == rgb("#00529b"), message=str(shown(w)))
        assert shown(w)["background"] == rgb("#fffbea")
    finally:
        scheme(w, None)


def test_colours_under_the_contrast_are_refused_and_the_owner_told_why(w, allowing):
    w.server.state.bundle = allowing
    w.open("csp-brand-low.html")
    # The banner's own colours (banner.css), not the page's yellow.
    assert shown(w) == {"background": rgb("#ffffff"), "text": rgb("#1a1a1a"),
                        "button": rgb("#0b4f8a"), "border": rgb("#595959")}
    (warning,) = [p["message"] for p in w.problems()]
    assert "--consent-accent #ffd200 on --consent-background #fff" in warning
    assert "1.45:1" in warning and "4.5:1" in warning
