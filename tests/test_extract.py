"""The template holds every text of the widget and the site file, as pybabel extracts it."""

from __future__ import annotations

import subprocess
import sys

from babel.messages.pofile import read_po

from .conftest import ROOT


def extract(tmp_path):
    pot = tmp_path / "banner.pot"
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "extract",
                    "-F", "pyproject.toml", "-c", "TRANSLATORS:", "-o", str(pot), "."],
                   cwd=ROOT, check=True, capture_output=True)
    with pot.open("rb") as fileobj:
        return read_po(fileobj)


def test_extract_finds_the_site_file_and_widget_texts_with_translator_notes(tmp_path):
    catalog = extract(tmp_path)
    performance = catalog.get("Performance cookies")
    assert performance is not None
    assert performance.locations[0][0] == "sites/kppay.toml"
    assert "keep under 40 characters" in " ".join(performance.auto_comments)
    accept = catalog.get("Accept all")
    assert accept.locations[0][0].startswith("banner_src/js/")
    assert "keep under 20 characters" in " ".join(accept.auto_comments)
    months = catalog.get("%(num)d month")
    assert months.id == ("%(num)d month", "%(num)d months")


def test_committed_template_is_up_to_date(tmp_path):
    fresh = {m.id for m in extract(tmp_path) if m.id}
    with (ROOT / "translations" / "banner.pot").open("rb") as fileobj:
        committed = {m.id for m in read_po(fileobj) if m.id}
    assert committed == fresh, "translations/banner.pot is stale: run the extract command"
