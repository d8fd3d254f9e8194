"""Babel extractor for site files: `pybabel extract` finds the texts of site.toml."""

from __future__ import annotations

import tomllib
from collections.abc import Iterator

from .messages import site_messages
from .toml_lines import key_lines


def extract_site_toml(fileobj, keywords, comment_tags, options) -> Iterator[tuple]:
    """Yield (lineno, funcname, message, comments) for each translatable text."""
    text = fileobj.read().decode("utf-8")
    data = tomllib.loads(text)
    for found in site_messages(data, key_lines(text)):
        if found.context:
            yield found.lineno, "pgettext", (found.context, found.msgid), list(found.comments)
            continue
        funcname = "ngettext" if isinstance(found.msgid, tuple) else "gettext"
        yield found.lineno, funcname, found.msgid, list(found.comments)
