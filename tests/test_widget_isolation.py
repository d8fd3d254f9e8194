"""The banner against its host: hostile CSS, a strict CSP, nonces, a broken dataLayer,
Google Consent Mode, Global Privacy Control, and a text pack that cannot load."""

from __future__ import annotations

import json

from .widget_kit import ROOT


def csp_reports(w) -> list:
    return [e for e in w.driver.get_log("browser") if "Content Security Policy" in e["message"]]


def test_hostile_page_css_does_not_break_the_banner(w):
    w.open("hostile.html")
    # The page's own buttons are gone, ours are shown, sized and clickable.
    assert w.js("return getComputedStyle(document.body).display") == "inline"
    for label in ("Tout accepter", "Tout refuser", "Personnaliser"):
        size = w.js("var r = arguments[0].getBoundingClientRect(); return [r.width, r.height]",
                    w.button(label))
        assert size[0] > 80 and size[1] >= 44, (label, size)
    region = w.find("[role=region]")
    assert w.js("return getComputedStyle(arguments[0]).position", region) == "fixed"
    assert w.js("return getComputedStyle(arguments[0]).backgroundColor", region) in (
        "rgb(255, 251, 234)", "rgb(11, 37, 69)")  # KPpay's theme, light or dark
    w.click(".acts button:nth-child(3)")  # a real click, at the button's place on screen
    w.wait(lambda: w.find("[role=dialog]"))
    w.press("Tout accepter")
    w.wait(lambda: len(w.ran()) == 5)
    assert w.problems() == []


def test_strict_csp_page_works_with_zero_violations(w):
    w.open("csp.html")
    w.press("Personnaliser")
    w.wait(lambda: w.find("[role=dialog]"))
    w.press("Tout accepter")
    w.wait(lambda: len(w.ran()) == 5)
    assert w.ran() == ["perf1", "perf-inline", "perf2", "func", "target"]
    w.wait(lambda: w.events())  # the consent event went out under connect-src 'self'
    w.wait(lambda: w.js("return document.querySelector('iframe').getAttribute('src')"))
    assert w.js("return window.violations") == []
    assert csp_reports(w) == []
    assert w.js(f"return {ROOT}.adoptedStyleSheets.length") == 1
    assert w.js(f"return {ROOT}.querySelectorAll('[style], style').length") == 0


def test_a_text_pack_that_cannot_load_leaves_the_banner_in_the_default_language(w):
    w.server.state.packs_missing = True
    w.js("localStorage.setItem('consent_banner.lang', 'en')")  # chosen on an earlier page
    w.open()
    assert "Tout accepter" in w.text() and w.js(f"return {ROOT}.host.lang") == "fr"
    # The pack's 404 is all the browser reports: no uncaught error, no warning of ours.
    problems = w.problems()
    assert len(problems) == 1 and "404" in problems[0]["message"], problems
    assert w.js("return window.ConsentBanner.get()") is None
    w.press("Tout accepter")
    w.wait(lambda: len(w.ran()) == 5)


def test_activated_scripts_get_the_banner_nonce_or_keep_their_own(w):
    w.open("nonce.html")
    w.press("Tout accepter")
    w.wait(lambda: len(w.ran()) == 5)
    assert w.ran() == ["perf1", "perf-inline", "perf2", "func", "target"]  # the inline one too
    assert w.js("return window.violations") == []


def test_consent_mode_default_before_any_choice_then_update(w):
    w.open("csp-gtag.html")
    calls = w.js("return dataLayer.map(a => Array.from(a))")
    assert calls == [["consent", "default", {
        "security_storage": "granted", "analytics_storage": "denied",
        "functionality_storage": "denied", "personalization_storage": "denied",
        "ad_storage": "denied", "ad_user_data": "denied", "ad_personalization": "denied"}]]
    w.js("ConsentBanner.set({performance: true})")
    calls = w.js("return dataLayer.map(a => Array.from(a))")
    assert calls[-1][:2] == ["consent", "update"]
    assert calls[-1][2]["analytics_storage"] == "granted"
    assert calls[-1][2]["ad_storage"] == "denied"
    w.open("csp-gtag.html", wait_for=".F")  # next page: default, then the stored choice
    calls = w.js("return dataLayer.map(a => Array.from(a).slice(0, 2))")
    assert calls == [["consent", "default"], ["consent", "update"]]


def test_a_throwing_host_datalayer_does_not_break_the_banner(w):
    w.open("csp-throwing.html")
    w.press("Tout accepter")
    w.wait(lambda: len(w.ran()) == 5)
    assert w.choice()["choices"]["performance"] is True
    w.wait(lambda: w.events())
    warnings = w.problems()
    # What the banner caught is reported as a warning, never as an uncaught error.
    assert all(e["level"] == "WARNING" and "host dataLayer is broken" in e["message"]
               for e in warnings), warnings


def test_global_privacy_control_presets_targeting_to_refused_and_says_so(w):
    w.open("gpc.html")
    w.press("Personnaliser")
    w.wait(lambda: w.find("[role=dialog]"))
    assert "Global Privacy Control" in w.text("[role=dialog] .n")
    w.press("Tout accepter")
    w.wait(lambda: w.events())
    assert w.choice()["choices"] == {"essential": True, "performance": True,
                                     "functionality": True, "targeting": False, "social": True}
    assert "target" not in w.ran()
    body = json.loads(w.events()[0][1])
    assert body["gpc"] is True and body["choices"]["targeting"] is False
    # The visitor may still switch it on themselves.
    w.js("ConsentBanner.set({targeting: true})")
    w.wait(lambda: "target" in w.ran())
