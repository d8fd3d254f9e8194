"""The server's Ed25519 signing keys: compact JWS (RFC 7515, alg EdDSA) over RFC 8785 canonical
JSON, and the public keys as a JWKS (RFC 7517) for anyone to verify offline.

The keys live in one folder (CONSENT_SIGNING_KEYS, default `<instance>/signing-keys`):
`active.pem`, the private key that signs (PKCS#8, mode 0600, never served), and `public/<kid>.json`,
the public JWK of every key that ever signed. Rotation (`flask --app server consents rotate-key`)
writes a new key's public JWK, then replaces `active.pem`: the retired private key is gone, so
nothing can be signed with it any more, and its public key stays published, so its receipts keep
verifying. The kid is the key's RFC 7638 thumbprint: anyone can recompute it from the key.
"""

from __future__ import annotations

import base64
import binascii
import fcntl
import hashlib
import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import nacl.bindings
import rfc8785
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

ACTIVE = "active.pem"
PUBLIC = "public"
ALG = "EdDSA"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def unb64url(text: str) -> bytes:
    """Strict base64url without padding (RFC 7515 section 2); ValueError otherwise."""
    if not text or "=" in text or len(text) % 4 == 1:
        raise ValueError("not base64url")
    try:
        return base64.b64decode(text + "=" * (-len(text) % 4), altchars=b"-_", validate=True)
    except binascii.Error as exc:
        raise ValueError("not base64url") from exc


def canonical(value) -> bytes:
    """RFC 8785 (JCS): the one byte form that both the signer and any verifier compute."""
    return rfc8785.dumps(value)


def canonical_event(value: dict) -> bytes:
    """RFC 8785 bytes of a consent event, five times faster than `canonical` (it is on the
    POST): for ASCII keys, strings without unpaired surrogates, integers within 2**53,
    booleans and null, which is all an event holds (contract.statement), sorted compact
    json.dumps writes exactly RFC 8785's bytes; tests/test_proof_standards.py checks both agree
    on generated events."""
    return _CANONICAL_EVENT.encode(value).encode()


# Made once: json.dumps with arguments builds an encoder per call.
_CANONICAL_EVENT = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                                    allow_nan=False)


def _raw(public: Ed25519PublicKey) -> bytes:
    return public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def public_jwk(public: Ed25519PublicKey) -> dict:
    x = b64url(_raw(public))
    # RFC 7638: the thumbprint hashes the required members, in lexical order, no spaces.
    thumbprint = hashlib.sha256(canonical({"crv": "Ed25519", "kty": "OKP", "x": x})).digest()
    return {"kty": "OKP", "crv": "Ed25519", "x": x, "kid": b64url(thumbprint), "alg": ALG,
            "use": "sig"}


class BadSignature(Exception):
    """A JWS that is malformed, names an unknown key, or does not verify."""


@dataclass
class Keyring:
    """The active private key (None where only verifying) and every published public key."""

    active: Ed25519PrivateKey | None
    kid: str | None
    public: dict[str, Ed25519PublicKey] = field(default_factory=dict)
    _header: str | None = None
    # The active key as libsodium takes it, beside the key it was made from.
    _sodium: tuple[Ed25519PrivateKey, bytes] | None = None

    def sign(self, payload: bytes) -> str:
        """A compact JWS of `payload` (embedded, not detached)."""
        if self._header is None:
            self._header = b64url(canonical({"alg": ALG, "kid": self.kid}))
        signing_input = f"{self._header}.{b64url(payload)}"
        return f"{signing_input}.{b64url(self._signature(signing_input.encode('ascii')))}"

    def _signature(self, data: bytes) -> bytes:
        """The Ed25519 signature of `data` by the active key, made by libsodium: Ed25519 is
        deterministic (RFC 8032), so these are the bytes OpenSSL makes (tests/
        test_proof_signatures.py compares them), in about half the time (it is on the POST)."""
        if self._sodium is None or self._sodium[0] is not self.active:
            seed = self.active.private_bytes(serialization.Encoding.Raw,
                                             serialization.PrivateFormat.Raw,
                                             serialization.NoEncryption())
            self._sodium = (self.active, nacl.bindings.crypto_sign_seed_keypair(seed)[1])
        # crypto_sign gives the signature followed by the message.
        return nacl.bindings.crypto_sign(data, self._sodium[1])[:64]

    def verify(self, token: str) -> tuple[str, bytes]:
        """(kid, payload) of a valid JWS signed by one of the published keys; BadSignature."""
        parts = token.split(".") if isinstance(token, str) else []
        if len(parts) != 3:
            raise BadSignature("not a compact JWS (three base64url parts)")
        try:
            header = json.loads(unb64url(parts[0]))
            payload, signature = unb64url(parts[1]), unb64url(parts[2])
        except ValueError as exc:
            raise BadSignature(f"malformed JWS: {exc}") from None
        if not isinstance(header, dict) or header.get("alg") != ALG:
            raise BadSignature("the JWS header's alg is not EdDSA")
        # Only the members we sign: a `crit` or `b64` we do not understand must not pass.
        if set(header) != {"alg", "kid"}:
            raise BadSignature("unexpected JWS header members")
        key = self.public.get(header.get("kid"))
        if key is None:
            raise BadSignature(f"no published key has kid {header.get('kid')!r}")
        try:
            key.verify(signature, f"{parts[0]}.{parts[1]}".encode("ascii"))
        except InvalidSignature:
            raise BadSignature("the signature does not verify") from None
        return header["kid"], payload


