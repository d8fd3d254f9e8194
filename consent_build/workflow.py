"""The translators' steps: extract, update, init. Babel does the work; this module only
gives it our settings, so that each step is one command (`python build.py extract`)."""

from __future__ import annotations

import contextlib
import re
from pathlib import Path

from babel.core import Locale, UnknownLocaleError
from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po, write_po

from .errors import BuildError, Problem
from .site_config import LANGUAGE_CODE, catalog_path
from .toml_lines import key_lines, line_of

ROOT = Path(__file__).resolve().parent.parent
DOMAIN = "banner"
# The msgids are English: the English catalog's new and changed entries are filled with
# them (as gettext's msgen does), so only real translations need a person.
SOURCE_LANGUAGE = "en"
_LANGUAGES_LINE = re.compile(r'^(\s*languages\s*=\s*)\[([^\]]*)\](\s*(#.*)?)$')


def pybabel(*args: str, root: Path = ROOT) -> None:
    """Run one `pybabel` command in-process, from the project root (its paths are relative)."""
    with contextlib.chdir(root):
        code = CommandLineInterface().run(["pybabel", *args])
    if code:
        raise BuildError([Problem("pybabel", None, f"`pybabel {' '.join(args)}` failed")])


def extract(translations: Path, src: Path = ROOT / "banner_src") -> Path:
    """Refresh the template from the widget's marks and the site files (pyproject mappings).

    Babel runs from the folder holding `src`, whose pyproject.toml has the mappings."""
    pot = translations.resolve() / f"{DOMAIN}.pot"
    pybabel("extract", "-F", "pyproject.toml", "-c", "TRANSLATORS:", "-s", "--no-wrap",
            "--sort-by-file", "--project", "consent-banner", "--copyright-holder", "KPpay",
            "--msgid-bugs-address", "kppay@k-polygone.com", "-o", str(pot), ".",
            root=src.resolve().parent)
    return pot


def update(translations: Path) -> list[Path]:
    """Merge the template into every catalog: new strings empty, changed ones fuzzy."""
    translations = translations.resolve()
    pybabel("update", "-i", str(translations / f"{DOMAIN}.pot"), "-d", str(translations),
            "-D", DOMAIN, "--no-wrap", "--ignore-pot-creation-date")
    fill_source_language(translations)
    return sorted(translations.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))


def fill_source_language(translations: Path) -> int:
    """Give the English catalog's new and changed (fuzzy) entries their msgid as text, since
    the msgids are English; return how many were filled."""
    path = catalog_path(translations, SOURCE_LANGUAGE)
    if not path.is_file():
        return 0
    with path.open("rb") as fileobj:
        catalog = read_po(fileobj)
    filled = 0
    for message in catalog:
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if not message.id or (all(strings) and not message.fuzzy):
            continue
        if isinstance(message.id, tuple):
            message.string = (message.id[0],) + (message.id[1],) * (catalog.num_plurals - 1)
        else:
            message.string = message.id
        message.flags.discard("fuzzy")
        filled += 1
    if filled:
        with path.open("wb") as fileobj:
            write_po(fileobj, catalog, width=0)
    return filled


def init(lang: str, translations: Path, site_file: Path) -> Path:
    """Create the catalog of `lang` from the template and add `lang` to the site's languages."""
    translations = translations.resolve()
    check_language_code(lang)
    path = catalog_path(translations, lang)
    if path.exists():
        raise BuildError([Problem(str(path), None, f"{lang!r} already has a catalog; "
                                                   "use `python build.py update`")])
    add_language(site_file, lang, dry_run=True)  # fail before writing anything
    pybabel("init", "-i", str(translations / f"{DOMAIN}.pot"), "-d", str(translations),
            "-D", DOMAIN, "-l", lang, "--no-wrap")
    fill_source_language(translations)
    add_language(site_file, lang)
    return path


def check_language_code(lang: str) -> None:
    """A code gettext and Babel both know, such as de or pt_BR; else a clear error."""
    hint = "expected a language code such as 'de' or 'pt_BR' (underscore, not hyphen)"
    if not LANGUAGE_CODE.match(lang):
        raise BuildError([Problem("init", None, f"{lang!r}: {hint}")])
    try:
        Locale.parse(lang)
    except (UnknownLocaleError, ValueError):
        raise BuildError([Problem("init", None, f"{lang!r} is not a language Babel knows; "
                                                f"{hint}")]) from None


def add_language(site_file: Path, lang: str, dry_run: bool = False) -> None:
    """Append `lang` to the `languages = [...]` line of the site file, keeping the rest."""
    text = site_file.read_text(encoding="utf-8")
    line = line_of(key_lines(text), ("site", "languages"))
    lines = text.splitlines(keepends=True)
    found = _LANGUAGES_LINE.match(lines[line - 1].rstrip("\n")) if line else None
    if not found:
        raise BuildError([Problem(str(site_file), line, "cannot find a one-line "
                                  '`languages = ["fr", ...]` in [site]; add the language by hand')])
    codes = [c.strip().strip("\"'") for c in found.group(2).split(",") if c.strip()]
    if lang in codes or dry_run:
        return
    codes.append(lang)
    listed = ", ".join(f'"{c}"' for c in codes)
    lines[line - 1] = f"{found.group(1)}[{listed}]{found.group(3) or ''}\n"
    site_file.write_text("".join(lines), encoding="utf-8")

