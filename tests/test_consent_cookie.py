"""consent_cookie, the helper a site's own server uses: the cookie a real banner wrote, read
back as the widget reads it; a stale, expired or malformed cookie is no choice, never an
error."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import pytest

from consent_cookie import Choice, Policy

from .widget_kit import ROOT

CATEGORIES = ("essential", "performance", "functionality", "targeting", "social")


@pytest.fixture
def policy(dist_dir) -> Policy:
    return Policy.from_manifest(dist_dir / "kppay" / "manifest.json")


def cookie(policy: Policy, **overrides) -> dict[str, str]:
    """The cookie as the widget writes it: encodeURIComponent(JSON.stringify(choice))."""
    choice = {"consent_id": "0123456789abcdef0123456789abcdef", "revision": 1,
              "client_time": datetime.now(UTC).isoformat(timespec="milliseconds")
              .replace("+00:00", "Z"),
              "choices": {c: c in ("essential", "performance") for c in CATEGORIES},
              **overrides}
    return {policy.cookie_name: quote(json.dumps(choice, separators=(",", ":")), safe="")}


def test_the_manifest_gives_the_sites_cookie_revision_lifetime_and_required(policy):
    assert policy == Policy("consent_banner", 1, 180, frozenset({"essential"}))


def test_what_a_real_banner_wrote_reads_back_as_the_visitor_chose(w, policy):
    w.open()
    w.press("Personnaliser")
    w.wait(lambda: w.find("[role=dialog]"))
    w.js(f"{ROOT}.querySelectorAll('[role=switch]')[2].click()")  # functionality on
    w.press("Enregistrer mes choix")
    w.wait(lambda: w.driver.get_cookie("consent_banner"))
    choice = policy.read({"consent_banner": w.driver.get_cookie("consent_banner")["value"]})
    assert choice.consent_id == w.js("return ConsentBanner.get().consent_id")
    assert {c: choice.granted(c) for c in CATEGORIES} == {
        c: w.js(f"return ConsentBanner.granted('{c}')") for c in CATEGORIES}
    assert [c for c in CATEGORIES if choice.granted(c)] == ["essential", "functionality"]


def test_no_cookie_grants_the_required_categories_only(policy):
    choice = policy.read({})
    assert choice == Choice(frozenset({"essential"}))
    assert choice.granted("essential") and not choice.granted("performance")


def test_a_standing_choice_grants_what_it_says(policy):
    choice = policy.read(cookie(policy))
    assert choice.consent_id == "0123456789abcdef0123456789abcdef"
    assert [c for c in CATEGORIES if choice.granted(c)] == ["essential", "performance"]
    assert not choice.granted("unknown")


@pytest.mark.parametrize("overrides", [
    {"revision": 2},                                   # the policy changed since: ask again
    {"revision": True},                                # JSON true is not revision 1
    {"client_time": (datetime.now(UTC) - timedelta(days=181)).isoformat()},  # expired
    {"client_time": "2026-11-29T08:00:00"},            # no zone: not what the widget writes
    {"client_time": "yesterday"},
    {"consent_id": "0123456789ABCDEF0123456789ABCDEF"},
    {"consent_id": 12},
    {"choices": ["performance"]},
], ids=["revision", "revision-true", "expired", "naive-time", "bad-time", "upper-id",
        "number-id", "choices-list"])
def test_a_stale_or_malformed_choice_is_no_choice(policy, overrides):
    choice = policy.read(cookie(policy, **overrides))
    assert choice.consent_id is None and not choice.granted("performance")
    assert choice.granted("essential")


@pytest.mark.parametrize("value", ["", "%", "not json", "%7B", "null", "[]", "\"text\"",
                                   quote('{"consent_id": null}'),
                                   "%5B" * 1300])  # deeper than Python's JSON parser goes
def test_a_cookie_a_client_made_up_never_raises(policy, value):
    assert policy.read({"consent_banner": value}).consent_id is None


def test_a_granted_category_must_be_true_not_merely_truthy(policy):
    choices = {"essential": True, "performance": 1, "functionality": "yes", "targeting": True}
    choice = policy.read(cookie(policy, choices=choices))
    assert [c for c in CATEGORIES if choice.granted(c)] == ["essential", "targeting"]
