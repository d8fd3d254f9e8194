"""How a stored event is shown outside: JSON for the rights endpoint, CSV and JSON Lines for
portability and exports. One function per format, streaming line by line."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Iterator

from .contract import EXPORTED, shown

# Everything stored about the event (access right: nothing held back), times as text.
public = shown


# A formula's first character, at the start of a cell or after a separator a spreadsheet may
# split on (a French Excel splits on ";", whatever the quotes).
_FORMULA = re.compile(r"(^|[,;\t|])([=+\-@\t\r])")


def _cell(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    text = "" if value is None else str(value)
    # A user agent or a page URL is the visitor's own text: never let a spreadsheet run it as
    # a formula. A quote before the character makes it text.
    return _FORMULA.sub(r"\1'\2", text)


def csv_lines(rows: Iterable[dict], categories: list[str]) -> Iterator[str]:
    """A header, then one line per event; each category's choice in its own column."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n", quoting=csv.QUOTE_ALL)

    def line(values) -> str:
        writer.writerow(values)
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    yield line(list(EXPORTED) + [f"choice_{c}" for c in categories])
    for row in rows:
        event = public(row)
        yield line([_cell(event[name]) for name in EXPORTED]
                   + [_cell(event["choices"].get(c)) for c in categories])


def jsonl_lines(rows: Iterable[dict]) -> Iterator[str]:
    for row in rows:
        yield json.dumps(public(row), ensure_ascii=False, sort_keys=True) + "\n"


def categories_of(sites) -> list[str]:
    """Every category of every known site, in each site's display order."""
    seen: list[str] = []
    for site in sites:
        seen += [c for c in site.manifest["categories"] if c not in seen]
    return seen
