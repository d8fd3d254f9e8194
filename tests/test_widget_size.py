"""The size bar: everything a visitor downloads for KPpay, brotli, at most 7 KiB."""

from __future__ import annotations

import json

import brotli

BUDGET = 7 * 1024  # half of vanilla-cookieconsent 3's 13.8 KB (JS + CSS, brotli)


def test_everything_a_visitor_downloads_fits_in_7_kib_brotli(dist_dir):
    site = dist_dir / "kppay"
    manifest = json.loads((site / "manifest.json").read_text(encoding="utf-8"))
    entry = manifest["files"]["consent.js"]
    # One file holds it all: JS, the CSS (inlined) and the French and English texts.
    assert sorted(p.name for p in site.iterdir() if p.suffix == ".js") == sorted(
        {entry["file"], "consent.js"})
    data = (site / entry["file"]).read_bytes()
    assert b"Tout accepter" in data or b"Tout accepter".decode().encode() in data
    assert b"Accept all" in data and b"adoptedStyleSheets" in data
    packed = len(brotli.compress(data, quality=11, mode=brotli.MODE_TEXT))
    assert packed == entry["bytes"]["brotli"] == len((site / (entry["file"] + ".br")).read_bytes())
    assert packed <= BUDGET, f"{packed} bytes brotli, budget {BUDGET}"
