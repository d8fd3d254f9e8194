"""The first layer, the preferences and the ways back to them, in headless Chromium."""

from __future__ import annotations

from .widget_kit import ROOT


def test_fresh_profile_shows_the_first_layer_without_taking_focus(w):
    w.open()
    region = w.find("[role=region]")
    assert w.js("return arguments[0].getAttribute('aria-labelledby')", region) == "cb-t"
    assert w.text("#cb-t") == "Les cookies sur KPpay"
    host = w.js("return document.querySelector('[data-consent-banner]')")
    assert w.js("return arguments[0].dataset.consentBanner", host) == "kppay"
    assert w.js("return arguments[0].hasAttribute('data-nosnippet')", host)
    assert w.js("return document.body.firstElementChild") == host  # first stop of Tab
    assert w.js("return document.activeElement") == w.js("return document.body")
    assert w.js("return getComputedStyle(arguments[0]).position", region) == "fixed"
    assert w.js(f"return {ROOT}.querySelector('a').getAttribute('href')") == "/politique-cookies"
    assert not w.find("input:checked")  # no pre-ticked box anywhere
    added = w.js("return Object.keys(window).filter(k => !keysBefore.includes(k))")
    # Besides the test's own (firstFrame, keysBefore), the iframe (0) and chromedriver's.
    assert set(added) - {"firstFrame", "keysBefore", "0", "ret_nodes"} == {"ConsentBanner"}
    assert w.problems() == []


def test_the_three_choices_have_the_same_size_and_colours(w):
    w.open()
    boxes = w.js(f"""return [...{ROOT}.querySelectorAll('.acts button')].map(b => {{
        var r = b.getBoundingClientRect(), s = getComputedStyle(b);
        return [b.textContent, Math.round(r.width), Math.round(r.height), s.color,
                s.backgroundColor, s.fontWeight]; }})""")
    assert [b[0] for b in boxes] == ["Tout accepter", "Tout refuser", "Personnaliser"]
    assert len({tuple(b[1:]) for b in boxes}) == 1, boxes


def test_the_page_does_not_move_and_stays_usable(w):
    # A page without blocked iframes: their placeholders are the page's content, and
    # whether they shift it depends on the sizes the site gives them.
    w.open("plain.html")
    shift = w.driver.execute_async_script("""var done = arguments[0], sum = 0;
        new PerformanceObserver(list => list.getEntries().forEach(e => sum += e.value))
          .observe({type: 'layout-shift', buffered: true});
        setTimeout(() => done(sum), 200);""")
    assert shift == 0
    # Outside the banner the page is the page: no wall over it.
    assert w.js("""var r = document.querySelector('h1').getBoundingClientRect();
        return document.elementFromPoint(r.x + 5, r.y + r.height / 2).tagName""") == "H1"


def test_customize_opens_a_labelled_modal_dialog_in_site_order(w):
    w.open()
    w.press("Personnaliser")
    dialog = w.wait(lambda: w.find("[role=dialog]"))
    attrs = w.js("""var d = arguments[0]; return [d.getAttribute('aria-modal'),
        d.getRootNode().getElementById(d.getAttribute('aria-labelledby')).textContent,
        d.getRootNode().getElementById(d.getAttribute('aria-describedby')).textContent]""",
                 dialog)
    assert attrs[0] == "true" and attrs[1] == "Gestion des Cookies" and attrs[2]
    switches = w.js(f"""return [...{ROOT}.querySelectorAll('[role=switch]')].map(s =>
        [s.getAttribute('aria-label'), s.checked, s.disabled])""")
    assert switches == [
        ["Cookies essentiels", True, True],
        ["Cookies de performance", False, False],
        ["Cookies de fonctionnalité", False, False],
        ["Cookies de ciblage ou publicitaires", False, False],
        ["Cookies de réseaux sociaux", False, False],
    ]
    assert "Toujours actifs" in w.text("[role=dialog]")
    assert w.js("return arguments[0].hidden", w.find("[role=region]"))
    # Each category opens on its description and its cookies or services.
    w.js(f"{ROOT}.querySelectorAll('summary')[4].click()")
    social = w.text(".c:nth-of-type(5) details")
    for part in ("Facebook · Meta Platforms", "Cookies : fr, _fbp, datr", "Durée : 3 mois",
                 "LinkedIn", "réseaux sociaux"):
        assert part in social, social
    w.js(f"{ROOT}.querySelectorAll('summary')[1].click()")
    assert "WT_fpc · KPpay" in w.text(".c:nth-of-type(2) details")
    assert "Durée : 13 mois" in w.text(".c:nth-of-type(2) details")


def test_save_my_choices_records_exactly_the_switches(w):
    w.open()
    w.press("Personnaliser")
    w.wait(lambda: w.find("[role=dialog]"))
    w.js(f"{ROOT}.querySelectorAll('[role=switch]')[2].click()")
    w.press("Enregistrer mes choix")
    w.wait(lambda: not w.find("[role=dialog]"))
    assert w.choice()["choices"] == {"essential": True, "performance": False,
                                     "functionality": True, "targeting": False,
                                     "social": False}
    assert not w.find("[role=region]")
    w.wait(lambda: w.ran() == ["func"])


