"""The rights form's fields and their checks: one definition, read by the page and its tests."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from urllib.parse import unquote

from consent_ids import HEX32, matches_whole

from ..console.i18n import gettext
from .tables import KINDS

EMAIL_MAX = 254
MESSAGE_MAX = 4000
# One @, something on each side, a dot in the domain, no space: what a person mistypes.
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def kind_names(_=gettext) -> dict[str, str]:
    """The six rights of the policy's section 7, as the visitor reads them (`_`: another
    language's gettext, for e-mail written outside a request)."""
    return {"access": _("Access to my data"),
            "rectification": _("Rectification of my data"),
            "objection": _("Objection to their use"),
            "erasure": _("Erasure of my data"),
            "restriction": _("Restriction of their use"),
            "portability": _("Portability (a copy to take elsewhere)")}


@dataclass
class Filed:
    """What the visitor sent, as typed, and the message for each field that is wrong."""

    kind: str = ""
    consent_id: str = ""
    email: str = ""
    message: str = ""
    errors: dict[str, str] | None = None


def read(form) -> Filed:
    filed = Filed(kind=form.get("kind", ""), consent_id=form.get("consent_id", "").strip().lower(),
                  email=form.get("email", "").strip(), message=form.get("message", "").strip())
    errors = {}
    if filed.kind not in KINDS:
        errors["kind"] = gettext("Choose the right you want to exercise.")
    if filed.consent_id and not matches_whole(HEX32, filed.consent_id):
        errors["consent_id"] = gettext("A consent reference is 32 characters from 0-9 and a-f. "
                                       "Leave the field empty if you do not have it.")
    if not filed.email:
        errors["email"] = gettext("Give an e-mail address: the answer is sent there.")
    elif len(filed.email) > EMAIL_MAX or not EMAIL.fullmatch(filed.email):
        errors["email"] = gettext("This is not an e-mail address, such as name@example.com.")
    if len(filed.message) > MESSAGE_MAX:
        errors["message"] = gettext("Write at most %(count)s characters.", count=MESSAGE_MAX)
    filed.errors = errors
    # Never echo back more than the fields may hold.
    filed.consent_id, filed.email = filed.consent_id[:64], filed.email[:EMAIL_MAX + 1]
    filed.message = filed.message[:MESSAGE_MAX + 1]
    return filed


def consent_id_from_cookie(value: str | None) -> str:
    """The consent id in the banner's cookie (URL-encoded JSON, banner_src/js/consent.js), or
    "" when there is none or it is not one."""
    if not value:
        return ""
    try:
        found = json.loads(unquote(value)).get("consent_id")
    except (ValueError, AttributeError):
        return ""
    return found if matches_whole(HEX32, found) else ""


def known_consent_id(linked: str | None, cookie: str | None) -> str:
    """The reference to fill in: the one the banner's link carries (from a site on another
    origin, the banner's cookie never reaches this server), else the cookie's, else ""."""
    return linked if matches_whole(HEX32, linked) else consent_id_from_cookie(cookie)
