"""Serve dist/<site>/ files: the widget bundle and its manifest, as a CDN would.

Hashed names never change content, so browsers keep them a year; the stable consent.js is
kept briefly so that a rebuild reaches visitors soon. Brotli and gzip come from the siblings
build.py wrote (no compression per request), each with its own strong ETag.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from flask import Blueprint, Response, current_app, request
from werkzeug.security import safe_join

from site_names import is_site_id

from .errors import fail
from .sites import registry

bp = Blueprint("bundle", __name__)

# The bundles (consent.<hash>.js, consent-<lang>.<hash>.js), the text packs
# (consent.<lang>.<hash>.js) and the preferences chunks (consent-prefs.<lang>.<hash>.js):
# a new content is a new name.
HASHED = re.compile(r"^consent(?:-[A-Za-z_]+)?\.(?:[A-Za-z_]+\.)?[0-9a-f]{12}\.(js|css)$")
TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".map": "application/json",
}
# Preferred first: brotli is smaller than gzip for the same bundle.
ENCODINGS = (("br", ".br"), ("gzip", ".gz"))
STABLE_MAX_AGE = 300

_etags: dict[tuple[str, int, int], str] = {}


def manifest(site: str) -> dict:
    """The build's manifest for `site`, from the sites' registry; 404 when never built."""
    found = registry().get(site)
    if found is None:
        fail(404, f"site {site!r} is not built here")
    return found.manifest


def _file(site: str, name: str) -> Path | None:
    """The file inside dist/<site>/, or None for anything else (traversal, folders, siblings)."""
    if (not is_site_id(site) or name.endswith((".br", ".gz"))
            or Path(name).suffix not in TYPES):
        return None
    folder = Path(current_app.config["CONSENT_DIST_DIR"]) / site
    joined = safe_join(str(folder), name)
    if joined is None:
        return None
    path = Path(joined)
    if not path.is_file() or path.resolve().parent != folder.resolve():
        return None
    return path


def _etag(path: Path) -> str:
    """A hash of the bytes sent: strong, and different for each encoding of one file."""
    stat = path.stat()
    key = (str(path), stat.st_mtime_ns, stat.st_size)
    if key not in _etags:
        _etags[key] = hashlib.sha256(path.read_bytes()).hexdigest()[:32]
    return _etags[key]


def _cache_control(name: str) -> str:
    if HASHED.match(name):
        return "public, max-age=31536000, immutable"
    if name == "manifest.json":
        return "no-cache"
    return f"public, max-age={STABLE_MAX_AGE}"


@bp.get("/c/<site>/<path:filename>")
def bundle_file(site: str, filename: str):
    path = _file(site, filename)
    if path is None:
        fail(404, "not found")
    chosen, encoding = path, None
    if path.suffix in (".js", ".css"):
        accepted = request.accept_encodings
        offers = [(accepted[name], -rank, name, path.with_name(path.name + suffix))
                  for rank, (name, suffix) in enumerate(ENCODINGS)]
        # The client's highest q-value wins; on a tie, brotli.
        offers = sorted((o for o in offers if o[0] > 0 and o[3].is_file()), reverse=True)
        if offers:
            chosen, encoding = offers[0][3], offers[0][2]
    etag = _etag(chosen)
    response = Response(status=200, content_type=TYPES[path.suffix])
    response.set_etag(etag)
    response.headers["Cache-Control"] = _cache_control(path.name)
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    response.headers["X-Content-Type-Options"] = "nosniff"
    if path.suffix in (".js", ".css"):
        response.vary.add("Accept-Encoding")
    if encoding:
        response.headers["Content-Encoding"] = encoding
    if etag in request.if_none_match:
        response.status_code = 304
        return response
    response.set_data(chosen.read_bytes())
    return response
