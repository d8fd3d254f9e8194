"""Presets for common services (issue 15): `preset = "…"` fills a service in from a data file
that cites its sources, overridable key by key; each preset builds, shows its cookies in French
and English, and adds its Consent Mode signals to its category."""

from __future__ import annotations

import re

import pytest
from jsonschema import Draft202012Validator

from consent_build import presets
from consent_build.errors import BuildError
from consent_build.site_config import SCHEMA, load_site

from .conftest import ROOT, SITE_TOML, build_site
from .widget_kit import ROOT as SHADOW


def site_with(tmp_path, services_by_category: dict[str, str]):
    """KPpay's site file with services added at the end of some categories."""
    text = SITE_TOML.read_text(encoding="utf-8")
    blocks = re.split(r"(?m)^(?=\[\[categories\]\])", text)
    out = [blocks[0]]
    for block in blocks[1:]:
        cid = re.search(r'(?m)^id = "([^"]+)"', block).group(1)
        out.append(block.rstrip("\n") + "\n" + services_by_category.get(cid, "") + "\n")
    site = tmp_path / "kppay.toml"
    site.write_text("".join(out), encoding="utf-8")
    return site


def by_category() -> dict[str, str]:
    found: dict[str, str] = {}
    for preset in presets.ids():
        category = presets.load(preset)["category"]
        found[category] = found.get(category, "") + (
            f'\n[[categories.services]]\npreset = "{preset}"\n')
    return found


def test_the_schema_lists_exactly_the_preset_files():
    listed = SCHEMA["$defs"]["service"]["properties"]["preset"]["enum"]
    assert tuple(listed) == presets.ids() and len(listed) >= 10


@pytest.mark.parametrize("preset", presets.ids())
def test_each_preset_is_a_service_with_its_sources(preset):
    data = presets.load(preset)
    service = {k: data[k] for k in presets.SERVICE_KEYS}
    schema = {**SCHEMA["$defs"]["service"], "$defs": SCHEMA["$defs"]}
    assert list(Draft202012Validator(schema).iter_errors(service)) == []
    assert data["source"] and all(isinstance(s, str) and s for s in data["source"])
    assert data["category"] in {"performance", "functionality", "targeting", "social"}
    signals = SCHEMA["$defs"]["category"]["properties"]["consent_mode"]["items"]["enum"]
    assert set(data["consent_mode"]) <= set(signals)


@pytest.fixture(scope="module")
def with_presets(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("presets")
    return build_site(tmp / "dist", site_with(tmp, by_category())), tmp / "dist" / "kppay"


def test_every_preset_builds_with_its_texts_in_french_and_english(with_presets):
    result, _ = with_presets
    for preset in presets.ids():
        purpose = presets.load(preset)["purpose"]
        assert purpose in result["texts"]["en"], preset
        french = result["texts"]["fr"]
        assert purpose not in french and all(t for t in french), preset


def test_presets_add_their_consent_mode_signals_to_their_category(tmp_path):
    config = load_site(site_with(tmp_path, by_category()), ROOT / "translations")
    signals = {c["id"]: c["consent_mode"] for c in config.categories}
    assert signals["performance"] == ["analytics_storage"]
    assert signals["targeting"] == ["ad_storage", "ad_user_data", "ad_personalization"]
    services = {s["name"]: s for c in config.categories for s in c["services"]}
    assert {presets.load(p)["name"] for p in presets.ids()} <= set(services)
    ga = services["Google Analytics"]
    assert ga["cookies"] == ["_ga", "_ga_*"] and ga["provider"] == "Google"
    assert ga["hosts"] == presets.load("google-analytics-4")["hosts"]


def test_a_sites_key_overrides_the_presets(tmp_path):
    site = site_with(tmp_path, {"social": '\n[[categories.services]]\npreset = "youtube"\n'
                                          'duration = "1 year"\nprovider = "YouTube (Google)"\n'})
    config = load_site(site, ROOT / "translations")
    (youtube,) = [s for c in config.categories for s in c["services"] if s["name"] == "YouTube"]
    assert youtube["provider"] == "YouTube (Google)" and youtube["duration"] == "1 year"
    assert youtube["cookies"] == presets.load("youtube")["cookies"]
    build_site(tmp_path / "dist", site)  # and it builds: "1 an" is in the French catalog


def test_an_unknown_preset_is_refused_with_its_line(tmp_path):
    site = site_with(tmp_path, {"social": '\n[[categories.services]]\npreset = "tiktok"\n'})
    with pytest.raises(BuildError) as refused:
        build_site(tmp_path / "dist", site)
    lines = site.read_text(encoding="utf-8").splitlines()
    (problem,) = refused.value.problems
    assert problem.line == lines.index('preset = "tiktok"') + 1
    assert "unknown preset 'tiktok'; expected one of facebook, google-analytics-4" in \
        problem.message


def test_a_service_without_a_preset_still_needs_its_keys(tmp_path):
    site = site_with(tmp_path, {"social": '\n[[categories.services]]\nname = "TikTok"\n'})
    with pytest.raises(BuildError) as refused:
        build_site(tmp_path / "dist", site)
    assert sorted(p.message for p in refused.value.problems) == [
        f"categories[4].services[3].{key}: missing; expected a string"
        for key in ("duration", "provider", "purpose")]


@pytest.mark.parametrize(("lang", "switch"), [("fr", None), ("en", "EN")])
def test_the_preferences_show_every_presets_cookies(w, with_presets, lang, switch):
    _, folder = with_presets
    w.server.state.bundle = folder
    w.open()
    w.press("Personnaliser")
    w.wait(lambda: w.find("[role=dialog]"))
    if switch:
        w.js(f"{SHADOW}.querySelector('.bg .lg button').click()")
        w.wait(lambda: "Cookie settings" in w.text("[role=dialog]"))
    w.js(f"{SHADOW}.querySelectorAll('details').forEach(d => d.open = true)")
    shown = w.text("[role=dialog]")
    french = lang == "fr"
    for preset in presets.ids():
        data = presets.load(preset)
        assert data["name"] in shown, preset
        for cookie in data["cookies"]:
            assert cookie in shown, (preset, cookie)
    assert ("Compte les visites et mesure" in shown) is french
    assert ("Counts visits and measures" in shown) is not french
