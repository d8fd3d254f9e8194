"""Read a site's definitions (site.toml) and check them against the schema.

Every problem is collected before failing, each with its file and line, so that
one build tells a site owner everything to fix.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from consent_ids import SITE_ID

from .errors import BuildError, Problem
from .toml_lines import key_lines, line_of

MAX_LIFETIME_DAYS = 395  # 13 months: the longest a consent may be kept (CNIL, EDPB guidance)
DURATION = re.compile(r"^(session|(?P<num>[1-9][0-9]*) (?P<unit>day|month|year)s?)$")
CONSENT_MODE_SIGNALS = {
    "ad_storage",
    "ad_user_data",
    "ad_personalization",
    "analytics_storage",
    "functionality_storage",
    "personalization_storage",
    "security_storage",
}
_ID = re.compile(r"^[a-z][a-z0-9_-]{0,39}$")
LANGUAGE_CODE = re.compile(r"^[a-z]{2,3}(_[A-Za-z0-9]{2,8})?$")
_COOKIE_TOKEN = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")  # RFC 6265 cookie-name


@dataclass
class Field:
    """One key of a table: its type, whether it must be there, and extra checks."""

    kind: type | tuple[type, ...]
    required: bool = True
    check: Callable[[Any], str | None] | None = None
    items: dict[str, Field] | type | None = None  # element schema for arrays
    default: Any = None


def _matches(pattern: re.Pattern, expected: str) -> Callable[[Any], str | None]:
    return lambda value: None if pattern.match(value) else f"expected {expected}, got {value!r}"


def _url(value: str) -> str | None:
    """An http(s) URL with a host, or a path on the site itself."""
    expected = f"expected an http(s) URL or a path starting with '/', got {value!r}"
    if any(c.isspace() or not c.isprintable() for c in value):
        return expected
    if value.startswith("/"):
        # Browsers read "//host/x" and "/\\host/x" as another host's URL.
        return None if value[1:2] not in ("/", "\\") else expected
    try:
        parts = urlsplit(value)
        ok = parts.scheme in ("http", "https") and bool(parts.hostname) and "\\" not in value
    except ValueError:
        ok = False
    return None if ok else expected


def _positive(value: int) -> str | None:
    return None if value >= 1 else f"expected a whole number of at least 1, got {value}"


def _lifetime(value: int) -> str | None:
    if 1 <= value <= MAX_LIFETIME_DAYS:
        return None
    return f"expected 1 to {MAX_LIFETIME_DAYS} days (13 months at most), got {value}"


def _signals(values: list) -> str | None:
    unknown = [v for v in values if v not in CONSENT_MODE_SIGNALS]
    if unknown:
        return f"unknown Consent Mode signal {unknown[0]!r}; expected one of " + ", ".join(
            sorted(CONSENT_MODE_SIGNALS)
        )
    return None


_DURATION_CHECK = _matches(DURATION, "'session' or a length such as '13 months'")
_TEXT = Field(str, check=lambda v: None if v.strip() else "expected a text, got an empty one")

COOKIE = {
    "name": Field(str),
    "provider": _TEXT,
    "purpose": _TEXT,
    "duration": Field(str, check=_DURATION_CHECK),
}
SERVICE = {
    "name": _TEXT,
    "provider": _TEXT,
    "purpose": _TEXT,
    "cookies": Field(list, items=str, required=False, default=[]),
    "duration": Field(str, check=_DURATION_CHECK),
}
CATEGORY = {
    "id": Field(str, check=_matches(_ID, "a lower-case id such as 'performance'")),
    "required": Field(bool, required=False, default=False),
    "title": _TEXT,
    "description": _TEXT,
    "consent_mode": Field(list, items=str, required=False, default=[], check=_signals),
    "cookies": Field(list, items=COOKIE, required=False, default=[]),
    "services": Field(list, items=SERVICE, required=False, default=[]),
}
CONTACT = {
    "address": Field(str, required=False),
    "email": Field(str, required=False),
    "phone": Field(str, required=False),
}
SITE = {
    "id": Field(str, check=_matches(re.compile(SITE_ID), "a lower-case id such as 'kppay'")),
    "name": _TEXT,
    "policy_url": Field(str, check=_url),
    "revision": Field(int, check=_positive),
    "lifetime_days": Field(int, required=False, default=180, check=_lifetime),
    "languages": Field(list, items=str),
    "default_language": Field(str, required=False),
    "endpoint": Field(str, check=_url),
    "cookie_name": Field(
        str, required=False, default="consent_banner",
        check=_matches(_COOKIE_TOKEN, "a cookie name (letters, digits, '_' or '-')"),
    ),
    "contact": Field(dict, items=CONTACT, required=False, default={}),
}
TOP = {
    "site": Field(dict, items=SITE),
    "categories": Field(list, items=CATEGORY),
}

_TYPE_NAMES = {str: "a string", int: "a whole number", bool: "true or false",
               list: "an array", dict: "a table"}


@dataclass
class SiteConfig:
    """A checked site definition: `site` and `categories` with defaults filled in."""

    path: Path
    site: dict
    categories: list[dict]
    lines: dict = field(repr=False, default_factory=dict)

    def line(self, *path: str | int) -> int | None:
        return line_of(self.lines, tuple(path))


class _Checker:
    def __init__(self, file: str, lines: dict):
        self.file = file
        self.lines = lines
        self.problems: list[Problem] = []

    def report(self, path: tuple, message: str) -> None:
        name = _dotted(path)
        self.problems.append(Problem(self.file, line_of(self.lines, path), f"{name}: {message}"))

    def table(self, value: dict, schema: dict[str, Field], path: tuple) -> dict:
        for key in value:
            if key not in schema:
                self.report(path + (key,), "unknown key; expected one of " + ", ".join(schema))
        out = {}
        for key, spec in schema.items():
            if key not in value:
                if spec.required:
                    self.report(path + (key,), f"missing; expected {_TYPE_NAMES[spec.kind]}")
                out[key] = spec.default
                continue
            out[key] = self.value(value[key], spec, path + (key,))
        return out

    def value(self, value: Any, spec: Field, path: tuple) -> Any:
        # bool is an int in Python; a TOML `true` is no revision number.
        if not isinstance(value, spec.kind) or (spec.kind is int and isinstance(value, bool)):
            self.report(path, f"expected {_TYPE_NAMES[spec.kind]}, got {_toml_type(value)}")
            return spec.default
        if isinstance(spec.items, dict) and spec.kind is dict:
            value = self.table(value, spec.items, path)
        elif isinstance(spec.items, dict):
            value = [self._element(v, spec.items, path + (i,)) for i, v in enumerate(value)]
        elif spec.items is not None:
            for i, item in enumerate(value):
                if not isinstance(item, spec.items):
                    self.report(path + (i,), f"expected {_TYPE_NAMES[spec.items]}, "
                                             f"got {_toml_type(item)}")
        if spec.check and (message := spec.check(value)):
            self.report(path, message)
        return value

    def _element(self, value: Any, schema: dict, path: tuple) -> dict:
        if not isinstance(value, dict):
            self.report(path, f"expected a table, got {_toml_type(value)}")
            return {}
        return self.table(value, schema, path)


def _dotted(path: tuple) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


def _toml_type(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    return {str: "a string", int: "a whole number", float: "a decimal number", list: "an array",
            dict: "a table"}.get(type(value), type(value).__name__)


def catalog_path(translations: Path, lang: str) -> Path:
    return translations / lang / "LC_MESSAGES" / "banner.po"


def load_site(path: Path, translations: Path) -> SiteConfig:
    """Parse and check `path`; raise BuildError listing every problem."""
    file = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        problem = Problem(file, None, f"cannot read the site file: {exc.strerror}")
        raise BuildError([problem]) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise BuildError([_syntax_problem(file, exc)]) from None
    checker = _Checker(file, key_lines(text))
    top = checker.table(data, TOP, ())
    site, categories = top["site"] or {}, top["categories"] or []
    if "categories" in data and not categories:
        checker.report(("categories",), "expected at least one category")
    _check_semantics(checker, site, categories, translations)
    if checker.problems:
        raise BuildError(checker.problems)
    if not site.get("default_language"):
        site["default_language"] = site["languages"][0]
    return SiteConfig(path, site, categories, checker.lines)


def _syntax_problem(file: str, exc: tomllib.TOMLDecodeError) -> Problem:
    # tomllib ends its message with "(at line L, column C)".
    found = re.search(r"\(at line (\d+), column (\d+)\)", str(exc))
    message = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc))
    if found:
        return Problem(file, int(found.group(1)),
                       f"TOML syntax error at column {found.group(2)}: {message}")
    return Problem(file, None, f"TOML syntax error: {message}")


def _check_semantics(checker: _Checker, site: dict, categories: list[dict],
                     translations: Path) -> None:
    """The rules that span several keys."""
    languages = site.get("languages") or []
    if "languages" in site and not languages:
        checker.report(("site", "languages"), "expected at least one language")
    for i, lang in enumerate(languages):
        if not isinstance(lang, str):
            continue
        if not LANGUAGE_CODE.match(lang):
            checker.report(("site", "languages", i),
                           f"expected a language code such as 'fr' or 'pt_BR', got {lang!r}")
        elif not catalog_path(translations, lang).is_file():
            checker.report(("site", "languages"),
                           f"language {lang!r} has no catalog; expected "
                           f"{catalog_path(translations, lang)} "
                           f"(create it with `python build.py init {lang}`)")
    default = site.get("default_language")
    if default and default not in languages:
        checker.report(("site", "default_language"),
                       f"{default!r} is not one of the site's languages {languages}")

    seen: dict[str, int] = {}
    signals: dict[str, str] = {}
    for i, category in enumerate(categories):
        cid = category.get("id")
        if not isinstance(cid, str):
            continue
        if cid in seen:
            checker.report(("categories", i, "id"),
                           f"duplicate category id {cid!r} (first at categories[{seen[cid]}])")
        seen.setdefault(cid, i)
        for signal in category.get("consent_mode") or []:
            if signal in signals and signals[signal] != cid:
                checker.report(("categories", i, "consent_mode"),
                               f"Consent Mode signal {signal!r} is already mapped to "
                               f"category {signals[signal]!r}")
            signals.setdefault(signal, cid)
    if categories and not any(c.get("required") for c in categories):
        checker.report(("categories",),
                       "no required category; expected one with `required = true` "
                       "(the essential cookies, which cannot be refused)")
