"""Babel extractors: `pybabel extract` finds the texts of site files, and the build's own texts
(the presets' in consent_build/presets/, the notices in consent_build/notices.toml)."""

from __future__ import annotations

import tomllib
from collections.abc import Iterator

from .messages import POLICY_CHANGED_COMMENT, SESSION_COMMENT, duration_text, site_messages
from .toml_lines import key_lines, line_of


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


def extract_build_toml(fileobj, keywords, comment_tags, options) -> Iterator[tuple]:
    """The build's own texts: a preset's purpose and duration, or a notice. Translated once,
    ready for any site that uses them."""
    text = fileobj.read().decode("utf-8")
    data, lines = tomllib.loads(text), key_lines(text)
    if "policy_changed" in data:
        yield (line_of(lines, ("policy_changed",)) or 1, "gettext", data["policy_changed"],
               [POLICY_CHANGED_COMMENT])
    if "purpose" in data:
        where = f"preset '{data.get('name', '')}'"
        yield (line_of(lines, ("purpose",)) or 1, "gettext", data["purpose"],
               [f"Purpose of the service {where}, shown in its table"])
        duration = duration_text(data["duration"])
        line = line_of(lines, ("duration",)) or 1
        if duration.context:
            yield line, "pgettext", (duration.context, duration.msgid), [SESSION_COMMENT]
        else:
            yield line, "ngettext", duration.msgid, ["Cookie duration; %(num)d is a number"]
