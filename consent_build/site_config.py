"""Read a site's definitions (site.toml) and check them against the schema.

Every problem is collected before failing, each with its file and line, so that
one build tells a site owner everything to fix.
"""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from publicsuffixlist import PublicSuffixList

from . import presets
from .errors import BuildError, Problem
from .toml_lines import key_lines, line_of

# The one definition of a site file: consent_build/site.schema.json. What the code needs of
# it is read from it.
SCHEMA_FILE = Path(__file__).with_name("site.schema.json")
SCHEMA = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
_DEFS = SCHEMA["$defs"]
_SITE = SCHEMA["properties"]["site"]["properties"]
MAX_LIFETIME_DAYS = _SITE["lifetime_days"]["maximum"]  # 13 months (CNIL, EDPB guidance)
LANGUAGE_CODE = re.compile(_SITE["languages"]["items"]["pattern"])
COOKIE_DOMAIN = re.compile(_SITE["cookie_domain"]["pattern"])
CONSENT_MODE_SIGNALS = set(_DEFS["category"]["properties"]["consent_mode"]["items"]["enum"])
# The schema's duration pattern, with its groups named for the code that reads them.
DURATION = re.compile(_DEFS["duration"]["pattern"].replace("([1-9][0-9]*)", "(?P<num>[1-9][0-9]*)")
                      .replace("(minute|hour|day|month|year)",
                               "(?P<unit>minute|hour|day|month|year)"))
_VALIDATOR = Draft202012Validator(SCHEMA)
_PUBLIC_SUFFIXES = PublicSuffixList()
# Where the toolchain's sites live: one file a site, named after its id (sites/kppay.toml).
SITES_FOLDER = "sites"
# The msgctxt of a text a site words its own way (`reworded`).
REWORDED_CONTEXT = "site {id}"

_TYPE_NAMES = {"string": "a string", "integer": "a whole number", "boolean": "true or false",
               "array": "an array", "object": "a table"}


@dataclass
class SiteConfig:
    """A checked site definition: `site` and `categories` with defaults filled in."""

    path: Path
    site: dict
    categories: list[dict]
    lines: dict = field(repr=False, default_factory=dict)
    theme: dict = field(default_factory=dict)  # checked against the CSS by the build (theme.py)

    def line(self, *path: str | int) -> int | None:
        return line_of(self.lines, tuple(path))


class _Report:
    """Problems of one site file, each with the line of the key it is about."""

    def __init__(self, file: str, lines: dict):
        self.file, self.lines, self.problems = file, lines, []

    def __call__(self, path: tuple, message: str) -> None:
        problem = Problem(self.file, line_of(self.lines, path), f"{_dotted(path)}: {message}")
        # jsonschema yields an `if`/`then` error once per $ref that leads to it: said once.
        if problem not in self.problems:
            self.problems.append(problem)


def _schema_at(path: tuple) -> dict:
    """The schema of the value at `path`, its $ref resolved (the referring keys win)."""
    node = SCHEMA
    for part in path:
        node = node.get("items", {}) if isinstance(part, int) else (
            node.get("properties", {}).get(part, {}))
        if "$ref" in node:
            node = {**_DEFS[node["$ref"].rsplit("/", 1)[1]], **node}
    return node


def _schema_problems(data: dict, report: _Report) -> None:
    """Each schema error, said the way a person fixes it."""
    for error in _VALIDATOR.iter_errors(data):
        path, value, kind = tuple(error.absolute_path), error.instance, error.validator
        schema = _schema_at(path)
        if kind == "type":
            report(path, f"expected {_TYPE_NAMES[error.validator_value]}, got {_toml_type(value)}")
        elif kind == "required":
            for key in error.validator_value:
                if key not in value:
                    expected = _TYPE_NAMES.get(_schema_at(path + (key,)).get("type"), "a value")
                    report(path + (key,), f"missing; expected {expected}")
        elif kind == "additionalProperties":
            known = list(schema.get("properties", {}))
            for key in value:
                if key not in known:
                    report(path + (key,), "unknown key; expected one of " + ", ".join(known))
        elif kind == "enum":
            # an unknown item of a list is reported on the list's key
            where = path[:-1] if path and isinstance(path[-1], int) else path
            report(where, f"unknown {schema.get('x-name', 'value')} {value!r}; expected one of "
                   + ", ".join(error.validator_value))
        else:  # pattern, minimum, maximum, minItems: the schema says what it expected
            report(path, f"expected {schema.get('x-expected', error.message)}, got {value!r}")


