"""GET /c/<site>/<file>: caching, ETag and 304, brotli/gzip negotiation, CORS, traversal."""

from __future__ import annotations

import gzip

import brotli
import pytest


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def hashed(dist_dir) -> str:
    return next(p.name for p in (dist_dir / "kppay").glob("consent.*.js")
                if p.name.count(".") == 2 and p.name != "consent.js")


def test_a_text_pack_is_cached_for_a_year_too(client, dist_dir):
    for pack in (dist_dir / "kppay").glob("consent.??.*.js"):
        response = client.get(f"/c/kppay/{pack.name}", headers={"Accept-Encoding": "identity"})
        assert response.status_code == 200 and response.data == pack.read_bytes()
        assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"


def test_a_preferences_chunk_is_served_as_a_pack_is(client, dist_dir):
    """Fetched from any site the first time the preferences open (prefs-load.js): cached for
    a year, loadable cross-origin with SRI (CORS, CORP), precompressed."""
    chunks = sorted((dist_dir / "kppay").glob("consent-prefs.*.*.js"))
    assert [chunk.name.split(".")[1] for chunk in chunks] == ["en", "fr"]
    for chunk in chunks:
        response = client.get(f"/c/kppay/{chunk.name}", headers={"Accept-Encoding": "br"})
        assert response.status_code == 200
        assert brotli.decompress(response.data) == chunk.read_bytes()
        assert response.headers["Content-Encoding"] == "br"
        assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        assert response.headers["Content-Type"] == "text/javascript; charset=utf-8"
        assert response.headers["Access-Control-Allow-Origin"] == "*"
        assert response.headers["Cross-Origin-Resource-Policy"] == "cross-origin"


def test_a_hashed_bundle_is_cached_for_a_year_and_loadable_from_any_site(client, hashed, dist_dir):
    response = client.get(f"/c/kppay/{hashed}", headers={"Accept-Encoding": "identity"})
    assert response.status_code == 200
    assert response.data == (dist_dir / "kppay" / hashed).read_bytes()
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert response.headers["Content-Type"] == "text/javascript; charset=utf-8"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.headers["Cross-Origin-Resource-Policy"] == "cross-origin"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "Content-Encoding" not in response.headers
    assert "Accept-Encoding" in response.headers["Vary"]
    assert "Set-Cookie" not in response.headers


def test_each_languages_bundle_is_served_hashed_and_stable(client, dist_dir):
    site = dist_dir / "kppay"
    (hashed,) = [p.name for p in site.glob("consent-en.*.js") if p.name.count(".") == 2]
    for name, cache in ((hashed, "public, max-age=31536000, immutable"),
                        ("consent-en.js", "public, max-age=300")):
        response = client.get(f"/c/kppay/{name}", headers={"Accept-Encoding": "identity"})
        assert response.status_code == 200 and b"Accept all" in response.data
        assert response.headers["Cache-Control"] == cache


def test_the_stable_name_is_cached_briefly(client):
    response = client.get("/c/kppay/consent.js")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "public, max-age=300"


def test_the_manifest_is_json_and_revalidated(client):
    response = client.get("/c/kppay/manifest.json")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    assert response.headers["Cache-Control"] == "no-cache"
    assert response.json["site"] == "kppay"


@pytest.mark.parametrize(("accept", "encoding"), [
    ("gzip, deflate, br", "br"),
    ("br", "br"),
    ("gzip", "gzip"),
    ("gzip;q=1, br;q=0.5", "gzip"),
    ("br;q=0, gzip", "gzip"),
    ("identity", None),
    ("deflate", None),
    ("", None),
])
def test_brotli_and_gzip_come_from_the_precompressed_siblings(client, hashed, dist_dir,
                                                              accept, encoding):
    response = client.get(f"/c/kppay/{hashed}", headers={"Accept-Encoding": accept})
    assert response.status_code == 200
    assert response.headers.get("Content-Encoding") == encoding
    assert "Accept-Encoding" in response.headers["Vary"]
    raw = (dist_dir / "kppay" / hashed).read_bytes()
    decode = {"br": brotli.decompress, "gzip": gzip.decompress, None: lambda b: b}[encoding]
    assert decode(response.data) == raw
    if encoding:
        assert len(response.data) < len(raw)


