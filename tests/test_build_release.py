"""`python build.py release`: a build is a release (its id is its content's hash, carried by
the bundle), and its screenshots are taken in headless Chromium and filed beside it."""

from __future__ import annotations

import json
import shutil
import struct

from consent_build.bundle import read_site_data
from consent_build.cli import main
from release_ids import release_id

from .conftest import ROOT, SITE_TOML


def test_the_release_id_is_the_hash_of_its_content_and_the_bundle_carries_it(dist_dir):
    manifest = json.loads((dist_dir / "kppay" / "manifest.json").read_text())
    document = json.loads((dist_dir / "kppay" / "release.json").read_text())
    assert release_id(document["content"]) == document["release"] == manifest["release"]
    assert document["files"] == manifest["files"]
    bundle = (dist_dir / "kppay" / manifest["files"]["consent.js"]["file"]).read_text()
    assert read_site_data(bundle)["site"]["release"] == manifest["release"]
    assert document["content"]["policy"] == {"url": "/politique-cookies", "revision": 1}
    # What the visitor can read is in it, in each language: a changed text is another release.
    english = document["content"]["texts"]["en"]
    assert {"in": ["layer"], "msgid": "Customize", "text": "Customize"} in english["interface"]
    assert english["categories"][0]["items"][1] == {
        "kind": "cookie", "name": "consent_banner", "provider": "KPpay",
        "purpose": "Remembers your cookie choices.", "duration": "180 days"}
    changed = json.loads(json.dumps(document["content"]))
    changed["texts"]["fr"]["categories"][0]["title"] = "Autre chose"
    assert release_id(changed) != document["release"]


def _size(png: bytes) -> tuple[int, int]:
    return struct.unpack(">II", png[16:24])


def test_release_takes_both_layers_in_each_language_on_desktop_and_phone(tmp_path):
    out = tmp_path / "dist"
    src = tmp_path / "banner_src"
    shutil.copytree(ROOT / "banner_src", src)
    assert main(["release", "--site", str(SITE_TOML), "--src", str(src), "--out", str(out),
                 "--translations", str(ROOT / "translations")]) == 0
    manifest = json.loads((out / "kppay" / "manifest.json").read_text())
    folder = out / "kppay" / "screenshots" / manifest["release"]
    shots = {p.name: p.read_bytes() for p in folder.iterdir()}
    assert sorted(shots) == sorted(f"{lang}-{layer}-{device}.png" for lang in ("fr", "en")
                                   for layer in ("first", "preferences")
                                   for device in ("desktop", "phone"))
    assert all(png.startswith(b"\x89PNG\r\n\x1a\n") for png in shots.values())
    assert _size(shots["fr-first-desktop.png"]) == (1280, 800)
    assert _size(shots["en-preferences-phone.png"]) == (375, 812)
    # Each picture is its own: languages and layers differ.
    assert len(set(shots.values())) == 8
    # A later build keeps the screenshots filed there (the server may not have them yet).
    assert main(["--site", str(SITE_TOML), "--src", str(src), "--out", str(out),
                 "--translations", str(ROOT / "translations")]) == 0
    assert sorted(p.name for p in folder.iterdir()) == sorted(shots)