def _with_defaults(value: Any, path: tuple = ()) -> Any:
    """`value` with the schema's defaults filled in, at every depth."""
    schema = _schema_at(path)
    if isinstance(value, dict):
        filled = {key: _with_defaults(item, path + (key,)) for key, item in value.items()}
        for key, spec in schema.get("properties", {}).items():
            if key not in filled and "$ref" not in spec and "default" in spec:
                filled[key] = json.loads(json.dumps(spec["default"]))
        return filled
    if isinstance(value, list):
        return [_with_defaults(item, path + (i,)) for i, item in enumerate(value)]
    return value


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


def list_site_files(root: Path) -> list[Path]:
    """Every site of the toolchain rooted at `root`: sites/*.toml, by name."""
    return sorted((root / SITES_FOLDER).glob("*.toml"))


def site_id_of(path: Path) -> str:
    """The id a site file gives itself, for messages; its file name when it cannot be read."""
    try:
        site = tomllib.loads(path.read_text(encoding="utf-8")).get("site")
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return path.stem
    return site["id"] if isinstance(site, dict) and isinstance(site.get("id"), str) else path.stem


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
    report = _Report(file, key_lines(text))
    _schema_problems(data, report)
    site = data.get("site") if isinstance(data.get("site"), dict) else {}
    categories = data.get("categories") if isinstance(data.get("categories"), list) else []
    presets.resolve(categories)
    _check_semantics(report, site, categories, translations, path)
    if report.problems:
        raise BuildError(report.problems)
    data = _with_defaults(data)
    site, categories = data["site"], data["categories"]
    if not site.get("default_language"):
        site["default_language"] = site["languages"][0]
    return SiteConfig(path, site, categories, report.lines, data["theme"])


def _syntax_problem(file: str, exc: tomllib.TOMLDecodeError) -> Problem:
    # tomllib ends its message with "(at line L, column C)".
    found = re.search(r"\(at line (\d+), column (\d+)\)", str(exc))
    message = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc))
    if found:
        return Problem(file, int(found.group(1)),
                       f"TOML syntax error at column {found.group(2)}: {message}")
    return Problem(file, None, f"TOML syntax error: {message}")


def _check_semantics(report: _Report, site: dict, categories: list[dict],
                     translations: Path, path: Path) -> None:
    """The rules a schema cannot say: catalogs on disk, and rules that span several keys."""
    site_id = site.get("id")
    if (path.parent.name == SITES_FOLDER and isinstance(site_id, str)
            and path.stem != site_id):
        report(("site", "id"), f"{site_id!r} is not the file's name; a site file in "
               f"{SITES_FOLDER}/ is named after its id: rename it to "
               f"{SITES_FOLDER}/{site_id}.toml")
    languages = site.get("languages") if isinstance(site.get("languages"), list) else []
    for lang in languages:
        if isinstance(lang, str) and LANGUAGE_CODE.match(lang) and not catalog_path(
                translations, lang).is_file():
            report(("site", "languages"),
                   f"language {lang!r} has no catalog; expected "
                   f"{catalog_path(translations, lang)} "
                   f"(create it with `python build.py init {lang} --site {path}`)")
    domain = site.get("cookie_domain")
    if (isinstance(domain, str) and COOKIE_DOMAIN.match(domain)
            and _PUBLIC_SUFFIXES.is_public(domain)):
        report(("site", "cookie_domain"),
               f"{domain!r} is a public suffix (Public Suffix List): browsers refuse a cookie "
               "set on it for every site below it; expected the site's own domain, such as "
               "'kppay.tg'")
    default = site.get("default_language")
    if default and default not in languages:
        report(("site", "default_language"),
                   f"{default!r} is not one of the site's languages {languages}")

    seen: dict[str, int] = {}
    signals: dict[str, str] = {}
    for i, category in enumerate(categories):
        cid = category.get("id") if isinstance(category, dict) else None
        if not isinstance(cid, str):
            continue
        if cid in seen:
            report(("categories", i, "id"),
                   f"duplicate category id {cid!r} (first at categories[{seen[cid]}])")
        seen.setdefault(cid, i)
        mapped = category.get("consent_mode")
        for signal in mapped if isinstance(mapped, list) else []:
            if signal in signals and signals[signal] != cid:
                report(("categories", i, "consent_mode"),
                   f"Consent Mode signal {signal!r} is already mapped to "
                   f"category {signals[signal]!r}")
            signals.setdefault(signal, cid)
    if categories and not any(isinstance(c, dict) and c.get("required") is True
                              for c in categories):
        report(("categories",),
                   "no required category; expected one with `required = true` "
                   "(the essential cookies, which cannot be refused)")
