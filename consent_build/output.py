"""Write dist/<site>/: hashed and stable files, compressed siblings and manifest.json.

Everything is written to a temporary folder first and moved in place at the end,
so that a failed build never leaves a half-written dist/.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path

import brotli

from release_ids import RELEASE_FILE, SCREENSHOTS

from .release import release_document

STABLE_NAME = "consent.js"
# The preferences chunk's name (bundle.py): `consent-` as the bundles (server/bundle.py's
# HASHED reads it as one of them), never `consent.<x>.` as a text pack.
PREFS_STEM = "consent-prefs.{lang}"


def compressed(data: bytes) -> dict[str, bytes]:
    """The precompressed siblings; mtime=0 keeps gzip output byte-identical."""
    return {
        ".gz": gzip.compress(data, compresslevel=9, mtime=0),
        ".br": brotli.compress(data, quality=11, mode=brotli.MODE_TEXT),
    }


def sri(data: bytes) -> str:
    return "sha384-" + base64.b64encode(hashlib.sha384(data).digest()).decode("ascii")


def sizes(data: bytes) -> dict[str, int]:
    packed = compressed(data)
    return {"raw": len(data), "gzip": len(packed[".gz"]), "brotli": len(packed[".br"])}


def hashed_name(data: bytes, stem: str = "consent", suffix: str = ".js") -> str:
    return f"{stem}.{hashlib.sha256(data).hexdigest()[:12]}{suffix}"


def inputs_hash(paths: list[Path]) -> str:
    """One hash over the names and bytes of every input, to tell what a bundle was built from."""
    digest = hashlib.sha256()
    for path in sorted(paths):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def bundle_key(lang: str, default: str) -> str:
    """The manifest's name of the bundle of `lang`: consent.js for the site's default
    language, consent-<lang>.js for the others (the snippet of pages in that language)."""
    return STABLE_NAME if lang == default else f"consent-{lang}.js"


def _add(files: dict[str, bytes], name: str, data: bytes) -> None:
    files[name] = data
    for suffix, packed in compressed(data).items():
        files[name + suffix] = packed


def render(bundles: dict[str, bytes], default: str, manifest_extra: dict,
           packs: dict[str, bytes] | None = None, release: dict | None = None,
           prefs: dict[str, bytes] | None = None) -> dict[str, bytes]:
    """Every file of the site's dist folder, by name.

    `bundles`: one per language, its texts embedded, under a hashed and a stable name.
    `packs` are the per-language text packs (see bundle.py): hashed names only, since
    the bundle that loads them names them by hash; the manifest lists each with its SRI.
    `release`: the release's content (release.py), written with its id and these files as
    release.json. `prefs`: the preferences chunk of each language's bundle (bundle.py),
    fetched the first time the preferences open; hashed names only, as the packs.
    """
    files: dict[str, bytes] = {}
    entries = {}
    for lang in [default, *sorted(set(bundles) - {default})]:
        js, stable = bundles[lang], bundle_key(lang, default)
        name = hashed_name(js, stem=stable.removesuffix(".js"))
        _add(files, name, js)
        _add(files, stable, js)
        entries[stable] = {"file": name, "stable": stable, "language": lang,
                           "integrity": sri(js), "bytes": sizes(js)}
    for lang, pack in sorted((packs or {}).items()):
        pack_name = hashed_name(pack, stem=f"consent.{lang}")
        _add(files, pack_name, pack)
        entries[f"consent.{lang}.js"] = {"file": pack_name, "language": lang, "pack": True,
                                         "integrity": sri(pack), "bytes": sizes(pack)}
    for lang, chunk in sorted((prefs or {}).items()):
        chunk_name = hashed_name(chunk, stem=PREFS_STEM.format(lang=lang))
        _add(files, chunk_name, chunk)
        entries[PREFS_STEM.format(lang=lang) + ".js"] = {"file": chunk_name, "language": lang,
                                               "preferences": True, "integrity": sri(chunk),
                                               "bytes": sizes(chunk)}
    manifest = {**manifest_extra, "files": entries}
    if release is not None:
        document = release_document(release, entries)
        manifest = {**manifest_extra, "release": document["release"], "files": entries}
        files[RELEASE_FILE] = _json(document)
    files["manifest.json"] = _json(manifest)
    return files


def _json(value: dict) -> bytes:
    return (json.dumps(value, indent=2, ensure_ascii=False) + "\n").encode()


def write_atomically(files: dict[str, bytes], target: Path) -> None:
    """Replace `target` with a folder holding exactly `files`, and the screenshots of its
    releases (build.py release) that it held."""
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.new-", dir=target.parent))
    try:
        for name, data in files.items():
            (staging / name).write_bytes(data)
        os.chmod(staging, 0o755)
        if target.exists():
            if (target / SCREENSHOTS).is_dir():
                shutil.copytree(target / SCREENSHOTS, staging / SCREENSHOTS)
            old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent))
            os.replace(target, old / target.name)
            os.replace(staging, target)
            shutil.rmtree(old)
        else:
            os.replace(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
