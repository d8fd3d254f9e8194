"""The committed dist/ is what the sources build today: a stale bundle fails here."""

from __future__ import annotations

from .conftest import ROOT


def test_committed_dist_matches_a_fresh_build(dist_dir):
    committed = ROOT / "dist" / "kppay"
    fresh = dist_dir / "kppay"
    assert committed.is_dir(), "dist/kppay is missing: run `python build.py` and commit dist/"
    names = sorted(p.name for p in fresh.iterdir())
    assert sorted(p.name for p in committed.iterdir()) == names, (
        "dist/kppay is stale: run `python build.py` and commit dist/")
    stale = [n for n in names if (committed / n).read_bytes() != (fresh / n).read_bytes()]
    assert not stale, f"dist/kppay is stale ({', '.join(stale)}): run `python build.py`"
