"""Read the gettext catalogs, check them, and turn them into the text table of each language.

Every problem names the catalog, the line a translator has to edit and the msgid, so that
one build tells a translator everything to fix. Obsolete entries are only warnings.
"""

from __future__ import annotations

import gettext
import io
import re
from dataclasses import dataclass, field
from datetime import date
from email import message_from_string
from pathlib import Path

import babel
from babel.core import Locale, UnknownLocaleError
from babel.dates import format_date
from babel.messages.catalog import Catalog
from babel.messages.plurals import get_plural
from babel.messages.pofile import PoFileError, PoFileParser, read_po, unescape

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


class _HeaderKeepingCatalog(Catalog):
    """A Catalog that also keeps its header's fields as written, and the header's line.

    Babel keeps only the fields it understands, and quietly falls back to CLDR's plural rule
    when Plural-Forms is missing or malformed: the check must see what the translator wrote."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.header_fields: dict[str, str] | None = None
        self.header_line = 1

    def __setitem__(self, id, message) -> None:
        if not id and self.header_fields is None:
            # The msgstr as gettext reads it: one field a line, whether the file wrote it
            # on one line or many (Babel parses it the same way).
            self.header_fields = {name.lower(): value.strip() for name, value
                                  in message_from_string(message.string).items()}
            self.header_line = message.lineno
        super().__setitem__(id, message)


@dataclass
class _Header:
    """A catalog's header as the translator wrote it, and where each field stands."""

    fields: dict[str, str]
    lines: list[str]
    line: int  # of the header entry

    def field(self, name: str) -> tuple[int, str | None]:
        """The value of a field such as "Plural-Forms", and the line to show for it."""
        value = self.fields.get(name.lower())
        # A field starts a quoted line, or follows an escaped newline (one-line headers).
        pattern = re.compile(rf'(^\s*(msgstr\s+)?"|\\n){re.escape(name)}:', re.IGNORECASE)
        for number in range(self.line, len(self.lines) + 1):
            text = self.lines[number - 1]
            if pattern.search(text):
                return number, value
            if not text.strip():
                break  # past the header entry
        return self.line, value


def _read_header(path: Path, text: str) -> tuple[_Header | None, list[Problem]]:
    """The header entry (the first one), read by Babel's own parser."""
    lines = text.splitlines()
    end = next((n for n, line in enumerate(lines) if n and not line.strip()
                and any(x.startswith("msgstr") for x in lines[:n])), len(lines))
    catalog = _HeaderKeepingCatalog()
    try:
        PoFileParser(catalog, abort_invalid=True).parse(lines[:end])
    except PoFileError as exc:  # Babel counts lines from 0 and appends "on <line>"
        reason = re.sub(r" on \d+$", "", str(exc))
        return None, [Problem(str(path), exc.lineno + 1, f"cannot read the catalog: {reason}")]
    except ValueError:
        # Babel choked on a field's value (a Plural-Forms whose nplurals is no number): the
        # fields were kept before that, and the checks below say which one is wrong.
        pass
    if catalog.header_fields is None:
        return None, [Problem(str(path), 1, 'no header entry (msgid "") at the top of the '
                                            "catalog")]
    return _Header(catalog.header_fields, lines, catalog.header_line), []


@dataclass(frozen=True)
class PluralRule:
    """A catalog's own plural rule, from its Plural-Forms header."""

    count: int
    expr: str


def check_header(path: Path, text: str, lang: str) -> tuple[PluralRule | None, list[Problem],
                                                               list[Problem]]:
    """The catalog's plural rule, its header's problems (Language, Plural-Forms, charset)
    and its warnings."""
    file = str(path)
    header, problems = _read_header(path, text)
    if header is None:
        return None, problems, []

    line, value = header.field("Content-Type")
    charset = _CHARSET.search(value or "")
    if not charset or charset.group(1).lower().replace("-", "") != "utf8":
        problems.append(Problem(file, line, f"header Content-Type is {value!r}; expected "
                                            "'text/plain; charset=UTF-8'"))

    line, value = header.field("Language")
    if not value or value.replace("-", "_").lower() != lang.lower():
        problems.append(Problem(file, line, f"header Language is {value!r}; expected {lang!r} "
                                            "(the folder this catalog is in)"))

    line, value = header.field("Plural-Forms")
    rule, plural_problems = _plural_rule(file, line, value, lang)
    warnings = [] if rule is None else _cldr_difference(file, line, rule, lang)
    return rule, problems + plural_problems, warnings


