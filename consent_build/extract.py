"""Babel extractor for site files: `pybabel extract` finds the texts of site.toml."""

from __future__ import annotations

import tomllib
from collections.abc import Iterator

from .messages import site_messages
from .toml_lines import key_lines


def extract_preset_toml(fileobj, keywords, comment_tags, options) -> Iterator[tuple]:
    """Yield the texts of one preset (consent_build/presets/*.toml): its purpose and duration,
    so that every preset a site may name is translated once, for every site."""
    text = fileobj.read().decode("utf-8")
    preset = tomllib.loads(text)
    lines = key_lines(text)
    # A preset reads as one service of a category named after it.
    data = {"categories": [{"id": "preset", "services": [preset]}]}
    shifted = {("categories", 0, "services", 0) + path: line for path, line in lines.items()}
    yield from _as_babel(site_messages(data, shifted))


def extract_site_toml(fileobj, keywords, comment_tags, options) -> Iterator[tuple]:
    """Yield (lineno, funcname, message, comments) for each translatable text."""
    text = fileobj.read().decode("utf-8")
    data = tomllib.loads(text)
    yield from _as_babel(site_messages(data, key_lines(text)))


def _as_babel(messages) -> Iterator[tuple]:
    for found in messages:
        if found.context:
            yield found.lineno, "pgettext", (found.context, found.msgid), list(found.comments)
            continue
        funcname = "ngettext" if isinstance(found.msgid, tuple) else "gettext"
        yield found.lineno, funcname, found.msgid, list(found.comments)
