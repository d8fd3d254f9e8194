"""The server's secret key: from CONSENT_SECRET, else generated once into the instance folder."""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import tempfile
from pathlib import Path

FILE_NAME = "consent-secret.key"


def load_or_create(instance_path: str) -> bytes:
    """Read the instance's key, creating it atomically on first run (workers may race here)."""
    folder = Path(instance_path)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / FILE_NAME
    if not path.exists():
        fd, staging = tempfile.mkstemp(prefix=".secret-", dir=folder)
        try:
            os.write(fd, secrets.token_hex(32).encode() + b"\n")
            os.fsync(fd)
            os.close(fd)
            os.chmod(staging, 0o600)
            # link() fails if another worker won the race: every worker then reads its key.
            os.link(staging, path)
        except FileExistsError:
            pass
        finally:
            os.unlink(staging)
    return bytes.fromhex(path.read_text(encoding="ascii").strip())


def derive(secret: bytes, purpose: str) -> bytes:
    """One key per purpose, so that an IP pseudonym can never be mistaken for a receipt."""
    return hmac.new(secret, purpose.encode(), hashlib.sha256).digest()
