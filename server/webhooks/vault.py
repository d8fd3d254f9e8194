"""Endpoint secrets: made here, shown once, kept encrypted.

The server signs every message with the endpoint's secret, so it must be able to read it back:
a keyed hash (as for account identifiers) would not do. It is sealed with AES-GCM under a key
derived from the server's secret (CONSENT_SECRET or the instance's key file, never in the
database), with the endpoint's site and URL as associated data: a copy of the database alone
reveals no secret, and a sealed secret moved to another endpoint's row does not open.
"""

from __future__ import annotations

import base64
import os
import secrets

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

PREFIX = "whsec_"
# Standard Webhooks asks for 24 to 64 random bytes.
SECRET_BYTES = 32
_NONCE = 12


class Unreadable(Exception):
    """The sealed secret does not open with this server's key (the secret was changed)."""


def new_secret() -> str:
    """`whsec_` and the base64 of 32 random bytes, as the Standard Webhooks libraries read it."""
    return PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def _bound(site: str, url: str) -> bytes:
    return f"{site}\n{url}".encode()


def seal(secret: str, key: bytes, site: str, url: str) -> str:
    nonce = os.urandom(_NONCE)
    sealed = AESGCM(key).encrypt(nonce, secret.encode(), _bound(site, url))
    return base64.b64encode(nonce + sealed).decode()


def unseal(sealed: str, key: bytes, site: str, url: str) -> str:
    raw = base64.b64decode(sealed)
    try:
        return AESGCM(key).decrypt(raw[:_NONCE], raw[_NONCE:], _bound(site, url)).decode()
    except InvalidTag:
        raise Unreadable("this endpoint's secret was sealed with another server secret") from None
