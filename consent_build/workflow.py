"""The translators' steps: extract, update, init. Babel does the work; this module only
gives it our settings, so that each step is one command (`python build.py extract`)."""

from __future__ import annotations

import contextlib
import io
import os
import re
import shutil
import tempfile
from pathlib import Path

from babel.core import Locale, UnknownLocaleError
from babel.messages.catalog import Catalog
from babel.messages.extract import extract as extract_messages
from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po, write_po

from .compiled import sources
from .errors import BuildError, Problem
from .extract import extract_build_toml, extract_site_toml
from .messages import (
    COMMENT_TAG,
    JS_KEYWORDS,
)
from .site_config import LANGUAGE_CODE, catalog_path, list_site_files
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


def extract(translations: Path, src: Path = ROOT / "banner_src",
            site_files: list[Path] | None = None) -> Path:
    """Refresh the template from the widget's marks and every site file (`site_files`, by
    default sites/*.toml beside `src`). The template is shared: it always holds every site's
    texts, whichever site a command is about. Written only when a message or a location
    changed, so that a build that extracts leaves an unchanged tree unchanged."""
    root = src.resolve().parent
    pot = translations.resolve() / f"{DOMAIN}.pot"
    catalog = Catalog(project="consent-banner", copyright_holder="KPpay",
                      msgid_bugs_address="kppay@k-polygone.com", charset="utf-8")

    def add(path: Path, found) -> None:
        where = os.path.relpath(path.resolve(), root).replace(os.sep, "/")
        for lineno, msgid, comments, context in found:
            catalog.add(msgid, None, [(where, lineno)], auto_comments=comments,
                        context=context)

    for path in sources(src):
        with path.open("rb") as fileobj:
            add(path, extract_messages("javascript", fileobj, keywords=JS_KEYWORDS,
                                       comment_tags=[COMMENT_TAG], strip_comment_tags=True))
    for path in site_files if site_files is not None else list_site_files(root):
        with path.open("rb") as fileobj:
            add(path, ((lineno, msgid, comments, context) for lineno, msgid, comments, context
                       in _site_messages(fileobj)))
    # The build's own texts (presets, notices), as `pybabel extract -F pyproject.toml` finds them.
    for path in build_text_files():
        with path.open("rb") as fileobj:
            add(path, _as_found(extract_build_toml(fileobj, (), (), {})))
    out = io.BytesIO()
    write_po(out, catalog, width=None, sort_by_file=True)
    _write_if_changed(pot, out.getvalue())
    return pot


def build_text_files() -> list[Path]:
    """The build's data files that hold texts (pyproject.toml maps the same for pybabel)."""
    folder = Path(__file__).parent
    return sorted([folder / "notices.toml", *folder.glob("presets/*.toml")])


def _as_found(extracted):
    """Babel's (line, funcname, message, comments) as (line, msgid, comments, context)."""
    for lineno, funcname, message, comments in extracted:
        if funcname == "pgettext":
            yield lineno, message[1], comments, message[0]
        else:
            yield lineno, message, comments, None


def _site_messages(fileobj):
    """A site file's texts as Babel's extract() yields them: (line, msgid, notes, context)."""
    return _as_found(extract_site_toml(fileobj, (), (), {}))


_CREATION_DATE = re.compile(rb'^"POT-Creation-Date: .*\\n"$', re.MULTILINE)


def _write_if_changed(path: Path, data: bytes) -> bool:
    """Write `data` unless `path` holds the same but for the template's creation date."""
    try:
        old = path.read_bytes()
    except OSError:
        old = None
    if old is not None and _CREATION_DATE.sub(b"", old) == _CREATION_DATE.sub(b"", data):
        return False
    path.write_bytes(data)
    return True


def update(translations: Path) -> list[Path]:
    """Merge the template into every catalog: new strings empty, changed ones fuzzy."""
    translations = translations.resolve()
    pybabel("update", "-i", str(translations / f"{DOMAIN}.pot"), "-d", str(translations),
            "-D", DOMAIN, "--no-wrap", "--ignore-pot-creation-date")
    fill_source_language(translations)
    return sorted(translations.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))


def refresh(translations: Path, src: Path, site_files: list[Path]) -> list[Path]:
    """extract, then update, as the build runs them: the catalogs that changed (the template
    included). Update works on a copy, so that a catalog is only written when it changes."""
    pot = translations.resolve() / f"{DOMAIN}.pot"
    before = pot.read_bytes() if pot.is_file() else None
    extract(translations, src, site_files)
    changed = [pot] if pot.read_bytes() != before else []
    with tempfile.TemporaryDirectory(prefix="consent-update-") as tmp:
        copy = Path(tmp) / "translations"
        shutil.copytree(translations, copy)
        with contextlib.redirect_stderr(io.StringIO()):  # Babel names the temporary copy
            update(copy)
        for path in sorted(copy.glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
            target = translations / path.relative_to(copy)
            if path.read_bytes() != target.read_bytes():
                target.write_bytes(path.read_bytes())
                changed.append(target)
    return changed


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

