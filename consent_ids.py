"""The consent and event ids' rule, shared by the server's contract, its routes and the tests.

One module with no dependency (the site id's rule is site_names'). Patterns are whole-value
patterns (`^…$`) as JSON Schema and OpenAPI show them; in Python, match them with
`matches_whole`, which uses `re.fullmatch`.
"""

from __future__ import annotations

import re

# Consent and event ids: 128 random bits as 32 lower-case hex digits, made by the widget.
HEX32 = r"^[0-9a-f]{32}$"

_COMPILED: dict[str, re.Pattern] = {}


def matches_whole(pattern: str, text) -> bool:
    """`text` is a string that `pattern` matches from its first character to its last."""
    if not isinstance(text, str):
        return False
    compiled = _COMPILED.get(pattern)
    if compiled is None:
        compiled = _COMPILED[pattern] = re.compile(pattern.removeprefix("^").removesuffix("$"))
    return compiled.fullmatch(text) is not None
