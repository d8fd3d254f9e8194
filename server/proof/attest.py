"""How the proof document vouches for its events: THE ONE HOOK to wire to the signed receipts
(Ed25519 JWS, JWKS, Merkle tree: issue 13, part B), `attest`.

Until then, each event's receipt is checked as the console checks it (the HMAC-SHA256 of the
recorded event, recomputed with the server's key: only the server can do it), and the
document is not signed: it says so, and shows the digest a signature will cover.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass

from flask import current_app

from ..console.i18n import gettext
from ..contract import receipt


@dataclass(frozen=True)
class Check:
    """One event's receipt, checked."""

    ok: bool
    method: str  # how it was checked, for the reader


@dataclass(frozen=True)
class Attestation:
    checks: list[Check]  # one per event, in the document's order
    # The signature of the evidence (the document's canonical JSON, whose SHA-256 it shows);
    # None while the server has no signing key.
    signature: str | None
    how: str  # how to check the signature, or why there is none


def receipt_matches(row: dict, key: bytes) -> bool:
    """The stored receipt is the keyed hash of the stored row: it was not changed since."""
    return hmac.compare_digest(receipt(row, key), row["receipt"])


def attest(rows: list[dict], evidence: bytes) -> Attestation:
    """Check each event's receipt and sign the evidence. Part B replaces this body: verify
    each row's JWS receipt against the published JWKS (and its Merkle inclusion), and sign
    `evidence` with the server's Ed25519 key."""
    key = current_app.extensions["consent_keys"]["receipt"]
    method = gettext("Checked by the server: the HMAC-SHA256 of the stored event, recomputed "
                     "with its receipt key.")
    return Attestation(checks=[Check(receipt_matches(row, key), method) for row in rows],
                       signature=None,
                       how=gettext("Not signed: this server has no signing key yet. The "
                                   "SHA-256 above identifies this evidence."))
