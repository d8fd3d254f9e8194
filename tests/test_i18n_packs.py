"""One language per visitor: every language is a text pack loaded on demand, so one visitor
downloads the code and the texts of one language, whatever the site's number of languages."""
from __future__ import annotations

import base64
import hashlib
import json
import re

import pytest

from consent_build.output import sizes, sri

from .i18n_sites import TEN, build_languages

BUDGET = 7 * 1024  # brotli bytes one visitor downloads (DESIGN.md, size bar)


def data_of(js: str) -> dict:
    """SITE, TEXTS and PACKS as the bundle holds them (the argument of its one function)."""
    found = re.search(r"\}\)\((\{\"site\".*\})\);\n$", js)
    data = json.loads(found.group(1))
    return {"SITE": data["site"], "TEXTS": data["texts"], "PACKS": data["packs"]}


@pytest.fixture(scope="module")
def ten(tmp_path_factory):
    return build_languages(tmp_path_factory.mktemp("ten"), TEN)


def test_kppay_embeds_no_language_and_has_one_pack_each(dist_dir):
    js = (dist_dir / "kppay" / "consent.js").read_text(encoding="ascii")
    data = data_of(js)
    assert data["TEXTS"] == {} and sorted(data["PACKS"]) == ["en", "fr"]
    assert "rtl" not in data["SITE"]
    assert sorted(p.name.split(".")[1] for p in (dist_dir / "kppay").glob("consent.*.*.js")
                  ) == ["en", "fr"]


def test_ten_languages_are_ten_packs_and_the_bundle_embeds_none(ten):
    out, result = ten
    folder = out / "kppay"
    data = data_of((folder / "consent.js").read_text(encoding="ascii"))
    assert data["TEXTS"] == {}
    assert sorted(data["PACKS"]) == sorted(TEN)
    assert data["SITE"]["rtl"] == ["ar"]
    manifest = json.loads((folder / "manifest.json").read_text())
    for lang, digest in data["PACKS"].items():
        entry = manifest["files"][f"consent.{lang}.js"]
        pack = (folder / entry["file"]).read_bytes()
        # the name i18n.js derives from the digest, the SRI it sets, the sizes served
        assert base64.b64decode(digest) == hashlib.sha256(pack).digest()
        assert entry["file"] == f"consent.{lang}.{hashlib.sha256(pack).hexdigest()[:12]}.js"
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
    bundle = sizes(result["js"])["brotli"]
    assert bundle + sizes(result["packs"][lang])["brotli"] <= BUDGET
