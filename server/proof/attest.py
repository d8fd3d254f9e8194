"""How the proof document vouches for its events (`attest`), and how the console checks a
record (`receipt_matches`): each event's receipt is its keyed hash (only the server can make it)
and its Ed25519 signature, a compact JWS anyone verifies with the published keys
(/.well-known/jwks.json); the document names where each event sits in its site's signed log,
and the evidence it gathers is signed by the server's key in turn.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime

from flask import current_app

from .. import ledger, signing
from ..console.i18n import gettext
from ..contract import iso, receipt
from ..db import get_engine


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
    """The stored receipt is the keyed hash of the stored row and, where the row carries one,
    its signature verifies over it: the record was not changed since it was written."""
    if not hmac.compare_digest(receipt(row, key), row["receipt"]):
        return False
    return (row.get("signature") is None
            or ledger.receipt_of(row, current_app.extensions["consent_signing"])["verified"])


def _check(row: dict, key: bytes, keyring, engine, erased_key: bytes) -> Check:
    found = ledger.receipt_of(row, keyring, engine, erased_key)
    hashed = hmac.compare_digest(receipt(row, key), row["receipt"])
    if row.get("signature") is None:
        return Check(hashed, gettext("Recorded before receipts were signed: checked by the "
                                     "server only, by the HMAC-SHA256 of the stored event."))
    if not (found["verified"] and hashed):
        return Check(False, gettext("The signature does not verify: %(problem)s",
                                    problem=found["problem"] or gettext("the keyed hash differs")))
    method = gettext("Its Ed25519 signature (key %(kid)s) verifies with the server's published "
                     "keys, /.well-known/jwks.json, without our software.", kid=found["kid"])
    if found["inclusion"]:
        method += " " + gettext("It is entry %(index)s of the site's signed log of %(size)s "
                                "events (consents verify).",
                                index=found["inclusion"]["log_index"],
                                size=found["inclusion"]["tree_size"])
    return Check(True, method)


def attest(rows: list[dict], evidence: bytes) -> Attestation:
    """Check each event's receipt and signature, and sign the evidence: a compact JWS whose
    payload names the evidence's SHA-256 and when it was gathered."""
    keys, keyring = current_app.extensions["consent_keys"], current_app.extensions[
        "consent_signing"]
    checks = [_check(row, keys["receipt"], keyring, get_engine(), keys["erased"])
              for row in rows]
    statement = signing.canonical({"evidence_sha256": hashlib.sha256(evidence).hexdigest(),
                                   "signed_at": iso(datetime.now(UTC))})
    how = gettext("A compact JWS (RFC 7515, EdDSA) by the server's Ed25519 key: its payload "
                  "names the SHA-256 of the evidence file above. It verifies with the public "
                  "keys at /.well-known/jwks.json, as the README's section on proofs anyone "
                  "can verify shows.")
    return Attestation(checks=checks, signature=keyring.sign(statement), how=how)
