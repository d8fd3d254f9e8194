"""The build writes a complete, reproducible dist/<site>/ and nothing else."""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import subprocess
import sys

import brotli
import pytest

from consent_build.cli import main

from .conftest import ROOT, SITE_TOML, build_site


def test_build_writes_hashed_stable_compressed_and_manifest(dist_dir):
    files = sorted(p.name for p in (dist_dir / "kppay").iterdir())
    manifest = json.loads((dist_dir / "kppay" / "manifest.json").read_text())
    # A bundle per language, hashed and stable (French, the default, is consent.js), a
    # text pack per language, to switch to it, and the preferences chunk of each language's
    # bundle, fetched when the preferences first open.
    bundles = [manifest["files"][name]["file"] for name in ("consent.js", "consent-en.js")]
    packs = [manifest["files"][f"consent.{lang}.js"]["file"] for lang in ("fr", "en")]
    prefs = [manifest["files"][f"consent-prefs.{lang}.js"]["file"] for lang in ("fr", "en")]
    assert files == sorted([name + suffix
                            for name in [*bundles, "consent.js", "consent-en.js", *packs,
                                         *prefs]
                            for suffix in ("", ".gz", ".br")] + ["manifest.json", "release.json"])
    assert manifest["site"] == "kppay"
    assert manifest["revision"] == 1
    assert manifest["languages"] == ["fr", "en"]
    # The server gives each rights request this due date (policy section 7: 45 days).
    assert manifest["rights_response_days"] == 45 and manifest["cookie_name"] == "consent_banner"
    assert manifest["lifetime_days"] == 180
    assert manifest["categories"] == ["essential", "performance", "functionality",
                                      "targeting", "social"]
    assert manifest["required"] == ["essential"]
    assert len(manifest["inputs_sha256"]) == 64


def test_hashed_name_and_sri_match_the_bytes(dist_dir):
    site = dist_dir / "kppay"
    entry = json.loads((site / "manifest.json").read_text())["files"]["consent.js"]
    data = (site / entry["file"]).read_bytes()
    assert entry["file"] == f"consent.{hashlib.sha256(data).hexdigest()[:12]}.js"
    digest = base64.b64encode(hashlib.sha384(data).digest()).decode()
    assert entry["integrity"] == f"sha384-{digest}"
    assert (site / "consent.js").read_bytes() == data


def test_compressed_siblings_decompress_to_the_file_and_sizes_are_true(dist_dir):
    site = dist_dir / "kppay"
    entry = json.loads((site / "manifest.json").read_text())["files"]["consent.js"]
    for name in (entry["file"], "consent.js"):
        raw = (site / name).read_bytes()
        assert gzip.decompress((site / f"{name}.gz").read_bytes()) == raw
        assert brotli.decompress((site / f"{name}.br").read_bytes()) == raw
    assert entry["bytes"] == {
        "raw": len(raw),
        "gzip": (site / "consent.js.gz").stat().st_size,
        "brotli": (site / "consent.js.br").stat().st_size,
    }


def test_each_bundle_embeds_one_language_the_others_are_packs_and_no_source_msgid_ships(
        dist_dir):
    site = dist_dir / "kppay"
    manifest = json.loads((site / "manifest.json").read_text())
    js = (site / "consent.js").read_text(encoding="ascii")
    en = (site / manifest["files"]["consent.en.js"]["file"]).read_text(encoding="ascii")
    assert "Accept all" in en and "Tout accepter" not in en
    assert "Tout accepter" in js and "Accept all" not in js  # one language per visitor
    english = (site / "consent-en.js").read_text(encoding="ascii")
    assert "Accept all" in english and "Tout accepter" not in english
    assert manifest["files"]["consent-en.js"]["language"] == "en"
    # Each bundle can switch to the others: its packs' names and SRI are in it.
    fr_pack = manifest["files"]["consent.fr.js"]["file"]
    assert fr_pack in english and fr_pack not in js
    assert manifest["files"]["consent.en.js"]["file"] in js
    # French accents are escaped so the file reads right whatever charset it is served with;
    # the categories' titles are in the preferences chunk (bundle.py), the first layer's
    # texts in the bundle.
    chunk = (site / manifest["files"]["consent-prefs.fr.js"]["file"]).read_text(encoding="ascii")
    assert "Cookies de r\\u00e9seaux sociaux" in chunk
    assert "s\\u00e9curit\\u00e9" in js
    # Source comments and the msgids of _() calls are gone: only the tables remain.
    for shipped in (js, chunk):
        assert "TRANSLATORS" not in shipped
        assert '_("' not in shipped