def test_language_switch_on_both_layers(w):
    w.open()
    w.press("EN")
    w.wait(lambda: w.text("#cb-t") == "Cookies on KPpay")
    assert "Accept all" in w.text() and "Customize" in w.text()
    # The host carries the language; everything in its shadow root inherits it.
    assert w.js(f"return {ROOT}.host.lang") == "en"
    assert w.focused() == "BUTTON:FR"
    w.press("Customize")
    w.wait(lambda: w.find("[role=dialog]"))
    w.js(f"{ROOT}.querySelectorAll('[role=switch]')[1].click()")
    w.js(f"{ROOT}.querySelectorAll('summary')[1].click()")  # the visitor opens performance
    w.press("FR")
    w.wait(lambda: w.text("#cb-d") == "Gestion des Cookies")
    # The switches, and the categories opened, stay as the visitor set them before switching.
    assert w.js(f"return {ROOT}.querySelectorAll('[role=switch]')[1].checked")
    assert w.js(f"return [...{ROOT}.querySelectorAll('details')].map(d => d.open)") == [
        False, True, False, False, False]
    assert "Enregistrer mes choix" in w.text("[role=dialog]")


def test_reopen_link_and_floating_button_show_the_choice_and_its_reference(w):
    w.open()
    w.press("Tout refuser")
    w.wait(lambda: w.find(".F"))
    consent_id = w.choice()["consent_id"]
    w.driver.find_element("css selector", "[data-consent-open]").click()
    w.wait(lambda: w.find("[role=dialog]"))
    text = w.text("[role=dialog]")
    assert f"Votre référence de consentement : {consent_id}" in text
    w.press("Tout accepter")
    w.wait(lambda: not w.find("[role=dialog]"))
    w.open(wait_for=".F")  # next page: no first layer, the floating button
    assert not w.find("[role=region]")
    assert w.text(".F") == "Gestion des Cookies"
    w.click(".F")
    w.wait(lambda: w.find("[role=dialog]"))
    assert w.js(f"return [...{ROOT}.querySelectorAll('[role=switch]')].every(s => s.checked)")
    assert w.js("return ConsentBanner.get().consent_id") == consent_id


def test_api_get_granted_set_on_off_and_the_dom_event(w):
    w.open()
    assert w.js("return ConsentBanner.get()") is None
    assert w.js("return ConsentBanner.granted('essential')") is True
    assert w.js("return ConsentBanner.granted('performance')") is False
    w.js("""window.seen = []; window.evs = [];
        window.stop = ConsentBanner.on('change', c => seen.push(c.choices.performance));
        document.addEventListener('consentbanner:change', e => evs.push(e.detail.choices));""")
    w.js("ConsentBanner.set({performance: true})")
    assert w.js("return ConsentBanner.granted('performance')") is True
    assert w.ran() == ["perf1", "perf-inline", "perf2"] or w.wait(
        lambda: w.ran() == ["perf1", "perf-inline", "perf2"])
    w.js("stop(); ConsentBanner.refuseAll()")
    assert w.js("return seen") == [True]
    assert [e["performance"] for e in w.js("return evs")] == [True, False]
    w.js("ConsentBanner.acceptAll()")
    assert w.js("return ConsentBanner.get().choices.targeting") is True
    assert w.js("return ConsentBanner.granted('nonsense')") is False
    w.js("ConsentBanner.show()")
    w.wait(lambda: w.find("[role=dialog]"))
    assert w.find("[role=dialog]")
    assert w.problems() == []


def test_the_first_layer_is_visible_in_the_frame_its_host_is_inserted(w):
    w.open()
    first = w.js("return window.firstFrame")
    assert first and first["opacity"] == "1" and first["display"] != "none"
    assert first["height"] > 100


def test_usable_at_320_px_and_at_200_percent_zoom(w):
    # 320 CSS px wide: a phone, or 640 px at 200% zoom (WCAG 1.4.10 reflow).
    for width, height in ((320, 640), (640, 400)):
        w.driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
            "width": width, "height": height, "deviceScaleFactor": 1, "mobile": False})
        try:
            w.open()
            for layer in ("[role=region]", "[role=dialog]"):
                if layer == "[role=dialog]":
                    w.press("Personnaliser")
                    w.wait(lambda: w.find("[role=dialog]"))
                assert w.js("return document.documentElement.scrollWidth") <= width
                boxes = w.js(f"""return [...{ROOT}.querySelectorAll(
                    '{layer} button, {layer} summary, {layer} input')].map(e => {{
                    var r = e.getBoundingClientRect(); return [r.left, r.right, r.width]; }})""")
                assert boxes and all(0 <= b[0] and b[1] <= width and b[2] >= 24 for b in boxes)
        finally:
            w.driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def test_reduced_motion_turns_transitions_off(w):
    switch = f"return getComputedStyle({ROOT}.querySelectorAll('[role=switch]')[1], '::before')"
    w.open()
    w.js("ConsentBanner.show()")
    w.wait(lambda: w.find("[role=dialog]"))
    assert w.js(switch + ".transitionDuration") != "0s"
    w.driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": [
        {"name": "prefers-reduced-motion", "value": "reduce"}]})
    try:
        assert w.js(switch + ".transitionDuration") == "0s"
    finally:
        w.driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": []})


def test_the_floating_button_can_be_turned_off_by_the_site(w):
    w.open("nobutton.html")
    w.press("Tout refuser")
    w.wait(lambda: not w.find("[role=region]"))
    assert not w.find(".F")
    w.driver.find_element("css selector", "[data-consent-open]").click()
    w.wait(lambda: w.find("[role=dialog]"))
