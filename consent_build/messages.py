"""The texts a visitor can see: which messages the widget and the site file need.

The same functions feed the Babel extractor (translations/banner.pot) and the
build, so that what translators see is exactly what the build looks up.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from babel.messages.extract import extract

from .errors import Problem
from .site_config import DURATION, SiteConfig

JS_KEYWORDS = {"_": None}
COMMENT_TAG = "TRANSLATORS:"
_UNITS = {"day": ("%(num)d day", "%(num)d days"),
          "month": ("%(num)d month", "%(num)d months"),
          "year": ("%(num)d year", "%(num)d years")}
_SESSION_COMMENT = "Cookie duration: deleted when the browser is closed"


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


def duration_text(duration: str) -> Text:
    """'13 months' -> the plural message for months, counted 13; 'session' -> 'session'."""
    found = DURATION.match(duration)
    if not found or duration == "session":
        return Text("session")
    return Text(_UNITS[found.group("unit")], count=int(found.group("num")))


def site_messages(data: dict, lines: dict) -> list[Extracted]:
    """The translatable texts of a parsed site file, with their lines and translator notes."""
    from .toml_lines import line_of

    out: list[Extracted] = []

    def add(path: tuple, msgid, comment: str) -> None:
        out.append(Extracted(line_of(lines, path) or 1, msgid, (comment,)))

    for i, category in enumerate(data.get("categories") or []):
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
                    comment = (_SESSION_COMMENT if text.count is None
                               else "Cookie duration; %(num)d is a number")
                    add(("categories", i, kind, j, "duration"), text.msgid, comment)
    return out


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


# A _("…") call with one double-quoted literal: the only form the widget may use,
# so that the build can swap it for an index into the language's text table.
_CALL = re.compile(r'\b_\("((?:[^"\\\n]|\\.)*)"\)')


def rewrite_calls(source: str, path: Path, index: dict[tuple, int]) -> tuple[str, list[Problem]]:
    """Replace each `_("msgid")` in `source` by `_(n)`, n being the text's place in the table."""
    import json

    problems: list[Problem] = []

    def swap(match: re.Match) -> str:
        key = Text(json.loads(f'"{match.group(1)}"')).key
        if key not in index:  # e.g. inside a comment, where Babel finds nothing
            line = source.count("\n", 0, match.start()) + 1
            problems.append(Problem(str(path), line, f"{match.group(0)} is not a message "
                                    "Babel extracts (a comment?); reword it"))
            return match.group(0)
        return f"_({index[key]})"

    rewritten = _CALL.sub(swap, source)
    found = len(_CALL.findall(source))
    extracted = js_messages(path)
    if found != len(extracted):
        problems.append(Problem(str(path), None,
                                f"{len(extracted)} translatable calls but {found} of the form "
                                '_("literal"); write each as _("text") on one line'))
    return rewritten, problems


def widget_texts(config: SiteConfig, js_files: list[Path]) -> list[Text]:
    """Every text the built widget needs, in a stable order: the site's, then the code's."""
    texts: dict[tuple, Text] = {}
    for category in config.categories:
        for msgid in (category["title"], category["description"]):
            texts.setdefault(Text(msgid).key, Text(msgid))
        for item in category["cookies"] + category["services"]:
            for text in (Text(item["purpose"]), duration_text(item["duration"])):
                texts.setdefault(text.key, text)
    for path in js_files:
        for found in js_messages(path):
            text = Text(found.msgid, context=found.context)
            texts.setdefault(text.key, text)
    return list(texts.values())
