"""Many sites from one toolchain: each finding of issue 17 that a copy of the build shows
without a browser (the guide itself is walked in test_second_site.py)."""

from __future__ import annotations

import shutil

import pytest

import site_names
from consent_build.cli import build_all, main
from consent_build.errors import BuildError
from consent_build.messages import duration_text
from consent_build.site_config import load_site
from server import config as settings

from .conftest import ROOT, SITE_TOML
from .test_dist_fresh import stale_sites
from .test_second_site import MARCHANDS, copy_repository, run


def test_durations_under_a_day_are_declared_and_counted_by_the_catalogs(tmp_path):
    site = tmp_path / "site.toml"
    site.write_text(SITE_TOML.read_text(encoding="utf-8").replace(
        'duration = "session"', 'duration = "30 minutes"').replace(
        'duration = "180 days"', 'duration = "12 hours"'), encoding="utf-8")
    config = load_site(site, ROOT / "translations")
    durations = [c["duration"] for c in config.categories[0]["cookies"]]
    assert durations == ["30 minutes", "12 hours"]
    assert duration_text("30 minutes").msgid == ("%(num)d minute", "%(num)d minutes")
    assert duration_text("1 hour").count == 1


def test_check_covers_every_site_and_the_init_hint_names_its_site(tmp_path):
    folder = copy_repository(tmp_path)
    site = folder / "sites" / "kppay-marchands.toml"
    site.write_text(MARCHANDS.replace('languages = ["fr"]', 'languages = ["fr", "ee"]'),
                    encoding="utf-8")
    assert run(folder, "extract").returncode == 0
    assert run(folder, "update").returncode == 0
    checked = run(folder, "check")
    assert checked.returncode == 1
    assert "translation for 'Video cookies'" in checked.stderr
    assert "[site kppay-marchands]" in checked.stderr
    assert ("create it with `python build.py init ee --site sites/kppay-marchands.toml`"
            in checked.stderr)


def test_extract_reads_a_site_file_kept_outside_sites(tmp_path):
    folder = copy_repository(tmp_path / "clone")
    elsewhere = tmp_path / "marchands.toml"
    elsewhere.write_text(MARCHANDS.replace("#:schema ../", "#:schema clone/"), encoding="utf-8")
    done = run(folder, "extract", "--site", str(elsewhere))
    assert done.returncode == 0, done.stderr
    pot = (folder / "translations" / "banner.pot").read_text(encoding="utf-8")
    assert 'msgid "Video cookies"' in pot and "sites/kppay.toml" in pot


@pytest.mark.parametrize("site_id", ["kppay_marchands", "kppay--marchands", "-kppay", "KPpay"])
def test_a_site_id_the_environment_cannot_carry_is_refused(tmp_path, site_id):
    site = tmp_path / "site.toml"
    site.write_text(SITE_TOML.read_text(encoding="utf-8").replace(
        'id = "kppay"', f'id = "{site_id}"'), encoding="utf-8")
    with pytest.raises(BuildError) as raised:
        load_site(site, ROOT / "translations")
    assert "site.id: expected a site id of lower-case letters and digits" in str(raised.value)


def test_site_ids_and_environment_names_map_one_to_one():
    assert site_names.env_suffix("kppay-marchands") == "KPPAY_MARCHANDS"
    assert site_names.site_of_suffix("KPPAY_MARCHANDS") == "kppay-marchands"
    assert site_names.site_of_suffix("KPPAY__MARCHANDS") is None
    schema = __import__("consent_build.site_config", fromlist=["SCHEMA"]).SCHEMA
    assert schema["$defs"]["site_id"]["pattern"] == site_names.SITE_ID_PATTERN
    assert schema["$defs"]["site_id"]["maxLength"] == site_names.SITE_ID_MAX_LENGTH


def test_a_variable_naming_no_site_stops_the_start(dist_dir, tmp_path):
    marchands = tmp_path / "dist"
    shutil.copytree(dist_dir, marchands)
    shutil.copytree(dist_dir / "kppay", marchands / "kppay-marchands")

    def load(environ: dict) -> dict:
        return settings.load({"CONSENT_INSTANCE_PATH": "/srv/instance", **environ},
                             str(marchands), str(ROOT / "translations"))

    config = load({"CONSENT_ORIGINS_KPPAY_MARCHANDS": "https://marchands.kppay.tg"})
    assert settings.for_site(config, "CONSENT_ORIGINS", "kppay-marchands") == (
        "https://marchands.kppay.tg",)
    with pytest.raises(settings.ConfigError) as raised:
        load({"CONSENT_ORIGINS_MARCHANDS": "https://m.kppay.tg"})
    assert str(raised.value).startswith("CONSENT_ORIGINS_MARCHANDS names no site: no "
                                        "'marchands' is built in")
    assert "kppay-marchands (CONSENT_*_KPPAY_MARCHANDS)" in str(raised.value)


def test_the_build_rebuilds_every_site_and_the_freshness_check_sees_a_stale_one(tmp_path):
    folder = copy_repository(tmp_path / "clone")
    (folder / "sites" / "other.toml").write_text(SITE_TOML.read_text(encoding="utf-8").replace(
        'id = "kppay"', 'id = "other"'), encoding="utf-8")
    assert run(folder).returncode == 0
    po = folder / "translations" / "fr" / "LC_MESSAGES" / "banner.po"
    po.write_text(po.read_text(encoding="utf-8").replace('msgstr "Tout refuser"',
                                                         'msgstr "Je refuse"'), encoding="utf-8")
    fresh = tmp_path / "fresh"
    build_all(sorted((folder / "sites").glob("*.toml")), folder / "banner_src",
              folder / "translations", fresh, check=False)
    stale = stale_sites(folder / "dist", fresh)
    assert [line.split(" ")[0] for line in stale] == ["dist/kppay", "dist/other"]
    done = run(folder)  # what the README says to run: both sites follow
    assert done.returncode == 0, done.stderr
    assert "Je refuse" in (folder / "dist" / "other" / "consent.js").read_text(encoding="utf-8")
    assert stale_sites(folder / "dist", fresh) == []


def test_a_site_file_with_errors_still_lists_the_catalogs_problems(tmp_path, capsys):
    translations = tmp_path / "translations"
    shutil.copytree(ROOT / "translations", translations)
    po = translations / "fr" / "LC_MESSAGES" / "banner.po"
    po.write_text(po.read_text(encoding="utf-8").replace('msgstr "Tout refuser"', 'msgstr ""'),
                  encoding="utf-8")
    site = tmp_path / "site.toml"
    site.write_text(SITE_TOML.read_text(encoding="utf-8").replace("revision = 1", "revision = 0"),
                    encoding="utf-8")
    assert main(["check", "--site", str(site), "--translations", str(translations)]) == 1
    err = capsys.readouterr().err
    assert "site.revision: expected a whole number of at least 1" in err
    assert "empty translation for 'Refuse all'" in err
