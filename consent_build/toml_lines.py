"""Find the line of a key in a TOML file, since tomllib keeps no positions.

Only the forms site files use are understood: `[table]`, `[[array.of.tables]]`
and `key = value` lines. That is enough to point a person at the line to fix.
"""

from __future__ import annotations

import re

_HEADER = re.compile(r"^\s*(\[\[?)\s*([A-Za-z0-9_.\-\s\"]+?)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(r"^\s*([A-Za-z0-9_\-]+|\"[^\"]*\")\s*=")

Path = tuple[str | int, ...]


def key_lines(text: str) -> dict[Path, int]:
    """Map each table and key path, e.g. ("categories", 1, "title"), to its 1-based line."""
    lines: dict[Path, int] = {}
    counters: dict[Path, int] = {}
    table: Path = ()
    for number, line in enumerate(text.splitlines(), start=1):
        header = _HEADER.match(line)
        if header:
            brackets, dotted = header.group(1), header.group(2)
            names = [part.strip().strip('"') for part in dotted.split(".")]
            table = _resolve(names, counters, is_array=brackets == "[[")
            lines.setdefault(table, number)
            if brackets == "[[":  # the array itself is where its first element starts
                lines.setdefault(table[:-1], number)
            continue
        key = _KEY.match(line)
        if key:
            lines.setdefault(table + (key.group(1).strip('"'),), number)
    return lines


def _resolve(names: list[str], counters: dict[Path, int], is_array: bool) -> Path:
    """Turn a header's dotted names into a path with array indexes filled in."""
    path: Path = ()
    for depth, name in enumerate(names):
        path += (name,)
        last = depth == len(names) - 1
        if last and is_array:
            index = counters.get(path, -1) + 1
            counters[path] = index
            path += (index,)
        elif path in counters:
            path += (counters[path],)
    return path


def line_of(lines: dict[Path, int], path: Path) -> int | None:
    """The line of `path`, or of its nearest parent that has one."""
    while path:
        if path in lines:
            return lines[path]
        path = path[:-1]
    return None
