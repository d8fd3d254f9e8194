"""`python build.py check` (and every build) fails on each catalog problem, naming the
catalog, the line to edit and the msgid; obsolete entries are only warnings."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from consent_build.cli import main

from .conftest import ROOT


@pytest.fixture
def translations(tmp_path) -> Path:
    copy = tmp_path / "translations"
    shutil.copytree(ROOT / "translations", copy)
    return copy


def po(translations: Path, lang: str = "fr") -> Path:
    return translations / lang / "LC_MESSAGES" / "banner.po"


def line_of(path: Path, text: str) -> int:
    """The 1-based line of the first line equal to `text`."""
    return path.read_text(encoding="utf-8").splitlines().index(text) + 1


def replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def check(translations: Path, capsys) -> tuple[int, str]:
    code = main(["check", "--translations", str(translations)])
    return code, capsys.readouterr().err


# (what the translator did, old text, new text, the msgid line to expect, message expected)
ENTRY_CASES = [
    ("fuzzy", 'msgid "Refuse all"', '#, fuzzy\nmsgid "Refuse all"', 'msgid "Refuse all"',
     "fuzzy translation for 'Refuse all'"),
    ("empty", 'msgstr "Tout refuser"', 'msgstr ""', 'msgid "Refuse all"',
     "empty translation for 'Refuse all'"),
    ("placeholder missing", 'msgstr "Les cookies sur {site}"', 'msgstr "Les cookies"',
     'msgid "Cookies on {site}"',
     "placeholders differ in the translation of 'Cookies on {site}': missing {site}"),
    ("placeholder added", 'msgstr "Tout accepter"', 'msgstr "Tout %(name)s"',
     'msgid "Accept all"', "placeholders differ in the translation of 'Accept all': "
     "added %(name)s"),
    ("plural placeholder missing", 'msgstr[1] "%(num)d jours"', 'msgstr[1] "des jours"',
     'msgid "%(num)d day"', "placeholders differ in the translation of '%(num)d day': "
     "missing %(num)d"),
    ("plural form missing", 'msgstr[1] "%(num)d ans"\n', "", 'msgid "%(num)d year"',
     "'%(num)d year' has 1 plural form, but the header's Plural-Forms says nplurals=2: "
     "give it msgstr[0] to msgstr[1]"),
    ("plural form added", 'msgstr[1] "%(num)d ans"\n',
     'msgstr[1] "%(num)d ans"\nmsgstr[2] "%(num)d années"\n', 'msgid "%(num)d year"',
     "'%(num)d year' has 3 plural forms, but the header's Plural-Forms says nplurals=2: "
     "give it msgstr[0] to msgstr[1]"),
    ("over its length limit", 'msgstr "Tout accepter"',
     'msgstr "Accepter tous les cookies"', 'msgid "Accept all"',
     "translation of 'Accept all' is 25 characters; its note asks for at most 20"),
    ("context lost", 'msgctxt "cookie duration"\n', "", None,
     "missing translation for 'session' (context 'cookie duration')"),
]


@pytest.mark.parametrize("case", ENTRY_CASES, ids=[c[0] for c in ENTRY_CASES])
def test_each_entry_problem_fails_with_catalog_line_and_msgid(translations, capsys, case):
    _, old, new, msgid_line, expected = case
    path = po(translations)
    replace(path, old, new)
    line = line_of(path, msgid_line) if msgid_line else None
    code, err = check(translations, capsys)
    assert code == 1
    where = f"{path}:{line}" if line else f"{path}"
    assert f"{where}: {expected}" in err, err
    assert "check failed: 1 problem" in err


def test_a_missing_entry_names_the_catalog_and_says_what_to_run(translations, capsys):
    path = po(translations, "en")
    replace(path, 'msgid "Refuse all"\nmsgstr "Refuse all"\n', "")
    code, err = check(translations, capsys)
    assert code == 1
    assert (f"{path}: missing translation for 'Refuse all': not in this catalog; "
            "run `python build.py extract` then `python build.py update`") in err


HEADER_CASES = [
    ("bad plural expression", '"Plural-Forms: nplurals=2; plural=(n > 1);\\n"',
     '"Plural-Forms: nplurals=2; plural=(n > );\\n"', "header Plural-Forms: cannot read"),
    ("nplurals not a number", '"Plural-Forms: nplurals=2; plural=(n > 1);\\n"',
     '"Plural-Forms: nplurals=two; plural=(n > 1);\\n"',
     "header Plural-Forms is 'nplurals=two; plural=(n > 1);'"),
    ("form out of range", '"Plural-Forms: nplurals=2; plural=(n > 1);\\n"',
     '"Plural-Forms: nplurals=2; plural=(n);\\n"',
     "header Plural-Forms: plural='(n)' gives a form outside 0..1 for n=2"),
    ("no plural rule", '"Plural-Forms: nplurals=2; plural=(n > 1);\\n"',
     '"Plural-Forms: two forms\\n"', "header Plural-Forms is 'two forms'"),
    ("wrong language", '"Language: fr\\n"', '"Language: de\\n"',
     "header Language is 'de'; expected 'fr'"),
    ("charset placeholder", "charset=utf-8", "charset=CHARSET",
     "header Content-Type is 'text/plain; charset=CHARSET'; expected"),
]


@pytest.mark.parametrize("case", HEADER_CASES, ids=[c[0] for c in HEADER_CASES])
def test_a_broken_header_fails_with_the_line_of_the_field(translations, capsys, case):
    _, old, new, expected = case
    path = po(translations)
    line = line_of(path, old) if old.startswith('"') else next(
        n for n, text in enumerate(path.read_text().splitlines(), 1) if old in text)
    replace(path, old, new)
    code, err = check(translations, capsys)
    assert code == 1
    assert f"{path}:{line}: {expected}" in err, err


def test_a_catalog_in_another_encoding_is_reported_with_its_line(translations, capsys):
    path = po(translations)
    text = path.read_text(encoding="utf-8").replace("charset=utf-8", "charset=latin-1")
    path.write_bytes(text.encode("latin-1", errors="replace"))  # “ ” have no latin-1 form
    line = next(n for n, t in enumerate(text.splitlines(), 1) if "é" in t)
    code, err = check(translations, capsys)
    assert code == 1
    assert f"{path}:{line}: the catalog is not UTF-8 text; save it as UTF-8" in err


def test_every_problem_of_every_catalog_is_listed_in_one_run(translations, capsys):
    replace(po(translations), 'msgstr "Tout refuser"', 'msgstr ""')
    replace(po(translations), 'msgstr "Tout accepter"', 'msgstr "Tout %(num)d"')
    replace(po(translations, "en"), '"Language: en\\n"', '"Language: fr\\n"')
    code, err = check(translations, capsys)
    assert code == 1
    assert "check failed: 3 problems" in err


def test_obsolete_entries_are_warnings_not_failures(translations, capsys):
    path = po(translations)
    with path.open("a", encoding="utf-8") as fileobj:
        fileobj.write('\n#~ msgid "Old button"\n#~ msgstr "Ancien bouton"\n')
    line = line_of(path, '#~ msgid "Old button"')
    code = main(["check", "--translations", str(translations)])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert (f"warning: {path}:{line}: obsolete entry 'Old button' (no longer in the "
            "template)") in captured.err
    assert "valid" in captured.out


def test_the_build_itself_refuses_a_problem_the_check_finds(translations, tmp_path, capsys):
    replace(po(translations), 'msgstr "Tout accepter"', 'msgstr "Accepter tous les cookies"')
    code = main(["--translations", str(translations), "--out", str(tmp_path / "dist")])
    assert code == 1
    assert "its note asks for at most 20" in capsys.readouterr().err
    assert not (tmp_path / "dist").exists()
