"""Focus never hidden behind the banner (WCAG 2.2 SC 2.4.11, AA): tabbing through a page whose
links run down its middle, under the first layer, then under the floating button, at desktop
and phone sizes, every page element that takes focus is in view, not behind the banner. The
bar is stricter than the criterion's "not entirely hidden": most of the element is seen (a
sliver at its edge is no way to see where the focus is)."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.keys import Keys

from .conftest import build_site
from .test_theme import themed_site
from .widget_kit import HOST

# The focused page element's visible share, probed on a 7 x 5 grid over its box (the part in
# the window): how many of the 35 points show the element itself (or what is inside it). None
# when focus is inside the banner.
VISIBLE = """var e = document.activeElement;
if (e == """ + HOST + """ || e == document.body) return null;
var r = e.getBoundingClientRect(), hits = 0;
var top = Math.max(r.top, 0), bottom = Math.min(r.bottom, innerHeight);
for (var i = 0; i < 7; i++) for (var j = 0; j < 5; j++) {
  var x = r.left + (i + .5) * r.width / 7, y = top + (j + .5) * (bottom - top) / 5;
  var hit = bottom > top && document.elementFromPoint(x, y);
  if (hit && (hit == e || e.contains(hit))) hits++;
}
return [e.textContent.trim(), hits];"""


@pytest.fixture(scope="module")
def kppay_on_top(tmp_path_factory):
    """KPpay with its first layer themed at the top of the window."""
    tmp = tmp_path_factory.mktemp("on-top")
    build_site(tmp / "dist", themed_site(tmp, '[theme]\nposition = "top"\n'))
    return tmp / "dist" / "kppay"


@pytest.mark.parametrize(("width", "height"), [(1280, 800), (375, 812)])
@pytest.mark.parametrize("cover", ["first layer", "floating button"])
def test_every_focused_page_element_stays_visible(w, width, height, cover):
    walk(w, width, height, cover)


def test_a_first_layer_themed_at_the_top_gets_out_of_the_way_too(w, kppay_on_top):
    w.server.state.bundle = kppay_on_top
    walk(w, 375, 812, "first layer")


def walk(w, width, height, cover):
    w.driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
        "width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600})
    try:
        w.open("links.html")
        if cover == "floating button":
            w.press("Tout refuser")
            w.wait(lambda: w.find(".F") and not w.find("[role=region]"))
        seen = {}
        for _ in range(50):
            w.keys(Keys.TAB)
            state = w.js(VISIBLE)
            if state:
                seen[state[0]] = state[1]
        # The walk reached the page's last links, the ones under the banner at first.
        assert {"Lien 1", "Lien 40", "Gestion des Cookies"} <= seen.keys(), seen
        hidden = [name for name, hits in seen.items() if hits < 35 / 2]
        assert hidden == [], f"focused but hidden behind the banner: {hidden}"
    finally:
        w.driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
