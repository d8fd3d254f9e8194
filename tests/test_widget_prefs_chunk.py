"""The preferences chunk (banner_src/js/prefs-load.js), in headless Chromium: most visitors
never open the preferences, so their code, texts, items and CSS come in a file of their own,
fetched the first time they open, once; when it cannot load, the visitor is told and can
still accept, refuse and withdraw from the first layer."""

from __future__ import annotations

import pytest

from .widget_kit import ROOT

FAILED = ("Les paramètres des cookies n’ont pas pu être chargés. Vous pouvez toujours tout "
          "accepter ou tout refuser ici.")
FAILED_EN = ("The cookie settings could not be loaded. You can still accept or refuse all cookies "
             "here.")


def chunk_requests(w) -> list:
    """The page's requests of a preferences chunk, as the browser's resource timing saw them."""
    return w.js("""return performance.getEntriesByType('resource').map(e => e.name)
        .filter(n => n.includes('/consent-prefs.'))""")


def bundle_requests(w) -> list:
    return w.js("""return performance.getEntriesByType('resource').map(e => e.name)
        .filter(n => /\\/c\\/consent[-.]/.test(n))""")


def display(w, selector: str) -> str:
    return w.js("return getComputedStyle(arguments[0]).display", w.find(selector))


def test_a_visitor_who_never_opens_the_preferences_never_fetches_them(w):
    w.open()
    w.press("Tout accepter")
    w.wait(lambda: w.find(".F"))
    w.open(wait_for=".F")  # the next page, with the floating button
    assert chunk_requests(w) == []
    assert [name.rsplit("/", 1)[1] for name in bundle_requests(w)] == ["consent.js"]


def test_the_first_open_fetches_the_chunk_once_and_the_dialog_works_as_before(w):
    w.open()
    assert chunk_requests(w) == []
    w.press("Personnaliser")
    w.wait(lambda: w.find("[role=dialog]"))
    [url] = chunk_requests(w)
    assert "/c/consent-prefs.fr." in url
    assert w.focused().startswith("DIV:")  # focus moved into the dialog, as before
    assert w.find(".L").get_attribute("hidden") is not None
    assert w.text("#cb-d") == "Gestion des Cookies"
    assert "Enregistrer mes choix" in w.text("[role=dialog]")
    assert "WT_fpc" in w.text("[role=dialog]")  # the items, from the chunk
    w.keys("\ue00c")  # Escape: trap.js, from the chunk
    w.wait(lambda: not w.find("[role=dialog]"))
    assert w.focused() == "BUTTON:Personnaliser"
    w.press("Personnaliser")
    w.wait(lambda: w.find("[role=dialog]"))
    performance = w.js(f"""var s = {ROOT}.querySelector('[role=switch]:not(:disabled)');
        s.click(); return s.getAttribute('aria-label')""")
    assert performance == "Cookies de performance"
    w.press("Enregistrer mes choix")
    w.wait(lambda: w.find(".F"))
    assert w.choice()["choices"] == {"essential": True, "performance": True,
                                     "functionality": False, "targeting": False,
                                     "social": False}
    w.click(".F")  # the floating button: no request any more
    w.wait(lambda: w.find("[role=dialog]"))
    assert len(chunk_requests(w)) == 1
    w.js("ConsentBanner.refuseAll()")
    w.js("ConsentBanner.show()")  # the API
    w.wait(lambda: w.find("[role=dialog]"))
    assert len(chunk_requests(w)) == 1
    assert w.problems() == []


def test_while_the_chunk_loads_the_banner_stays_put_and_a_second_ask_waits(w):
    w.server.state.prefs_fault = "slow"
    w.open()
    w.press("Personnaliser")
    w.press("Personnaliser")  # still there and usable while the chunk comes
    assert not w.find("[role=dialog]") and w.find(".L").get_attribute("hidden") is None
    w.wait(lambda: w.find("[role=dialog]"))
    assert len(chunk_requests(w)) == 1
    assert w.js(f"return {ROOT}.querySelectorAll('[role=dialog]').length") == 1
    assert w.focused().startswith("DIV:")
    w.keys("\ue00c")
    w.wait(lambda: not w.find("[role=dialog]"))
    assert w.focused() == "BUTTON:Personnaliser"