def test_same_inputs_give_byte_identical_outputs(tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    build_site(first)
    build_site(second)
    names = sorted(p.name for p in (first / "kppay").iterdir())
    assert names == sorted(p.name for p in (second / "kppay").iterdir())
    for name in names:
        assert (first / "kppay" / name).read_bytes() == (second / "kppay" / name).read_bytes()


def test_a_failed_build_leaves_the_old_dist_untouched(tmp_path, capsys):
    out = tmp_path / "dist"
    build_site(out)
    before = {p.name: p.read_bytes() for p in (out / "kppay").iterdir()}
    broken = tmp_path / "site.toml"
    broken.write_text(SITE_TOML.read_text().replace("revision = 1", "revision = 0"))
    assert main(["--site", str(broken), "--out", str(out)]) == 1
    assert "site.revision: expected a whole number of at least 1" in capsys.readouterr().err
    assert {p.name: p.read_bytes() for p in (out / "kppay").iterdir()} == before
    assert sorted(p.name for p in out.iterdir()) == ["kppay"]  # no staging folder left


def test_check_validates_without_writing(tmp_path, capsys):
    out = tmp_path / "dist"
    assert main(["--check", "--out", str(out)]) == 0
    assert "valid" in capsys.readouterr().out
    assert not out.exists()


def test_build_prints_a_size_report(tmp_path, capsys):
    assert main(["--out", str(tmp_path)]) == 0
    report = capsys.readouterr().out
    assert "raw" in report and "gzip" in report and "brotli" in report
    assert "of which CSS" in report


def test_build_py_runs_as_a_script_and_exits_non_zero_on_error(tmp_path):
    broken = tmp_path / "site.toml"
    broken.write_text(SITE_TOML.read_text().replace('id = "kppay"', 'id = "KP pay"'))
    result = subprocess.run([sys.executable, str(ROOT / "build.py"), "--site", str(broken),
                             "--out", str(tmp_path / "dist")],
                            capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 1
    assert "site.toml:10: site.id: expected a site id of lower-case letters" in result.stderr
    assert not (tmp_path / "dist").exists()


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_an_incomplete_catalog_fails_the_build_with_its_line(tmp_path, capsys, lang):
    translations = tmp_path / "translations"
    import shutil

    shutil.copytree(ROOT / "translations", translations)
    po = translations / lang / "LC_MESSAGES" / "banner.po"
    lines = po.read_text().splitlines()
    target = next(i for i, line in enumerate(lines) if line == 'msgid "Refuse all"')
    lines[target + 1] = 'msgstr ""'
    po.write_text("\n".join(lines) + "\n")
    # The build fills the source language's empty entries with their msgids (its update
    # step); `check` shows what a translator emptied by hand.
    command = ["check"] if lang == "en" else []
    code = main([*command, "--translations", str(translations), "--out", str(tmp_path / "dist")])
    assert code == 1
    err = capsys.readouterr().err
    assert f"banner.po:{target + 1}: empty translation for 'Refuse all'" in err
    assert not (tmp_path / "dist").exists()


def test_site_option_builds_another_site_beside_kppay(tmp_path):
    other = tmp_path / "other.toml"
    other.write_text(SITE_TOML.read_text().replace('id = "kppay"', 'id = "boutique"')
                     .replace('name = "KPpay"', 'name = "Boutique"'))
    out = tmp_path / "dist"
    assert main(["--out", str(out)]) == 0
    assert main(["--site", str(other), "--out", str(out)]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["boutique", "kppay"]
    js = (out / "boutique" / "consent.js").read_text()
    assert 'id:"boutique"' in js and "Les cookies sur Boutique" in js  # French is embedded


def test_the_build_commands_load_nothing_of_the_audit_or_the_server():
    """A translator's install (requirements/build.txt) has neither Selenium nor Jinja2."""
    code = ("import sys; from consent_build.cli import _parser; _parser(); "
            "print(sorted({'selenium', 'jinja2', 'flask', 'sqlalchemy'} & set(sys.modules)))")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                            text=True, timeout=60, check=True)
    assert result.stdout.strip() == "[]"
