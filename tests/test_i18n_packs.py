"""One language per visitor: the site's default language is embedded in the bundle, every
other language is a text pack loaded on demand, so one visitor downloads the code and the
texts of one language, whatever the site's number of languages."""
from __future__ import annotations

import base64
import hashlib
import json
from itertools import zip_longest

import pytest

from consent_build.bundle import read_prefs_data, read_site_data
from consent_build.output import sizes, sri

from .conftest import ROOT
from .i18n_sites import TEN, build_languages

MAPS = {"texts", "packs"}  # keyed by language
BUDGET = 7 * 1024  # brotli bytes one visitor downloads (DESIGN.md, size bar)


def short_name(field: str) -> str:
    """A field of the site data as the compiled code names it (widget.json)."""
    record = json.loads((ROOT / "banner_src" / "compiled" / "widget.json").read_text())
    return record["properties"][field]


def data_of(js: str) -> dict:
    """SITE, TEXTS and PACKS as the bundle holds them (the argument of its one function),
    with the fields' long names (the compiled code's short ones are in widget.json)."""
    record = json.loads((ROOT / "banner_src" / "compiled" / "widget.json").read_text())
    long_names = {short: name for name, short in record["properties"].items()}

    def readable(value, is_record=True):
        if isinstance(value, list):
            return [readable(v) for v in value]
        if not isinstance(value, dict):
            return value
        out = {}
        for key, field in value.items():  # a record's fields are renamed, a language is not
            name = long_names.get(key, key) if is_record else key
            out[name] = readable(field, not is_record or name not in MAPS)
        return out

    data = readable(read_site_data(js))
    return {"SITE": data["site"], "TEXTS": data["texts"], "PACKS": data["packs"]}


@pytest.fixture(scope="module")
def ten(tmp_path_factory):
    return build_languages(tmp_path_factory.mktemp("ten"), TEN)


def test_kppays_bundles_embed_one_language_and_name_the_others_pack(dist_dir):
    folder = dist_dir / "kppay"
    data = data_of((folder / "consent.js").read_text(encoding="ascii"))
    assert sorted(data["TEXTS"]) == ["fr"] and sorted(data["PACKS"]) == ["en"]
    assert data["SITE"]["defaultLanguage"] == "fr" and "rtl" not in data["SITE"]
    english = data_of((folder / "consent-en.js").read_text(encoding="ascii"))
    assert sorted(english["TEXTS"]) == ["en"] and sorted(english["PACKS"]) == ["fr"]
    # What an English page shows when the visitor wants none of the site's languages.
    assert english["SITE"]["defaultLanguage"] == "en"
    assert sorted(p.name.split(".")[1] for p in folder.glob("consent.*.*.js")) == ["en", "fr"]


def test_ten_languages_are_ten_bundles_each_with_nine_packs(ten):
    out, result = ten
    folder = out / "kppay"
    manifest = json.loads((folder / "manifest.json").read_text())
    for lang in TEN:
        name = "consent.js" if lang == "fr" else f"consent-{lang}.js"
        data = data_of((folder / manifest["files"][name]["file"]).read_text(encoding="ascii"))
        # the texts only the preferences show are 0 in the bundle, and in its preferences
        # chunk (bundle.py); the two together are the language's table
        [own] = data["TEXTS"].values()
        chunk = read_prefs_data((folder / manifest["files"][f"consent-prefs.{lang}.js"][
            "file"]).read_text(encoding="ascii"))[short_name("texts")]
        assert sorted(data["TEXTS"]) == [lang]
        assert [a or b for a, b in zip_longest(own, chunk, fillvalue=0)] == result["texts"][lang]
        assert sorted(data["PACKS"]) == sorted(set(TEN) - {lang})
        assert data["SITE"]["rtl"] == ["ar"]
    data = data_of((folder / "consent-ar.js").read_text(encoding="ascii"))
    for lang, pack_entry in data["PACKS"].items():
        entry = manifest["files"][f"consent.{lang}.js"]
        pack = (folder / entry["file"]).read_bytes()
        # the file packs.js loads and the SRI it sets; the sizes served
        assert pack_entry["file"] == entry["file"]
        assert entry["file"] == f"consent.{lang}.{hashlib.sha256(pack).hexdigest()[:12]}.js"
        digest = base64.b64encode(hashlib.sha256(pack).digest()).decode()
        assert pack_entry["integrity"] == f"sha256-{digest}"
        assert entry["integrity"] == sri(pack) and entry["bytes"] == sizes(pack)
        assert (folder / (entry["file"] + ".br")).is_file()
        assert (folder / (entry["file"] + ".gz")).is_file()
        table = json.loads(pack.decode("ascii").split("=", 1)[1].rstrip(";\n"))
        assert table == result["texts"][lang]


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_one_visitor_of_a_ten_language_site_stays_under_the_budget(ten, lang):
    # The real languages' packs: the eight stand-ins are pseudo-locales, lengthened and
    # accented on purpose, so they compress worse than any real translation would.
    # Figures with distinct texts per language: bench/i18n_sizes.py
    _, result = ten
    assert sizes(result["bundles"][lang])["brotli"] <= BUDGET  # the bundle of their language
