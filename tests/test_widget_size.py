"""The size bar: everything a one-language visitor downloads for KPpay, brotli: the bundle of
the page's language alone (code, CSS, site data and that language's texts), consent.js for
French pages, consent-en.js for English ones. The preferences (their code, the texts only
they show, the categories' items, the dialog's CSS) are a chunk fetched the first time they
open (banner_src/js/prefs-load.js); what a visitor who opens them downloads is bounded too."""

from __future__ import annotations

import json

import brotli
import pytest

# Issue 16 asks at most 6 KiB (6,144 B) for the French visitor, every feature included;
# 6,199 B is the best reached without golfing the sources (notes/issue-16.md, "Part 2",
# says where the bytes go), so the bar holds there: any growth fails. Issue 17 added
# 16 B: the placeholder calls the site's host-to-service function, which only the bundles
# of sites that declare `hosts` carry. The cookie audit's finding (no storage of ours before a
# choice: an empty queue removes its key) added 16 B. Issue 12's link from the consent
# reference to the site's rights page (with the reference and the language) added 9 B; issue
# 15's valid markup for blocked external scripts (data-src) 9 B, and its notice of a changed
# policy 12 B (the notice's text ships only in the bundles of sites that set `revised`).
# Issue 13 added the release id (64 hex digits of a hash, which brotli cannot shrink below
# 32 B) in the site data and one property in each event: 10 B of code, and 20 to 80 B for the
# id, which changes with every release (1,000 random ids on the bundle of fe90e7b: +30 to +80 B,
# median +46), so the bar allows the worst of them.
# Issue 15's cookie_domain (one choice across KPpay's subdomains, set only on a host under
# it) added about 20 B (code and the domain in the data).
# Issue 15's focus never hidden behind the banner (WCAG 2.2 SC 2.4.11, focus.js `uncover`)
# added about 103 B; the transition written for those who did not ask for less motion, instead
# of being turned off for those who did, took 15 B back.
# English pages have their own bundle, with the English texts instead of the French.
# Until the preferences were a chunk of their own, that was 6,461 B for French, 6,100 B for
# English (every figure above). Since (branch lazy-prefs) the first download holds issue 16's
# bar, 6,144 B, in either language: 4,800 B French, 4,687 B English when it was set.
BUDGET = {"fr": 6144, "en": 6144}
# A visitor who opens the preferences downloads the bundle, then the chunk: two files,
# each compressed on its own, so more than the one bundle of before (6,433 B French, 6,051 B
# English): 7,509 B and 7,022 B when the chunk was made. The bar holds that, with the room the
# release id needs (see above), so that the cost of opening them is never hidden.
# Issue 15's brand colours from the page added 65 B French, 43 B English to that (the hook in
# root.js and the parts of dom.js's stylesheet, in every bundle; their check itself, about
# 480 B, only in the bundles of sites that allow them: 4,856 B and 4,727 B first downloads).
WITH_PREFERENCES = {"fr": 7509 + 80 + 65, "en": 7022 + 80 + 43}


def brotli_size(data: bytes) -> int:
    return len(brotli.compress(data, quality=11, mode=brotli.MODE_TEXT))


@pytest.mark.parametrize(("lang", "name", "shown", "other"), [
    ("fr", "consent.js", b"Tout accepter", b"Accept all"),
    ("en", "consent-en.js", b"Accept all", b"Tout accepter")])
def test_everything_a_one_language_visitor_downloads_fits_the_budget(dist_dir, lang, name,
                                                                      shown, other):
    site = dist_dir / "kppay"
    entry = json.loads((site / "manifest.json").read_text(encoding="utf-8"))["files"][name]
    download = (site / entry["file"]).read_bytes()
    assert b"adoptedStyleSheets" in download and shown in download and other not in download
    size = brotli_size(download)
    assert size == entry["bytes"]["brotli"]
    assert size <= BUDGET[lang], f"{size} B brotli, budget {BUDGET[lang]}"


@pytest.mark.parametrize(("lang", "name", "only_there"), [
    ("fr", "consent.js", b"Enregistrer mes choix"), ("en", "consent-en.js", b"Save my choices")])
def test_a_visitor_who_opens_the_preferences_downloads_the_bundle_and_their_chunk(
        dist_dir, lang, name, only_there):
    site = dist_dir / "kppay"
    files = json.loads((site / "manifest.json").read_text(encoding="utf-8"))["files"]
    bundle = (site / files[name]["file"]).read_bytes()
    entry = files[f"consent-prefs.{lang}.js"]
    chunk = (site / entry["file"]).read_bytes()
    # the preferences' texts are in their chunk only, and it is the one the bundle names
    assert only_there in chunk and only_there not in bundle
    assert entry["file"].encode() in bundle and entry["bytes"]["brotli"] == brotli_size(chunk)
    first, opened = brotli_size(bundle), brotli_size(bundle) + brotli_size(chunk)
    print(f"\n{lang}: first download {first} B brotli, preferences chunk "
          f"{brotli_size(chunk)} B, with the preferences opened {opened} B")
    assert opened <= WITH_PREFERENCES[lang], (
        f"bundle {first} B + preferences {brotli_size(chunk)} B = {opened} B brotli, "
        f"budget {WITH_PREFERENCES[lang]}")
