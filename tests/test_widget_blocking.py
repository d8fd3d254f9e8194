"""Blocking until consent, activation without reload, withdrawal, and asking again."""

from __future__ import annotations

import json
import time
import urllib.parse
from pathlib import Path

import pytest

from .conftest import SITE_TOML, build_site
from .widget_kit import ROOT

DECLARED_NON_ESSENTIAL = {"WT_fpc", "User ID", "fr", "_fbp", "datr", "guest_id",
                          "personalization_id", "bcookie", "lidc", "li_gc"}


@pytest.fixture(scope="session")
def revision_2(tmp_path_factory) -> Path:
    """KPpay with its revision raised, and a `prefix*` cookie declared for performance."""
    folder = tmp_path_factory.mktemp("rev2")
    text = SITE_TOML.read_text(encoding="utf-8").replace("revision = 1", "revision = 2")
    text = text.replace('name = "WT_fpc"', 'name = "_pk_id*"\nprovider = "KPpay"\n'
                        'purpose = "Remembers your cookie choices."\nduration = "13 months"\n\n'
                        '[[categories.cookies]]\nname = "WT_fpc"', 1)
    assert "revision = 2" in text and "_pk_id*" in text
    (folder / "site.toml").write_text(text, encoding="utf-8")
    build_site(folder / "dist", site=folder / "site.toml")
    return folder / "dist" / "kppay"


def test_nothing_blocked_runs_and_no_declared_cookie_before_a_choice(w):
    w.open()
    time.sleep(0.5)  # time for anything that wrongly ran to show
    assert w.ran() == []
    assert not set(w.cookies()) & DECLARED_NON_ESSENTIAL
    assert "consent_banner" not in w.cookies()
    frame = w.js("return document.querySelector('iframe')")
    assert w.js("return arguments[0].hidden && !arguments[0].getAttribute('src')", frame)
    placeholder = w.js("""var p = document.querySelector('iframe').previousElementSibling;
        return p.shadowRoot.textContent""")
    assert "Ce contenu est hébergé par Facebook" in placeholder


def test_refuse_all_never_runs_anything(w):
    w.open()
    w.press("Tout refuser")
    w.open(wait_for=".F")
    time.sleep(0.5)
    assert w.ran() == []
    assert w.choice()["choices"] == dict.fromkeys(
        ["essential", "performance", "functionality", "targeting", "social"], False) | {
        "essential": True}
    assert not set(w.cookies()) & DECLARED_NON_ESSENTIAL


def test_accepting_one_category_runs_only_its_scripts_once_in_order_without_reload(w):
    w.open()
    w.js("window.samePage = 1")
    w.press("Personnaliser")
    w.wait(lambda: w.find("[role=dialog]"))
    w.js(f"{ROOT}.querySelectorAll('[role=switch]')[1].click()")
    w.press("Enregistrer mes choix")
    w.wait(lambda: len(w.ran()) == 3)
    # perf1 is served 300 ms late: without chaining it would run last.
    assert w.ran() == ["perf1", "perf-inline", "perf2"]
    assert w.js("return window.samePage") == 1
    assert w.cookies().get("WT_fpc") == "1"
    # Saving again, or a new blocked script of a refused category, runs nothing twice.
    w.js("ConsentBanner.set({performance: true})")
    w.js("""var s = document.createElement('script'); s.type = 'text/plain';
        s.dataset.consent = 'targeting'; s.src = '/s/target.js'; document.body.append(s);""")
    time.sleep(0.4)
    assert w.ran() == ["perf1", "perf-inline", "perf2"]
    # Scripts added later of a granted category run (MutationObserver), once.
    w.js("""var s = document.createElement('script'); s.type = 'text/plain';
        s.dataset.consent = 'performance'; s.textContent = 'ran.push("late")';
        document.body.append(s);""")
    w.wait(lambda: w.ran()[-1:] == ["late"])
    time.sleep(0.2)
    assert w.ran() == ["perf1", "perf-inline", "perf2", "late"]
    assert w.js("return document.querySelectorAll('script[type=\"text/plain\"]').length") == 3


def test_iframe_placeholder_loads_its_content_and_grants_its_category(w):
    w.open()
    placeholder = w.js("return document.querySelector('iframe').previousElementSibling")
    button = w.js("""return [...arguments[0].shadowRoot.querySelectorAll('button')]
        .find(b => b.textContent === 'Charger le contenu')""", placeholder)
    button.click()
    w.wait(lambda: w.js("return document.querySelector('iframe').getAttribute('src')"))
    assert w.js("return document.querySelector('iframe').hidden") is False
    assert w.js("return document.querySelector('iframe').previousElementSibling") != placeholder
    assert w.choice()["choices"]["social"] is True
    assert w.choice()["choices"]["performance"] is False


def test_withdrawal_deletes_the_category_cookies_and_says_a_reload_completes_it(w):
    w.open()
    w.press("Tout accepter")
    w.wait(lambda: "func" in w.ran())
    assert {"WT_fpc", "User ID"} <= set(w.cookies())
    w.driver.find_element("css selector", "[data-consent-open]").click()
    w.wait(lambda: w.find("[role=dialog]"))
    w.js(f"{ROOT}.querySelectorAll('[role=switch]')[2].click()")  # functionality off
    w.press("Enregistrer mes choix")
    w.wait(lambda: "User ID" not in w.cookies())
    assert "WT_fpc" in w.cookies()  # still granted: kept
    status = w.text("[role=status]")
    assert "rechargement de la page" in status
    assert w.find("[role=dialog]")  # stays open to say so
    assert w.events()[-1][1] and json.loads(w.events()[-1][1])["action"] == "withdraw"


def test_revision_bump_asks_again_and_withdrawal_handles_prefix_patterns(w, revision_2):
    w.open()
    w.press("Tout accepter")
    w.wait(lambda: "perf2" in w.ran())
    assert "_pk_id.1" in w.cookies()
    old_id = w.choice()["consent_id"]
    w.server.state.bundle = revision_2
    w.open()  # asked again: the first layer is back
    assert w.ran() == []
    w.press("Tout refuser")
    w.wait(lambda: "_pk_id.1" not in w.cookies())
    assert "WT_fpc" not in w.cookies()
    assert w.choice()["revision"] == 2
    assert w.choice()["consent_id"] == old_id  # the same visitor, a new revision


@pytest.mark.parametrize("value", [
    "expired",  # older than the site's lifetime (180 days)
    "%7Bnot json",
    urllib.parse.quote(json.dumps({"consent_id": "x", "revision": 1, "choices": {}})),
])
def test_expired_or_unreadable_choice_asks_again_without_error(w, value):
    if value == "expired":
        old = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(time.time() - 181 * 86400))
        value = urllib.parse.quote(json.dumps({
            "consent_id": "a" * 32, "revision": 1, "client_time": old,
            "choices": {"essential": True, "performance": True}}))
    w.driver.get(w.server.url + "/blank")
    w.driver.add_cookie({"name": "consent_banner", "value": value, "path": "/"})
    w.open()
    assert w.ran() == []
    assert w.problems() == []