def test_each_encoding_has_its_own_strong_etag_and_answers_304(client, hashed):
    tags = {}
    for accept in ("br", "gzip", "identity"):
        first = client.get(f"/c/kppay/{hashed}", headers={"Accept-Encoding": accept})
        etag = first.headers["ETag"]
        assert etag.startswith('"') and not etag.startswith("W/")
        tags[accept] = etag
        again = client.get(f"/c/kppay/{hashed}", headers={"Accept-Encoding": accept,
                                                           "If-None-Match": etag})
        assert again.status_code == 304
        assert again.data == b""
        assert again.headers["ETag"] == etag
        assert again.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        assert "Accept-Encoding" in again.headers["Vary"]
    assert len(set(tags.values())) == 3
    # A stale tag gets the full body again.
    stale = client.get(f"/c/kppay/{hashed}", headers={"Accept-Encoding": "br",
                                                       "If-None-Match": tags["gzip"]})
    assert stale.status_code == 200 and stale.data


@pytest.mark.parametrize("path", [
    "/c/kppay/../../pyproject.toml",
    "/c/kppay/%2e%2e/%2e%2e/pyproject.toml",
    "/c/kppay/..%2f..%2fpyproject.toml",
    "/c/..%2f..%2fserver/__init__.py",
    "/c/kppay/..%5c..%5cpyproject.toml",
    "/c/kppay//etc/passwd",
    "/c/kppay/%2fetc%2fpasswd",
    "/c/kppay/consent.js%00.json",
    "/c/kppay/consent.js.br",
    "/c/kppay/consent.js.gz",
    "/c/kppay/missing.js",
    "/c/other/consent.js",
    "/c/KPPAY/consent.js",
    "/c/kppay/",
])
def test_anything_outside_the_sites_dist_folder_is_a_404(client, path):
    # werkzeug first merges "//" with a redirect: follow it to the final answer.
    response = client.get(path, follow_redirects=True)
    assert response.status_code == 404
    assert b"[build-system]" not in response.data and b"root:" not in response.data


def test_a_file_beside_dist_cannot_be_reached(client, dist_dir):
    (dist_dir / "secret.json").write_text('{"secret": true}')
    try:
        assert client.get("/c/kppay/../secret.json").status_code == 404
        assert client.get("/c/kppay/%2e%2e%2fsecret.json").status_code == 404
    finally:
        (dist_dir / "secret.json").unlink()


def test_head_answers_headers_without_body(client):
    response = client.head("/c/kppay/consent.js", headers={"Accept-Encoding": "br"})
    assert response.status_code == 200
    assert response.headers["Content-Encoding"] == "br"
    assert response.data == b""


@pytest.mark.parametrize("raw_path", [
    "/c/kppay/../../pyproject.toml",
    "/c/kppay/..%2F..%2Fpyproject.toml",
    "/c/kppay/%2e%2e%2f%2e%2e%2fserver%2f__init__.py",
])
def test_traversal_over_real_http_is_a_404(live_server, raw_path):
    """Sent byte for byte (no client normalises the dots away) to werkzeug's server."""
    import http.client

    host = live_server.url.removeprefix("http://")
    connection = http.client.HTTPConnection(host, timeout=10)
    try:
        connection.putrequest("GET", raw_path, skip_accept_encoding=True)
        connection.endheaders()
        response = connection.getresponse()
        body = response.read()
    finally:
        connection.close()
    assert response.status == 404
    assert b"[build-system]" not in body and b"create_app" not in body
