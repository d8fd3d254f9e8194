"""Read the gettext catalogs, check them, and turn them into the text table of each language.

Every problem names the catalog, the line a translator has to edit and the msgid, so that
one build tells a translator everything to fix. Obsolete entries are only warnings.
"""

from __future__ import annotations

import gettext
import re
from dataclasses import dataclass, field
from pathlib import Path

from babel.core import Locale, UnknownLocaleError
from babel.messages.catalog import Catalog
from babel.messages.plurals import get_plural
from babel.messages.pofile import PoFileError, read_po

from .errors import Problem
from .messages import Text, shown
from .site_config import catalog_path

# Placeholders a translation must keep: {site} and %(num)d / %(name)s style.
_PLACEHOLDER = re.compile(r"\{[a-z_]+\}|%\([a-z_]+\)[sd]")
_PLURAL_FORMS = re.compile(r"^\s*nplurals\s*=\s*(\d+)\s*;\s*plural\s*=\s*(.+?)\s*;?\s*$")
_CHARSET = re.compile(r"charset\s*=\s*([A-Za-z0-9_.:-]+)", re.IGNORECASE)


@dataclass
class CatalogResult:
    """One language: its text table (in the order of the texts), problems and warnings."""

    table: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)


def _header_field(lines: list[str], name: str) -> tuple[int | None, str | None]:
    """The 1-based line and value of a header field such as "Language", as the file has it."""
    pattern = re.compile(rf'^"{re.escape(name)}:\s*(.*?)(\\n)?"\s*$', re.IGNORECASE)
    for number, line in enumerate(lines, start=1):
        found = pattern.match(line)
        if found:
            return number, found.group(1).strip()
        if number > 1 and line.startswith("msgid ") and line != 'msgid ""':
            break  # past the header entry
    return None, None


def check_header(path: Path, lang: str) -> tuple[list[Problem], list[str]]:
    """Problems of the header entry (Language, Plural-Forms, charset), and the file's lines."""
    file = str(path)
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[:exc.start].count(b"\n") + 1
        return [Problem(file, line, "the catalog is not UTF-8 text; save it as UTF-8")], []
    lines = text.splitlines()
    problems: list[Problem] = []
    header_line = next((n for n, line in enumerate(lines, 1) if line == 'msgid ""'), 1)

    line, value = _header_field(lines, "Content-Type")
    charset = _CHARSET.search(value or "")
    if not charset or charset.group(1).lower().replace("-", "") != "utf8":
        problems.append(Problem(file, line or header_line,
                                f"header Content-Type is {value!r}; expected "
                                "'text/plain; charset=UTF-8'"))

    line, value = _header_field(lines, "Language")
    if not value or value.replace("-", "_").lower() != lang.lower():
        problems.append(Problem(file, line or header_line,
                                f"header Language is {value!r}; expected {lang!r} "
                                "(the folder this catalog is in)"))

    line, value = _header_field(lines, "Plural-Forms")
    problems += _check_plural_forms(file, line or header_line, value, lang)
    return problems, lines


def _check_plural_forms(file: str, line: int, value: str | None, lang: str) -> list[Problem]:
    expected = _expected_plural_forms(lang)
    hint = f"; expected e.g. {expected!r}" if expected else ""
    found = _PLURAL_FORMS.match(value or "")
    if not found:
        return [Problem(file, line, f"header Plural-Forms is {value!r}, not "
                                    f"'nplurals=N; plural=EXPR;'{hint}")]
    count, expr = int(found.group(1)), found.group(2)
    try:
        plural = gettext.c2py(expr)
        bad = [n for n in range(200) if not 0 <= int(plural(n)) < count]
    except (ValueError, SyntaxError, TypeError) as exc:
        return [Problem(file, line, f"header Plural-Forms: cannot read plural={expr!r} "
                                    f"({exc}){hint}")]
    if bad:
        return [Problem(file, line, f"header Plural-Forms: plural={expr!r} gives a form "
                                    f"outside 0..{count - 1} for n={bad[0]}{hint}")]
    if expected and int(expected.split(";")[0].split("=")[1]) != count:
        return [Problem(file, line, f"header Plural-Forms has nplurals={count}, but {lang} "
                                    f"has {expected.split(';')[0].split('=')[1]} forms{hint}")]
    return []


