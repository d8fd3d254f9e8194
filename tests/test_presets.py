"""Presets for common services: each one builds, is shown with its cookies in French and in
English, gives its category its Consent Mode signals, and yields to the fields a site gives."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from consent_build.bundle import read_site_data
from consent_build.presets import FOLDER, load_preset, preset_ids
from consent_build.site_config import SCHEMA, load_site

from .conftest import ROOT, build_site
from .widget_kit import ROOT as SHADOW

# KPpay's descriptions: texts the catalogs already hold.
ESSENTIAL = ("These cookies are essential for our website and services to work: they let you "
             "browse the site and use its features, such as access to secure areas.")
PERFORMANCE = ("These cookies collect information about how visitors use our site, for example "
               "which pages are visited most and whether error messages are shown. They help "
               "us improve how the site works.")
# One site naming every preset, each in the category its signals belong to.
CATEGORIES = {
    "analytics": ["google-analytics-4", "google-tag-manager", "matomo", "hotjar"],
    "advertising": ["meta-pixel", "linkedin-insight"],
    "embeds": ["youtube", "vimeo", "facebook-embed", "x-embed"],
}
SITE = f"""
[site]
id = "presets"
name = "Presets"
policy_url = "/politique-cookies"
revision = 1
languages = ["fr", "en"]
default_language = "fr"
endpoint = "/api/v1/consents"

[[categories]]
id = "essential"
required = true
title = "Essential cookies"
description = "{ESSENTIAL}"
""" + "".join(f"""
[[categories]]
id = "{cid}"
title = "Performance cookies"
description = "{PERFORMANCE}"
""" + "".join(f'\n[[categories.services]]\npreset = "{p}"\n' for p in presets)
    for cid, presets in CATEGORIES.items())


def test_every_preset_file_is_in_the_schema_and_in_the_test_site():
    service = SCHEMA["$defs"]["service"]["properties"]
    assert service["preset"]["enum"] == preset_ids()
    assert sorted(sum(CATEGORIES.values(), [])) == preset_ids()
    assert len(preset_ids()) == 10


@pytest.mark.parametrize("preset_id", preset_ids())
def test_each_preset_cites_its_source_and_fills_what_a_service_needs(preset_id):
    text = (FOLDER / f"{preset_id}.toml").read_text(encoding="utf-8")
    assert "Source:" in text and "https://" in text
    preset = load_preset(preset_id)
    assert set(preset) == {"name", "provider", "purpose", "cookies", "duration", "hosts",
                           "consent_mode"}
    assert tomllib.loads(text) == preset


@pytest.mark.parametrize("preset_id", preset_ids())
def test_each_preset_is_a_service_the_schema_accepts(preset_id):
    # A preset's fields land in a site's service after the schema check: they must be what a
    # site could write itself (hosts as issue 17's `hosts`: plain host names covering their
    # subdomains, which the placeholders' host-to-service function is built from).
    service = {key: value for key, value in load_preset(preset_id).items()
               if key != "consent_mode"}
    schema = {"$defs": SCHEMA["$defs"], **SCHEMA["$defs"]["service"]}
    errors = [f"{list(e.absolute_path)}: {e.message}"
              for e in Draft202012Validator(schema).iter_errors(service)]
    assert errors == []


@pytest.fixture(scope="module")
def presets_site(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("presets")
    (folder / "site.toml").write_text(SITE, encoding="utf-8")
    build_site(folder / "dist", site=folder / "site.toml")
    return folder


def test_each_preset_builds_and_maps_to_consent_mode(presets_site):
    dist = presets_site / "dist" / "presets"
    manifest = json.loads((dist / "manifest.json").read_text(encoding="utf-8"))
    data = read_site_data((dist / manifest["files"]["consent.js"]["file"]).read_text())
    names = json.loads((ROOT / "banner_src" / "compiled" / "widget.json").read_text())
    short = names["properties"]
    site = data["site"]
    by_id = {c["id"]: c for c in site[short["categories"]]}
    for cid, presets in CATEGORIES.items():
        category = by_id[cid]
        signals = category[short["consentMode"]]
        items = category[short["items"]]
        assert [item["name"] for item in items] == [load_preset(p)["name"] for p in presets]
        for preset_id, item in zip(presets, items, strict=True):
            preset = load_preset(preset_id)
            assert set(preset["consent_mode"]) <= set(signals), preset_id
            assert item.get(short["cookies"], []) == preset["cookies"]
    # Their hosts are issue 17's: an embed from YouTube's host is named in its placeholder.
    assert [".www.youtube-nocookie.com", "YouTube"] in site[short["hosts"]]
    assert by_id["analytics"][short["consentMode"]] == ["analytics_storage"]
    assert by_id["advertising"][short["consentMode"]] == [
        "ad_storage", "ad_user_data", "ad_personalization"]
    assert by_id["embeds"][short["consentMode"]] == []


def test_a_field_given_wins_over_the_preset_s(tmp_path):
    text = SITE.replace('preset = "matomo"\n', 'preset = "matomo"\nduration = "6 months"\n'
                        'cookies = ["_pk_id*"]\n')
    (tmp_path / "site.toml").write_text(text, encoding="utf-8")
    config = load_site(tmp_path / "site.toml", ROOT / "translations")
    matomo = config.categories[1]["services"][2]
    assert (matomo["name"], matomo["duration"], matomo["cookies"]) == (
        "Matomo", "6 months", ["_pk_id*"])
    assert matomo["hosts"] == [] and "preset" in matomo


def test_a_preset_whose_signal_another_category_holds_is_refused_with_its_line(tmp_path):
    text = SITE.replace('preset = "youtube"', 'preset = "google-analytics-4"')
    (tmp_path / "site.toml").write_text(text, encoding="utf-8")
    from consent_build.errors import BuildError

    with pytest.raises(BuildError) as caught:
        load_site(tmp_path / "site.toml", ROOT / "translations")
    (problem,) = caught.value.problems
    lines = text.splitlines()
    at = [n for n, line in enumerate(lines, 1) if 'preset = "google-analytics-4"' in line][1]
    assert problem.line == at
    assert "categories[3].services[0].preset: preset 'google-analytics-4' grants the Consent " \
        "Mode signal 'analytics_storage', already mapped to category 'analytics'" in str(problem)


@pytest.mark.parametrize(("lang", "purpose", "duration"), [
    ("fr", "Lit les vidéos intégrées à nos pages ; YouTube enregistre ce que vous regardez.",
     "Durée : 6 mois"),
    ("en", "Plays the videos embedded in our pages; YouTube records what you watch.",
     "Duration: 6 months"),
])
def test_each_preset_is_shown_with_its_cookies_in_french_and_english(
        w, presets_site, lang, purpose, duration):
    w.server.state.bundle = presets_site / "dist" / "presets"
    w.js("localStorage.setItem('consent_banner.lang', arguments[0])", lang)
    w.open()
    w.js("ConsentBanner.show()")
    w.wait(lambda: w.find("[role=dialog]"))
    w.js(f"{SHADOW}.querySelectorAll('details').forEach(d => d.open = true)")
    shown = w.js(f"return {SHADOW}.querySelector('[role=dialog]').innerText")
    for preset_id in preset_ids():
        preset = load_preset(preset_id)
        assert preset["name"] in shown
        for cookie in preset["cookies"]:
            assert cookie in shown, (preset_id, cookie)
    assert purpose in shown and duration in shown