def _plural_rule(file: str, line: int, value: str | None,
                 lang: str) -> tuple[PluralRule | None, list[Problem]]:
    """The rule a well-formed Plural-Forms states; any number of forms is the translator's
    choice (gettext's French `nplurals=2; plural=(n > 1);` and CLDR's three are both valid)."""
    expected = _cldr_plural_forms(lang)
    hint = f"; e.g. {expected!r}" if expected else ""
    found = _PLURAL_FORMS.match(value or "")
    if not found:
        return None, [Problem(file, line, f"header Plural-Forms is {value!r}, not "
                                          f"'nplurals=N; plural=EXPR;'{hint}")]
    count, expr = int(found.group(1)), found.group(2)
    try:
        plural = gettext.c2py(expr)
        bad = [n for n in range(1001) if not 0 <= int(plural(n)) < count]
    except (ValueError, SyntaxError, TypeError) as exc:
        return None, [Problem(file, line, f"header Plural-Forms: cannot read plural={expr!r} "
                                          f"({exc}){hint}")]
    if count < 1 or bad:
        n = bad[0] if bad else 0
        return None, [Problem(file, line, f"header Plural-Forms: plural={expr!r} gives a form "
                                          f"outside 0..{count - 1} for n={n}{hint}")]
    return PluralRule(count, expr), []


def _cldr_difference(file: str, line: int, rule: PluralRule, lang: str) -> list[Problem]:
    """A warning where the catalog counts its forms otherwise than CLDR (the catalog wins)."""
    expected = _cldr_plural_forms(lang)
    if not expected:
        return []
    cldr = int(_PLURAL_FORMS.match(expected).group(1))
    if cldr == rule.count:
        return []
    return [Problem(file, line, f"header Plural-Forms has nplurals={rule.count}; CLDR "
                                f"(Babel {babel.__version__}) gives {lang} {cldr} forms "
                                f"({expected!r}); the catalog's own rule is used")]


def _cldr_plural_forms(lang: str) -> str | None:
    """CLDR's gettext Plural-Forms for `lang` (from Babel), or None for an unknown language."""
    try:
        return get_plural(Locale.parse(lang)).plural_forms
    except (UnknownLocaleError, ValueError):
        return None


_KEYWORD = re.compile(r'^(msgctxt|msgid|msgid_plural|msgstr(?:\[\d+\])?)\s+"')


def _plural_form_problems(file: str, lines: list[str], rule: PluralRule) -> list[Problem]:
    """Each plural entry whose number of msgstr[N] differs from the header's nplurals."""
    problems = []
    entry: dict | None = None

    def close() -> None:
        if entry and entry["plural"] and entry["forms"] != rule.count:
            have = entry["forms"]
            problems.append(Problem(
                file, entry["line"], f"{shown(entry['msgid'])!r} has {have} plural "
                f"form{'s' if have != 1 else ''}, but the header's Plural-Forms says "
                f"nplurals={rule.count}: give it msgstr[0] to msgstr[{rule.count - 1}]"))

    keyword = None
    for number, line in enumerate(lines, start=1):
        if line.startswith('"') and keyword == "msgid":  # a msgid written over several lines
            entry["msgid"] += unescape(line.strip())
            continue
        found = _KEYWORD.match(line)
        if not found:
            keyword = None  # comments (obsolete entries too), blank lines
            continue
        keyword = found.group(1)
        if keyword == "msgctxt" or (keyword == "msgid" and not (entry and entry["open"])):
            close()
            entry = {"line": number, "msgid": "", "plural": False, "forms": 0, "open": True}
        if keyword == "msgid":
            entry.update(line=number, msgid=unescape(line[len("msgid "):].strip()),
                         open=False)
        elif keyword == "msgid_plural":
            entry["plural"] = True
        elif keyword.startswith("msgstr["):
            entry["forms"] += 1
    close()
    return problems


