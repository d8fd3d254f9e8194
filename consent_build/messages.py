"""The texts a visitor can see: which messages the widget and the site file need.

The same functions feed the Babel extractor (translations/banner.pot) and the
build, so that what translators see is exactly what the build looks up.
"""

from __future__ import annotations

import functools
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from babel.messages.extract import DEFAULT_KEYWORDS, extract

from .errors import Problem
from .site_config import DURATION, REWORDED_CONTEXT, SiteConfig

# The keywords `pybabel extract` uses for the widget's JavaScript (Babel's defaults, as the
# pyproject mapping adds none): the build extracts with the same set, so that any call the
# template holds but the build cannot rewrite is reported (tests/test_i18n_extract.py).
JS_KEYWORDS = dict(DEFAULT_KEYWORDS)
COMMENT_TAG = "TRANSLATORS:"
# "keep under 20 characters" in a translator comment is a limit the check enforces.
LIMIT = re.compile(r"keep under (\d+) characters", re.IGNORECASE)
# One English word with two meanings gets a msgctxt: "session" the duration is not a login.
DURATION_CONTEXT = "cookie duration"
_UNITS = {"minute": ("%(num)d minute", "%(num)d minutes"),
          "hour": ("%(num)d hour", "%(num)d hours"),
          "day": ("%(num)d day", "%(num)d days"),
          "month": ("%(num)d month", "%(num)d months"),
          "year": ("%(num)d year", "%(num)d years")}
SESSION_COMMENT = "Cookie duration: deleted when the browser is closed"



@dataclass(frozen=True)
class Text:
    """One text the widget shows: a message, or a count formatted with a plural message."""

    msgid: str | tuple[str, str]
    count: int | None = None  # set for plural messages: the number to format
    context: str | None = None

    @property
    def key(self) -> tuple:
        return (self.context, self.msgid, self.count)


@dataclass(frozen=True)
class Extracted:
    """A message with where it was found, as Babel's extractors yield them."""

    lineno: int
    msgid: str | tuple[str, str]
    comments: tuple[str, ...] = ()
    context: str | None = None


# The texts the build adds only for sites that ask for them (consent_build/notices.toml).
NOTICES_FILE = Path(__file__).with_name("notices.toml")
POLICY_CHANGED_COMMENT = ("Shown on the first layer, under its heading, to a visitor asked "
                          "again because the cookie policy changed; {date} is the date, e.g. "
                          "25 October 2024")


@functools.cache
def policy_changed() -> Text:
    return Text(tomllib.loads(NOTICES_FILE.read_text(encoding="utf-8"))["policy_changed"])


def duration_text(duration: str) -> Text:
    """'13 months' -> the plural message for months, counted 13; 'session' -> 'session'."""
    found = DURATION.match(duration)
    if not found or duration == "session":
        return Text("session", context=DURATION_CONTEXT)
    return Text(_UNITS[found.group("unit")], count=int(found.group("num")))


def site_messages(data: dict, lines: dict) -> list[Extracted]:
    """The translatable texts of a parsed site file, with their lines and translator notes."""
    from .toml_lines import line_of

    out: list[Extracted] = []

    def add(path: tuple, msgid, comment: str, context: str | None = None) -> None:
        out.append(Extracted(line_of(lines, path) or 1, msgid, (comment,), context))

    site = data.get("site") if isinstance(data.get("site"), dict) else {}
    reworded = site.get("reworded") if isinstance(site.get("reworded"), list) else []
    for i, msgid in enumerate(reworded):
        if isinstance(msgid, str) and isinstance(site.get("id"), str):
            add(("site", "reworded", i), msgid,
                f"The wording of this text for the site '{site['id']}' only (its other "
                "sites keep the shared translation)", REWORDED_CONTEXT.format(id=site["id"]))
    for i, category in enumerate(data.get("categories") or []):
        if not isinstance(category, dict):
            continue
        cid = category.get("id", i)
        if isinstance(category.get("title"), str):
            add(("categories", i, "title"), category["title"],
                f"Title of the cookie category '{cid}' in the preferences; "
                "keep under 40 characters")
        if isinstance(category.get("description"), str):
            add(("categories", i, "description"), category["description"],
                f"Description of the cookie category '{cid}' in the preferences")
        for kind in ("cookies", "services"):
            for j, item in enumerate(category.get(kind) or []):
                if not isinstance(item, dict):
                    continue
                name = item.get("name", j)
                if isinstance(item.get("purpose"), str):
                    add(("categories", i, kind, j, "purpose"), item["purpose"],
                        f"Purpose of the {kind[:-1]} '{name}' ({cid}), shown in its table")
                if isinstance(item.get("duration"), str) and DURATION.match(item["duration"]):
                    text = duration_text(item["duration"])
                    comment = (SESSION_COMMENT if text.count is None
                               else "Cookie duration; %(num)d is a number")
                    add(("categories", i, kind, j, "duration"), text.msgid, comment,
                        text.context)
    return out


def readable_site_texts(data: dict) -> list[Text]:
    """The texts of a site file that fails its checks, as far as they can be read."""
    texts: list[Text] = []
    for category in data.get("categories") if isinstance(data.get("categories"), list) else []:
        if not isinstance(category, dict):
            continue
        texts += [Text(category[k]) for k in ("title", "description")
                  if isinstance(category.get(k), str)]
        for kind in ("cookies", "services"):
            items = category.get(kind) if isinstance(category.get(kind), list) else []
            for item in (i for i in items if isinstance(i, dict)):
                if isinstance(item.get("purpose"), str):
                    texts.append(Text(item["purpose"]))
                if isinstance(item.get("duration"), str) and DURATION.match(item["duration"]):
                    texts.append(duration_text(item["duration"]))
    return texts