def folder_of(config) -> Path:
    return Path(config["CONSENT_SIGNING_KEYS"] or Path(config["CONSENT_INSTANCE_PATH"])
                / "signing-keys")


def _write_atomic(path: Path, data: bytes, mode: int) -> None:
    fd, staging = tempfile.mkstemp(prefix=".key-", dir=path.parent)
    try:
        os.write(fd, data)
        os.fsync(fd)
        os.close(fd)
        os.chmod(staging, mode)
        os.replace(staging, path)
    except BaseException:
        os.unlink(staging)
        raise


def _publish(folder: Path, key: Ed25519PrivateKey) -> str:
    jwk = public_jwk(key.public_key())
    (folder / PUBLIC).mkdir(parents=True, exist_ok=True)
    _write_atomic(folder / PUBLIC / f"{jwk['kid']}.json",
                  json.dumps(jwk, indent=1).encode() + b"\n", 0o644)
    return jwk["kid"]


def _pem(key: Ed25519PrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def _locked(folder: Path):
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    handle = open(folder / ".lock", "a")  # noqa: SIM115 - closed by the caller's with
    fcntl.flock(handle, fcntl.LOCK_EX)
    return handle


def rotate(folder: Path) -> str:
    """A new active key; the previous one retired (its public key stays published)."""
    with _locked(folder):
        key = Ed25519PrivateKey.generate()
        kid = _publish(folder, key)  # published before it signs anything
        _write_atomic(folder / ACTIVE, _pem(key), 0o600)
    return kid


def load(folder: Path, create: bool = True) -> Keyring:
    """The folder's keys; its first key is made on first start (workers may race here)."""
    if create and not (folder / ACTIVE).exists():
        with _locked(folder):
            if not (folder / ACTIVE).exists():
                key = Ed25519PrivateKey.generate()
                _publish(folder, key)
                _write_atomic(folder / ACTIVE, _pem(key), 0o600)
    active = kid = None
    if (folder / ACTIVE).exists():
        active = serialization.load_pem_private_key((folder / ACTIVE).read_bytes(), None)
        if not isinstance(active, Ed25519PrivateKey):
            raise ValueError(f"{folder / ACTIVE}: not an Ed25519 private key")
        # Published again if its JWK went missing: a receipt must never name an unknown key.
        kid = public_jwk(active.public_key())["kid"]
        if not (folder / PUBLIC / f"{kid}.json").exists():
            _publish(folder, active)
    return from_jwks(jwks_of(folder, kid), active, kid)


def jwks_of(folder: Path, active_kid: str | None = None) -> dict:
    """Every published key, `active_kid` first."""
    keys = [json.loads(p.read_text(encoding="utf-8"))
            for p in sorted((folder / PUBLIC).glob("*.json"))]
    return {"keys": sorted(keys, key=lambda k: k.get("kid") != active_kid)}


def from_jwks(jwks: dict, active: Ed25519PrivateKey | None = None,
              kid: str | None = None) -> Keyring:
    """A keyring that verifies with the keys of a JWKS (and signs with `active`, if given)."""
    public = {}
    for jwk in jwks.get("keys", []):
        if jwk.get("kty") == "OKP" and jwk.get("crv") == "Ed25519":
            public[jwk["kid"]] = Ed25519PublicKey.from_public_bytes(unb64url(jwk["x"]))
    return Keyring(active, kid, public)
