"""The committed dist/ is what the sources build today, for every site: a stale bundle fails
here, and so does a folder in dist/ whose site file is gone or a site that was never built."""

from __future__ import annotations

from pathlib import Path

from consent_build.cli import build_all
from consent_build.site_config import list_site_files
from release_ids import SCREENSHOTS

from .conftest import ROOT


def stale_sites(committed: Path, fresh: Path) -> list[str]:
    """What differs between two dist/ folders, one line a site, saying what to run."""
    found = []
    sites = sorted({p.name for p in committed.iterdir() if p.is_dir()}
                   | {p.name for p in fresh.iterdir() if p.is_dir()})
    for site in sites:
        old, new = committed / site, fresh / site
        if not new.is_dir():
            found.append(f"dist/{site} has no site file sites/{site}.toml: delete it")
        elif not old.is_dir():
            found.append(f"dist/{site} is missing: run `python build.py` and commit dist/")
        else:
            names = sorted(p.name for p in new.iterdir())
            # A release's screenshots (build.py release) are not committed: not compared.
            stale = sorted(set(names) ^ {p.name for p in old.iterdir()
                                         if p.name != SCREENSHOTS}) or [
                n for n in names if (old / n).read_bytes() != (new / n).read_bytes()]
            if stale:
                found.append(f"dist/{site} is stale ({', '.join(stale)}): run "
                             "`python build.py` and commit dist/")
    return found


def test_committed_dist_matches_a_fresh_build_of_every_site(tmp_path):
    fresh = tmp_path / "dist"
    results = build_all(list_site_files(ROOT), ROOT / "banner_src", ROOT / "translations",
                        fresh, check=False)
    assert results, "no site in sites/"
    assert stale_sites(ROOT / "dist", fresh) == []