def js_messages(path: Path) -> list[Extracted]:
    """The `_("…")` messages of one widget source file, through Babel's own extractor."""
    with path.open("rb") as fileobj:
        return [
            Extracted(lineno, msgid, tuple(comments), context)
            for lineno, msgid, comments, context in extract(
                "javascript", fileobj, keywords=JS_KEYWORDS, comment_tags=[COMMENT_TAG],
                strip_comment_tags=True,
            )
        ]


# A _("…") or pgettext("context", "…") call with double-quoted literals on one line: the only
# forms the widget may use, so that the build can swap them for an index into the text table.
_STRING = r'"((?:[^"\\\n]|\\.)*)"'
_CALL = re.compile(rf'\b(?:_\({_STRING}|pgettext\({_STRING},\s*{_STRING})\)')


def rewrite_calls(source: str, path: Path, index: dict[tuple, int]) -> tuple[str, list[Problem]]:
    """Replace each `_("msgid")` / `pgettext("ctx", "msgid")` in `source` by `_(n)`."""
    import json

    problems: list[Problem] = []
    rewritten_lines: set[int] = set()

    def swap(match: re.Match) -> str:
        plain, context, msgid = match.groups()
        key = (Text(json.loads(f'"{plain}"')).key if plain is not None
               else Text(json.loads(f'"{msgid}"'), context=json.loads(f'"{context}"')).key)
        line = source.count("\n", 0, match.start()) + 1
        if key not in index:  # e.g. inside a comment, where Babel finds nothing
            problems.append(Problem(str(path), line, f"{match.group(0)} is not a message "
                                    "Babel extracts (a comment?); reword it"))
            return match.group(0)
        rewritten_lines.add(line)
        return f"_({index[key]})"

    rewritten = _CALL.sub(swap, source)
    for found in js_messages(path):
        if found.lineno not in rewritten_lines:
            problems.append(Problem(str(path), found.lineno,
                                    f"{shown(found.msgid)!r} is marked for translation in a "
                                    'form the build cannot rewrite; write _("text") or '
                                    'pgettext("context", "text") with literals on one line'))
    return rewritten, problems


def shown(msgid: str | tuple) -> str:
    """A msgid as a message quotes it: the singular, cut after 60 characters."""
    text = msgid[0] if isinstance(msgid, tuple) else msgid
    return text if len(text) < 60 else text[:57] + "..."


def limit_of(comments: tuple[str, ...] | list[str]) -> int | None:
    """The length limit a translator comment states ("keep under N characters"), if any."""
    found = LIMIT.search(" ".join(comments))
    return int(found.group(1)) if found else None


def widget_texts(config: SiteConfig, js_files: list[Path]) -> list[Text]:
    """Every text the built widget needs, in a stable order: the code's first (the compiled
    code calls them by their place, see compiled.py), then the site's. A text the site
    rewords (`reworded`) is looked up under its site's msgctxt."""
    return list(site_texts(config, js_files)[0].values())


def text_limits(config: SiteConfig, js_files: list[Path]) -> dict[tuple, int]:
    """The stated length limit of each text that has one, by Text.key (from the sources)."""
    return site_texts(config, js_files)[1]


def site_texts(config: SiteConfig, js_files: list[Path]) -> tuple[dict[tuple, Text],
                                                                   dict[tuple, int]]:
    """The widget's texts for `config` keyed by their shared key (as site_data looks them
    up), each as the catalogs hold it for this site, and their limits by that Text.key."""
    texts, limits = _texts_and_limits(config, js_files)
    reworded = set(config.site.get("reworded", []))
    context = REWORDED_CONTEXT.format(id=config.site["id"])
    own = {key: Text(text.msgid, text.count, context) if _singular(text) in reworded
           and text.context is None else text for key, text in texts.items()}
    return own, {own[key].key: limit for key, limit in limits.items() if key in own}


def _singular(text: Text) -> str:
    return text.msgid[0] if isinstance(text.msgid, tuple) else text.msgid


def code_texts(js_files: list[Path]) -> tuple[dict[tuple, Text], dict[tuple, int]]:
    """The code's texts in the order of their numbers in the compiled code (compiled.py),
    and their stated length limits."""
    texts: dict[tuple, Text] = {}
    limits: dict[tuple, int] = {}
    for path in js_files:
        for found in js_messages(path):
            text = Text(found.msgid, context=found.context)
            texts.setdefault(text.key, text)
            if limit := limit_of(found.comments):
                limits[text.key] = limit
    return texts, limits


def _texts_and_limits(config: SiteConfig, js_files: list[Path]):
    texts, limits = code_texts(js_files)
    if config.site.get("revised"):
        texts.setdefault(policy_changed().key, policy_changed())
    for category in config.categories:
        for msgid in (category["title"], category["description"]):
            texts.setdefault(Text(msgid).key, Text(msgid))
        for item in category["cookies"] + category["services"]:
            for text in (Text(item["purpose"]), duration_text(item["duration"])):
                texts.setdefault(text.key, text)
    for found in site_messages(_raw(config), config.lines):
        limit = limit_of(found.comments)
        if limit:
            limits[Text(found.msgid, context=found.context).key] = limit
    return texts, limits


def _raw(config: SiteConfig) -> dict:
    return {"categories": config.categories}