@pytest.mark.parametrize("fault", ["missing", "altered"])
def test_a_chunk_that_cannot_load_leaves_the_first_layer_and_withdrawal_possible(w, fault):
    w.server.state.prefs_fault = fault  # a 404, or bytes that fail its SRI
    w.open()
    w.press("Personnaliser")
    w.wait(lambda: w.text("[role=status]"))
    assert w.text(".L [role=status]") == FAILED
    assert not w.find("[role=dialog]")
    assert len(chunk_requests(w)) == 1
    w.press("Tout accepter")  # a choice is still possible
    w.wait(lambda: w.find(".F"))
    w.click(".F")  # withdrawing: the floating button gives the first layer instead
    w.wait(lambda: w.find(".L"))
    w.wait(lambda: w.text(".L [role=status]"))
    assert w.text(".L [role=status]") == FAILED
    assert display(w, ".F") == "none"  # out of the first layer's way
    assert w.focused() == "BUTTON:Tout accepter"  # focus left the hidden button for the layer
    w.press("Tout refuser")
    w.wait(lambda: not w.find(".L"))
    assert not any(w.choice()["choices"][c] for c in ("performance", "targeting", "social"))
    w.wait(lambda: len(w.events()) == 2)
    assert '"action":"withdraw"' in w.events()[-1][1]
    assert display(w, ".F") != "none"
    w.server.state.prefs_fault = None  # back online: the next ask loads it
    w.click(".F")
    w.wait(lambda: w.find("[role=dialog]"))


def test_after_a_failure_a_language_switch_keeps_the_floating_button_out_of_the_way(w):
    w.server.state.prefs_fault = "missing"
    w.open()
    w.press("Tout accepter")
    w.wait(lambda: w.find(".F"))
    w.click(".F")
    w.wait(lambda: w.find(".L"))
    w.press("EN")  # both redraw themselves; still one at a time
    w.wait(lambda: w.text("#cb-t") == "Cookies on KPpay")
    assert display(w, ".F") == "none" and w.button("Refuse all")
    # and the visitor is still told why, in the new language
    assert w.text(".L [role=status]") == FAILED_EN


def test_the_failure_is_said_in_a_live_region_that_was_there_before_it(w):
    """A screen reader reads a status region out when its text changes, not when the region
    arrives with its text: when the floating button asked, the layer is made, then told."""
    w.server.state.prefs_fault = "missing"
    w.open()
    w.press("Tout accepter")
    w.wait(lambda: w.find(".F"))
    w.js(f"""window.statusSeen = [];
        new MutationObserver(() => {{
          const status = {ROOT}.querySelector('.L [role=status]');
          if (status) statusSeen.push(status.textContent);
        }}).observe({ROOT}, {{childList: true, subtree: true, characterData: true}});""")
    w.click(".F")
    w.wait(lambda: w.text(".L [role=status]"))
    seen = w.js("return statusSeen")
    assert seen[0] == "" and seen[-1] == FAILED, seen


@pytest.mark.parametrize("page", ["csp.html", "nonce.html"])
def test_the_chunk_loads_under_a_strict_csp_with_the_banners_nonce(w, page):
    w.open(page)
    w.press("Personnaliser")
    w.wait(lambda: w.find("[role=dialog]"))
    assert len(chunk_requests(w)) == 1
    assert w.js("return window.violations") == []
    assert w.js(f"return {ROOT}.adoptedStyleSheets.length") == 1
    # the dialog's CSS came with the chunk: its backdrop covers the window
    assert w.js(f"return getComputedStyle({ROOT}.querySelector('.bg')).position") == "fixed"


def test_a_switch_of_language_gives_the_preferences_the_new_language(w):
    w.open()
    w.press("Personnaliser")
    w.wait(lambda: w.find("[role=dialog]"))
    w.press("EN")
    w.wait(lambda: w.text("#cb-d") == "Cookie settings")
    assert "Save my choices" in w.text("[role=dialog]")
    assert "Performance" in w.text("[role=dialog]")
    w.press("FR")
    w.wait(lambda: w.text("#cb-d") == "Gestion des Cookies")
    assert "Enregistrer mes choix" in w.text("[role=dialog]")