def _expected_plural_forms(lang: str) -> str | None:
    """Babel's gettext Plural-Forms for `lang`, or None for a language Babel does not know."""
    try:
        return get_plural(Locale.parse(lang)).plural_forms
    except (UnknownLocaleError, ValueError):
        return None


def load_catalog(path: Path, lang: str) -> tuple[Catalog | None, list[Problem]]:
    """The catalog at `path`, or None and why it cannot be read (header problems included)."""
    try:
        problems, _ = check_header(path, lang)
    except OSError as exc:
        return None, [Problem(str(path), None, f"cannot read the catalog: {exc.strerror}")]
    if any(word in p.message for p in problems
           for word in ("not UTF-8", "Plural-Forms", "Content-Type")):
        return None, problems  # Babel would fail on these, or count plural forms wrongly
    try:
        with path.open("rb") as fileobj:
            catalog = read_po(fileobj, abort_invalid=True)
    except PoFileError as exc:  # Babel counts lines from 0 and appends "on <line>"
        reason = re.sub(r" on \d+$", "", str(exc))
        return None, problems + [Problem(str(path), exc.lineno + 1,
                                         f"cannot read the catalog: {reason}")]
    except (OSError, ValueError) as exc:
        return None, problems + [Problem(str(path), None, f"cannot read the catalog: {exc}")]
    return catalog, problems


def check_catalog(texts: list[Text], translations: Path, lang: str, site_name: str,
                  limits: dict[tuple, int] | None = None) -> CatalogResult:
    """Check the catalog of `lang` against the texts the widget needs, and build its table."""
    path = catalog_path(translations, lang)
    file = str(path)
    catalog, problems = load_catalog(path, lang)
    result = CatalogResult(problems=problems)
    if catalog is None:
        return result
    result.warnings = [
        Problem(file, message.lineno, f"obsolete entry {shown(message.id)!r} (no longer in "
                                      "the template): delete it, or keep it for reference")
        for message in catalog.obsolete.values()
    ]
    plural = gettext.c2py(catalog.plural_expr)
    for text in texts:
        string = _translate(text, catalog, plural, file, site_name, (limits or {}).get(text.key),
                            result.problems)
        result.table.append(string)
    # one message may serve several texts ("3 months", "13 months"): report it once
    result.problems = list(dict.fromkeys(result.problems))
    return result


def _translate(text: Text, catalog: Catalog, plural, file: str, site_name: str,
               limit: int | None, problems: list[Problem]) -> str:
    msgid = text.msgid
    key = msgid[0] if isinstance(msgid, tuple) else msgid
    message = catalog.get(key, context=text.context)
    name = repr(shown(key)) + (f" (context {text.context!r})" if text.context else "")
    if message is None:
        problems.append(Problem(file, None, f"missing translation for {name}: not in this "
                                            "catalog; run `python build.py update`"))
        return ""
    where = message.lineno
    strings = message.string if isinstance(message.string, tuple) else (message.string,)
    if message.fuzzy:
        problems.append(Problem(file, where, f"fuzzy translation for {name}: check it, "
                                             "then remove the '#, fuzzy' line"))
    if not all(strings):
        problems.append(Problem(file, where, f"empty translation for {name}"))
        return ""
    ids = msgid if isinstance(msgid, tuple) else (msgid,)
    wanted = sorted(set(_PLACEHOLDER.findall(ids[-1])))
    for string in strings:
        got = sorted(set(_PLACEHOLDER.findall(string)))
        if got != wanted:
            missing = sorted(set(wanted) - set(got))
            added = sorted(set(got) - set(wanted))
            detail = "; ".join(part for part in (
                f"missing {', '.join(missing)}" if missing else "",
                f"added {', '.join(added)}" if added else "") if part)
            problems.append(Problem(file, where, f"placeholders differ in the translation of "
                                                 f"{name}: {detail}"))
        visible = string.replace("{site}", site_name)
        if limit and len(visible) > limit:
            problems.append(Problem(file, where, f"translation of {name} is {len(visible)} "
                                                 f"characters; its note asks for at most "
                                                 f"{limit}: {visible!r}"))
    if text.count is not None:
        form = strings[min(plural(text.count), len(strings) - 1)]
        try:
            string = form % {"num": text.count}
        except (KeyError, ValueError, TypeError):  # already reported as a placeholder problem
            string = form
    else:
        string = strings[0]
    return string.replace("{site}", site_name)
