"""A site's id and the environment names that configure it: one rule, both ways.

The build refuses an id this rule cannot carry, and the server reads `CONSENT_ORIGINS_<SITE>`
(and the other per-site settings) through it, so that an id and its variables cannot disagree.
Lower-case letters and digits in words joined by single hyphens: `kppay-marchands` is
configured by `CONSENT_ORIGINS_KPPAY_MARCHANDS`, and that name means that id alone (an id with
`_` would read back with `-`, so ids have no `_`). Imported by consent_build and server alike:
it imports neither.
"""

from __future__ import annotations

import re

# Also in consent_build/site.schema.json ($defs.site_id), for editors; a test keeps them equal.
SITE_ID_PATTERN = "^[a-z][a-z0-9]*(-[a-z0-9]+)*$"
SITE_ID_MAX_LENGTH = 40
SITE_ID = re.compile(SITE_ID_PATTERN)
_ENV_SUFFIX = re.compile(r"^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$")


def is_site_id(value: object) -> bool:
    return (isinstance(value, str) and len(value) <= SITE_ID_MAX_LENGTH
            and bool(SITE_ID.match(value)))


def env_suffix(site_id: str) -> str:
    """`kppay-marchands` -> `KPPAY_MARCHANDS`, as in CONSENT_ORIGINS_KPPAY_MARCHANDS."""
    return site_id.upper().replace("-", "_")


def site_of_suffix(suffix: str) -> str | None:
    """`KPPAY_MARCHANDS` -> `kppay-marchands`; None for a suffix no site id can have."""
    if not _ENV_SUFFIX.match(suffix):
        return None
    site_id = suffix.lower().replace("_", "-")
    return site_id if is_site_id(site_id) else None
