"""The translators' commands, run as a translator runs them: `python build.py extract`,
`update`, `init <lang>`, `check` (Babel does the work; we check the results)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from consent_build.messages import JS_KEYWORDS, rewrite_calls
from consent_build.site_config import DURATION

from .conftest import ROOT, SITE_TOML


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / "build.py"), *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)


def read(path: Path):
    with path.open("rb") as fileobj:
        return read_po(fileobj)


@pytest.fixture(scope="module")
def extracted(tmp_path_factory):
    """A template freshly extracted from the working tree."""
    out = tmp_path_factory.mktemp("extract")
    result = run("extract", "--translations", str(out))
    assert result.returncode == 0, result.stderr
    return read(out / "banner.pot")


@pytest.fixture
def workspace(tmp_path) -> tuple[Path, Path]:
    """A copy of the catalogs and of the site file, for commands that write."""
    shutil.copytree(ROOT / "translations", tmp_path / "translations")
    shutil.copy(SITE_TOML, tmp_path / "site.toml")
    return tmp_path / "translations", tmp_path / "site.toml"


def test_extract_finds_every_mark_of_the_widget_with_its_note(extracted):
    marks = re.compile(r'\b(?:_\(|pgettext\("([^"]*)",\s*)"((?:[^"\\]|\\.)*)"\)')
    found = 0
    for path in sorted((ROOT / "banner_src" / "js").glob("*.js")):
        lines = path.read_text(encoding="utf-8").splitlines()
        for number, line in enumerate(lines, 1):
            for context, msgid in marks.findall(line):
                if line.lstrip().startswith(("//", "/*", "*")):
                    continue
                message = extracted.get(msgid, context=context or None)
                assert message is not None, f"{path.name}:{number}: {msgid!r} not extracted"
                assert (f"banner_src/js/{path.name}", number) in message.locations
                # every widget text says where it appears (the comment on the line before)
                if lines[number - 2].strip().startswith("// TRANSLATORS:"):
                    note = lines[number - 2].split("TRANSLATORS:", 1)[1].strip()
                    assert note in " ".join(message.auto_comments)
                found += 1
    assert found >= 5


def test_extract_finds_every_text_of_the_site_file(extracted):
    data = tomllib.loads(SITE_TOML.read_text(encoding="utf-8"))
    expected = 0
    for category in data["categories"]:
        for key in ("title", "description"):
            assert extracted.get(category[key]) is not None, category[key]
            expected += 1
        for item in category.get("cookies", []) + category.get("services", []):
            assert extracted.get(item["purpose"]) is not None, item["purpose"]
            unit = DURATION.match(item["duration"]).group("unit")
            if unit:
                assert extracted.get(f"%(num)d {unit}") is not None
            else:
                session = extracted.get("session", context="cookie duration")
                assert session is not None and session.auto_comments
    title = extracted.get("Performance cookies")
    assert title.locations[0][0] == "sites/kppay.toml"
    assert "keep under 40 characters" in " ".join(title.auto_comments)
    assert expected == 10


def test_the_committed_template_and_catalogs_hold_what_extract_finds(extracted):
    fresh = {(m.context, m.id) for m in extracted if m.id}
    committed = {(m.context, m.id) for m in read(ROOT / "translations" / "banner.pot") if m.id}
    assert committed == fresh, "translations/banner.pot is stale: run `python build.py extract`"
    for lang in ("fr", "en"):
        catalog = read(ROOT / "translations" / lang / "LC_MESSAGES" / "banner.po")
        assert {(m.context, m.id) for m in catalog if m.id} == fresh, (
            f"the {lang} catalog is stale: run `python build.py update`")


def test_the_build_extracts_javascript_with_the_keywords_of_the_template():
    # pybabel extract uses Babel's default keywords plus those of pyproject's mapping.
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    js = [m for m in config["tool"]["babel"]["mappings"] if m["method"] == "javascript"]
    assert len(js) == 1 and "keywords" not in js[0], (
        "pyproject's javascript mapping sets keywords: set the same in messages.JS_KEYWORDS")
    from babel.messages.extract import DEFAULT_KEYWORDS

    assert JS_KEYWORDS == DEFAULT_KEYWORDS


def test_a_mark_the_build_cannot_rewrite_fails_with_its_line(tmp_path):
    source = tmp_path / "widget.js"
    source.write_text('var a = _("Accept all");\n'
                      'var b = pgettext("button", "Close");\n'
                      'var c = gettext("Refuse all");\n'
                      'var d = _(\n  "Customize");\n')
    index = {(None, "Accept all", None): 0, ("button", "Close", None): 1}
    rewritten, problems = rewrite_calls(source.read_text(), source, index)
    assert rewritten.startswith("var a = _(0);\nvar b = _(1);\n")
    assert [(p.line, p.message.split(" is marked")[0]) for p in problems] == [
        (3, "'Refuse all'"), (4, "'Customize'")]


def test_update_keeps_translations_marks_changed_ones_fuzzy_and_adds_new_ones(tmp_path):
    # A copy of the project where a developer reworded one button and replaced another.
    for name in ("banner_src", "sites", "translations"):
        shutil.copytree(ROOT / name, tmp_path / name)
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    for js in (tmp_path / "banner_src" / "js").glob("*.js"):
        js.write_text(js.read_text(encoding="utf-8").replace('_("Accept all")',
                                                             '_("Accept all cookies")')
                      .replace('_("Customize")', '_("Choose per category")'), encoding="utf-8")
    translations = tmp_path / "translations"
    paths = ("--src", str(tmp_path / "banner_src"), "--translations", str(translations),
             "--site", str(tmp_path / "sites" / "kppay.toml"))

    for command in ("extract", "update"):
        result = run(command, *paths)
        assert result.returncode == 0, result.stderr
    fr = read(translations / "fr" / "LC_MESSAGES" / "banner.po")
    changed = fr.get("Accept all cookies")
    assert changed.fuzzy and changed.string == "Tout accepter"
    assert fr.get("Choose per category").string == ""
    assert fr.get("Refuse all").string == "Tout refuser" and not fr.get("Refuse all").fuzzy
    assert fr.get("%(num)d month").string == ("%(num)d mois", "%(num)d mois")
    assert "Customize" in fr.obsolete and fr.get("Customize") is None
    en = read(translations / "en" / "LC_MESSAGES" / "banner.po")
    new = en.get("Choose per category")
    assert new.string == "Choose per category" and not new.fuzzy  # the source: filled

    result = run("check", *paths)
    assert result.returncode == 1
    po = translations / "fr" / "LC_MESSAGES" / "banner.po"
    lines = po.read_text(encoding="utf-8").splitlines()
    fuzzy, empty = (lines.index(f'msgid "{m}"') + 1
                    for m in ("Accept all cookies", "Choose per category"))
    assert f"fr/LC_MESSAGES/banner.po:{fuzzy}: fuzzy translation for 'Accept all cookies'" in (
        result.stderr)
    assert (f"fr/LC_MESSAGES/banner.po:{empty}: empty translation for 'Choose per category'"
            in result.stderr)
    assert "check failed: 2 problems" in result.stderr  # English needs nobody
    assert "obsolete entry 'Customize'" in result.stderr  # a warning beside the failures


def test_init_creates_the_catalog_adds_the_language_and_the_build_asks_for_it(workspace):
    translations, site = workspace
    before = site.read_text(encoding="utf-8").splitlines()
    result = run("init", "de", "--translations", str(translations), "--site", str(site))
    assert result.returncode == 0, result.stderr
    de = read(translations / "de" / "LC_MESSAGES" / "banner.po")
    assert de.locale_identifier == "de" and de.num_plurals == 2
    assert len([m for m in de if m.id]) == len([m for m in read(translations / "banner.pot")
                                                if m.id])
    after = site.read_text(encoding="utf-8").splitlines()
    changed = [(a, b) for a, b in zip(before, after, strict=True) if a != b]
    assert changed == [('languages = ["fr", "en"]', 'languages = ["fr", "en", "de"]')]

    result = run("check", "--translations", str(translations), "--site", str(site))
    assert result.returncode == 1
    assert "de/LC_MESSAGES/banner.po:" in result.stderr
    assert "empty translation for 'Accept all'" in result.stderr
    # Each entry the site shows, once: the build's own texts (the presets', the notice of a
    # changed policy) wait in the catalog for a site that uses them.
    entries = len([m for m in de if m.id and not all(
        where.startswith("consent_build/") for where, _ in m.locations)])
    assert f"check failed: {entries} problems" in result.stderr

    again = run("init", "de", "--translations", str(translations), "--site", str(site))
    assert again.returncode == 1 and "'de' already has a catalog" in again.stderr


@pytest.mark.parametrize(("code", "expected"), [
    ("de-DE", "'de-DE': expected a language code such as 'de' or 'pt_BR'"),
    ("xx", "'xx' is not a language Babel knows"),
])
def test_init_refuses_a_code_gettext_cannot_use_and_writes_nothing(workspace, code, expected):
    translations, site = workspace
    before = site.read_text(encoding="utf-8")
    folders = sorted(translations.iterdir())
    result = run("init", code, "--translations", str(translations), "--site", str(site))
    assert result.returncode == 1 and expected in result.stderr
    assert site.read_text(encoding="utf-8") == before
    assert sorted(translations.iterdir()) == folders