@dataclass
class LoadedCatalog:
    """A catalog read and checked: None where it cannot be used, with why."""

    catalog: Catalog | None
    rule: PluralRule | None
    problems: list[Problem]
    warnings: list[Problem]


def load_catalog(path: Path, lang: str) -> LoadedCatalog:
    """The catalog at `path` with its own plural rule, or None and why it cannot be read."""
    file = str(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return LoadedCatalog(None, None, [Problem(file, None, "cannot read the catalog: "
                                                              f"{exc.strerror}")], [])
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[:exc.start].count(b"\n") + 1
        return LoadedCatalog(None, None, [Problem(file, line, "the catalog is not UTF-8 "
                                                              "text; save it as UTF-8")], [])
    rule, problems, warnings = check_header(path, text, lang)
    if rule is None or any("Content-Type" in p.message for p in problems):
        return LoadedCatalog(None, rule, problems, warnings)  # Babel would misread it
    problems += _plural_form_problems(file, text.splitlines(), rule)
    if problems:
        return LoadedCatalog(None, rule, problems, warnings)  # Babel would drop or pad forms
    try:
        catalog = read_po(io.BytesIO(raw), abort_invalid=True)
    except PoFileError as exc:  # Babel counts lines from 0 and appends "on <line>"
        reason = re.sub(r" on \d+$", "", str(exc))
        problems.append(Problem(file, exc.lineno + 1, f"cannot read the catalog: {reason}"))
        catalog = None
    except ValueError as exc:
        problems.append(Problem(file, None, f"cannot read the catalog: {exc}"))
        catalog = None
    return LoadedCatalog(catalog, rule, problems, warnings)


def check_catalog(texts: list[Text], translations: Path, lang: str, site_name: str,
                  limits: dict[tuple, int] | None = None, revised: str | None = None
                  ) -> CatalogResult:
    """Check the catalog of `lang` against the texts the widget needs, and build its table."""
    path = catalog_path(translations, lang)
    file = str(path)
    loaded = load_catalog(path, lang)
    catalog = loaded.catalog
    result = CatalogResult(problems=loaded.problems, warnings=loaded.warnings)
    if catalog is None:
        return result
    result.warnings += [
        Problem(file, message.lineno, f"obsolete entry {shown(message.id)!r} (no longer in "
                                      "the template): delete it, or keep it for reference")
        for message in catalog.obsolete.values()
    ]
    # Counts take the form the catalog's own rule picks, not CLDR's (they may differ).
    plural = gettext.c2py(loaded.rule.expr)
    for text in texts:
        string = _translate(text, catalog, plural, file, site_name, (limits or {}).get(text.key),
                            result.problems)
        # {revised}: the date the policy changed, as this language writes dates
        result.table.append(string.replace("{revised}", format_revision_date(revised, lang))
                            if revised else string)
    # one message may serve several texts ("3 months", "13 months"): report it once
    result.problems = list(dict.fromkeys(result.problems))
    return result


def format_revision_date(iso: str, lang: str) -> str:
    """'2025-03-01' as `lang` writes a date in full ('1 mars 2025'); ISO where Babel has no
    such locale (a pseudo-locale)."""
    try:
        return format_date(date.fromisoformat(iso), format="long", locale=lang)
    except (UnknownLocaleError, ValueError):
        return iso


def _translate(text: Text, catalog: Catalog, plural, file: str, site_name: str,
               limit: int | None, problems: list[Problem]) -> str:
    msgid = text.msgid
    key = msgid[0] if isinstance(msgid, tuple) else msgid
    message = catalog.get(key, context=text.context)
    name = repr(shown(key)) + (f" (context {text.context!r})" if text.context else "")
    if message is None:
        problems.append(Problem(file, None, f"missing translation for {name}: not in this "
                                            "catalog; run `python build.py extract` then "
                                            "`python build.py update` (a plain `python "
                                            "build.py` runs both)"))
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
