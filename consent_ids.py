"""The id rules shared by the build (site.toml) and the server (URLs, events, manifests).

One module with no dependency, so that the production server can import it without the build
package, and the build without the server. Patterns are whole-value patterns (`^…$`) as JSON
Schema and OpenAPI show them; in Python, match them with `is_id`, which uses `re.fullmatch`.
"""

from __future__ import annotations

import re

# A site id: what `[site] id` in site.toml may be, the folder dist/<site>/, the `site` field of
# every event and the CONSENT_*_<SITE> variables (upper-cased, "-" written "_").
SITE_ID = r"^[a-z][a-z0-9_-]{0,39}$"
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
