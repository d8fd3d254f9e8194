"""A keyboard-only walk through both layers: Tab order, the focus trap, Escape, focus return."""

from __future__ import annotations

from selenium.webdriver.common.keys import Keys


def test_keyboard_walk_through_first_layer_and_preferences(w):
    w.open()
    assert w.focused().startswith("BODY")  # the banner does not take focus on load
    stops = []
    for _ in range(5):
        w.keys(Keys.TAB)
        stops.append(w.focused())
    assert stops == ["BUTTON:EN", "A:Lire la Politique d'Utilisatio", "BUTTON:Tout accepter",
                     "BUTTON:Tout refuser", "BUTTON:Personnaliser"]
    w.keys(Keys.ENTER)
    w.wait(lambda: w.find("[role=dialog]"))
    assert w.focused().startswith("DIV:")  # the dialog itself takes focus
    # Tab goes round inside the dialog, never to the page behind it.
    seen = []
    for _ in range(14):
        w.keys(Keys.TAB)
        seen.append(w.focused())
    expected = ["BUTTON:EN", "BUTTON:Fermer", "SUMMARY:Cookies essentiels",
                "SUMMARY:Cookies de performance", "INPUT:Cookies de performance",
                "SUMMARY:Cookies de fonctionnalité", "INPUT:Cookies de fonctionnalité",
                "SUMMARY:Cookies de ciblage ou publicit",
                "INPUT:Cookies de ciblage ou publicitaires",
                "SUMMARY:Cookies de réseaux sociaux", "INPUT:Cookies de réseaux sociaux",
                "BUTTON:Enregistrer mes choix", "BUTTON:Tout accepter", "BUTTON:Tout refuser"]
    assert seen == expected
    w.keys(Keys.TAB)
    assert w.focused() == "BUTTON:EN"  # wrapped to the first
    w.shift_tab()
    assert w.focused() == "BUTTON:Tout refuser"  # and back to the last
    # Escape closes without deciding, and focus returns to "Personnaliser".
    w.keys(Keys.ESCAPE)
    w.wait(lambda: not w.find("[role=dialog]"))
    assert w.focused() == "BUTTON:Personnaliser"
    assert w.choice() is None
    assert not w.js("return arguments[0].hidden", w.find("[role=region]"))
    # Open again, switch performance on with Space, save with Enter.
    w.keys(Keys.ENTER)
    w.wait(lambda: w.find("[role=dialog]"))
    for _ in range(5):
        w.keys(Keys.TAB)
    assert w.focused() == "INPUT:Cookies de performance"
    w.keys(Keys.SPACE)
    for _ in range(7):
        w.keys(Keys.TAB)
    assert w.focused() == "BUTTON:Enregistrer mes choix"
    w.keys(Keys.ENTER)
    w.wait(lambda: not w.find("[role=dialog]"))
    assert w.choice()["choices"]["performance"] is True
    # The first layer is gone: focus goes to the floating button, not lost.
    assert w.focused() == "BUTTON:Gestion des Cookies"


def test_focus_returns_to_the_page_link_that_opened_the_preferences(w):
    w.open()
    w.js("document.querySelector('[data-consent-open]').focus()")
    w.keys(Keys.ENTER)
    w.wait(lambda: w.find("[role=dialog]"))
    w.keys(Keys.TAB, Keys.TAB)
    assert w.focused() == "BUTTON:Fermer"
    w.keys(Keys.ENTER)
    w.wait(lambda: not w.find("[role=dialog]"))
    assert w.focused() == "A:Gestion des Cookies"


def test_details_open_with_the_keyboard_and_their_content_is_not_a_tab_stop_when_closed(w):
    w.open()
    w.js("ConsentBanner.show()")
    w.wait(lambda: w.find("[role=dialog]"))
    w.keys(Keys.TAB, Keys.TAB, Keys.TAB, Keys.TAB)
    assert w.focused() == "SUMMARY:Cookies de performance"
    w.keys(Keys.ENTER)
    assert w.js("return arguments[0].open", w.find(".c:nth-of-type(2) details"))
    w.keys(Keys.TAB)
    assert w.focused() == "INPUT:Cookies de performance"
