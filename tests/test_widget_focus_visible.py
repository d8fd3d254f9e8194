"""Focus never hidden behind the banner (WCAG 2.2 SC 2.4.11): tabbing through a page whose
links sit under the first layer, and later under the floating button, at desktop and phone
sizes, every page element that takes focus is clear of the banner."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.keys import Keys

# The focused element, and whether each of nine points of its box (inset 2 px) shows it rather
# than the banner's host: elementFromPoint sees through nothing but what is on top.
FOCUSED = """
const el = document.activeElement, host = document.querySelector('[data-consent-banner]');
if (!el || el === document.body || el === host) return null;
const r = el.getBoundingClientRect(), hidden = [];
for (const fx of [0, .5, 1]) for (const fy of [0, .5, 1]) {
  const x = r.left + 2 + fx * (r.width - 4), y = r.top + 2 + fy * (r.height - 4);
  const top = document.elementFromPoint(x, y);
  const shown = top && top !== host && (el === top || el.contains(top) || top.contains(el));
  if (!shown) hidden.push([x, y]);
}
return {name: el.textContent.trim().slice(0, 30) || el.tagName, hidden,
        inside: r.top >= 0 && r.bottom <= innerHeight};
"""


@pytest.fixture(params=[(1280, 800), (375, 812)], ids=["desktop", "phone"])
def sized(w, request):
    width, height = request.param
    w.driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
        "width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 500})
    yield w
    w.driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def tab_through(w, presses: int) -> list[dict]:
    seen = []
    for _ in range(presses):
        ActionChains(w.driver).send_keys(Keys.TAB).perform()
        focused = w.js(FOCUSED)
        if focused:
            seen.append(focused)
    return seen


def test_every_tabbed_page_element_is_clear_of_the_banner(sized):
    w = sized
    w.open("links.html")
    assert w.js("return document.documentElement.scrollHeight > innerHeight")
    # Under the first layer: the links, the placeholder's buttons, the footer's link.
    seen = tab_through(w, 40)
    assert any(f["name"] == "Gestion des Cookies" for f in seen)  # the footer was reached
    assert [f for f in seen if f["hidden"] or not f["inside"]] == []
    # Then under the floating button, after a choice.
    w.js("ConsentBanner.refuseAll(); scrollTo(0, 0); document.activeElement.blur()")
    w.wait(lambda: w.find(".F"))
    seen = tab_through(w, 40)
    assert any(f["name"] == "Gestion des Cookies" for f in seen)
    assert [f for f in seen if f["hidden"] or not f["inside"]] == []
