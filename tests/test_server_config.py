"""Settings from the environment: safe defaults, and one clear line for a wrong one."""

from __future__ import annotations

import os
import stat
import subprocess
import sys

import pytest

from server import config as settings

from .conftest import ROOT
from .server_helpers import event, post, rows


def checked(environ: dict, dist_dir) -> dict:
    return settings.load({"CONSENT_INSTANCE_PATH": "/srv/instance", **environ}, str(dist_dir),
                         str(ROOT / "translations"))


def test_the_defaults_are_an_sqlite_file_in_the_instance_folder(dist_dir):
    config = checked({}, dist_dir)
    assert config["DATABASE_URL"] == "sqlite:////srv/instance/consents.sqlite3"
    assert config["CONSENT_AUTO_MIGRATE"] is True
    assert config["REDIS_URL"] is None
    assert config["CONSENT_RATE_LIMIT"] == (300, 60)
    assert config["CONSENT_RETENTION"] == (7, "y")
    assert config["CONSENT_PATH"] == "/api/v1/consents"
    assert config["CONSENT_MAX_BODY_BYTES"] == 4096


def test_environment_variables_set_every_setting(dist_dir):
    config = checked({
        "DATABASE_URL": "postgresql://consent:pw@db.internal/consents",
        "REDIS_URL": "redis://cache.internal:6379/2",
        "CONSENT_SECRET": "ab" * 32,
        "CONSENT_RATE_LIMIT": "20/10",
        "CONSENT_PROXIES": "1",
        "CONSENT_RETENTION": "5y",
        "CONSENT_RETENTION_KPPAY": "2557d",
        "CONSENT_ERASURE_KPPAY": "no",
        "CONSENT_ORIGINS_KPPAY": "https://www.kppay.tg https://KPPAY.tg/",
    }, dist_dir)
    # psycopg 3 is the installed driver; PostgreSQL is migrated on purpose, not at start.
    assert config["DATABASE_URL"] == "postgresql+psycopg://consent:pw@db.internal/consents"
    assert config["CONSENT_AUTO_MIGRATE"] is False
    assert config["CONSENT_SECRET"] == bytes.fromhex("ab" * 32)
    assert config["CONSENT_RATE_LIMIT"] == (20, 10)
    assert config["CONSENT_PROXIES"] == 1
    assert config["CONSENT_RETENTION"] == (5, "y")
    # Per site: the variable's own name, read through for_site with the general default.
    assert settings.for_site(config, "CONSENT_RETENTION", "kppay") == (2557, "d")
    assert settings.for_site(config, "CONSENT_RETENTION", "other") == (5, "y")
    assert settings.for_site(config, "CONSENT_ERASURE", "kppay") is False
    assert settings.for_site(config, "CONSENT_ORIGINS", "kppay") == (
        "https://www.kppay.tg", "https://kppay.tg")
    assert settings.for_site(config, "CONSENT_ORIGINS", "other") == ()


def test_each_setting_has_one_name_from_the_environment_to_the_code(dist_dir):
    """The config holds each setting under its variable's name, and nothing is remembered in
    the module between two loads."""
    config = checked({"CONSENT_ORIGINS_KPPAY": "https://kppay.tg"}, dist_dir)
    names = set(settings.SETTINGS) | {"CONSENT_ORIGINS_KPPAY"}
    assert set(config) == names
    again = checked({}, dist_dir)
    assert "CONSENT_ORIGINS_KPPAY" not in again
    assert not [name for name, value in vars(settings).items()
                if name.isupper() and isinstance(value, dict | list | set) and name not in (
                    "SETTINGS", "PER_SITE")]


@pytest.mark.parametrize(("environ", "message"), [
    ({"DATABASE_URL": "mysql://root@localhost/consents"}, "DATABASE_URL='mysql://root@"
     "localhost/consents': unsupported database 'mysql'"),
    ({"DATABASE_URL": "sqlite://"}, "an SQLite database must be a file"),
    ({"DATABASE_URL": "consents.db"}, "not a database URL"),
    ({"REDIS_URL": "http://cache:6379"}, "REDIS_URL='http://cache:6379': expected a redis://"),
    ({"CONSENT_SECRET": "short"}, "CONSENT_SECRET: expected at least 32 hexadecimal digits"),
    ({"CONSENT_RATE_LIMIT": "fast"}, "CONSENT_RATE_LIMIT='fast': expected <requests>/<seconds>"),
    ({"CONSENT_RATE_LIMIT": "0/60"}, "expected at least 1 request"),
    ({"CONSENT_PATH": "api/consents"}, "CONSENT_PATH='api/consents': expected a path"),
    ({"CONSENT_PROXIES": "two"}, "CONSENT_PROXIES='two': expected a whole number from 0 to 10"),
    ({"CONSENT_DIST_DIR": "/no/such/dist"}, "no such folder; run `python build.py` first"),
    ({"CONSENT_AUTO_MIGRATE": "perhaps"}, "CONSENT_AUTO_MIGRATE='perhaps': expected 1/0"),
    ({"CONSENT_RETENTION": "7 years"}, "CONSENT_RETENTION='7 years': expected a period"),
    ({"CONSENT_RETENTION_KPPAY": "0d"}, "CONSENT_RETENTION_KPPAY='0d'"),
    ({"CONSENT_ERASURE_KPPAY": "maybe"}, "CONSENT_ERASURE_KPPAY='maybe': expected 1/0"),
    ({"CONSENT_ORIGINS_KPPAY": "www.kppay.tg"}, "CONSENT_ORIGINS_KPPAY: 'www.kppay.tg' is "
     "not an origin"),
    ({"CONSENT_ORIGINS_KPPAY": "https://kppay.tg/path"}, "is not an origin"),
])
def test_a_wrong_setting_names_the_variable_and_what_was_expected(dist_dir, environ, message):
    with pytest.raises(settings.ConfigError) as raised:
        checked(environ, dist_dir)
    assert message in str(raised.value)
    assert "\n" not in str(raised.value)


def test_a_wrong_setting_stops_the_start_with_one_line(tmp_path):
    env = {**os.environ, "CONSENT_INSTANCE_PATH": str(tmp_path), "CONSENT_RATE_LIMIT": "fast"}
    done = subprocess.run([sys.executable, "-m", "flask", "--app", "server", "routes"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "error: CONSENT_RATE_LIMIT='fast': expected <requests>/<seconds>, e.g. 300/60"]
    assert "Traceback" not in done.stdout + done.stderr


def test_the_secret_is_generated_once_into_the_instance_folder(dist_dir, tmp_path):
    from server import create_app

    config = {"TESTING": True, "CONSENT_DIST_DIR": str(dist_dir),
              "CONSENT_INSTANCE_PATH": str(tmp_path)}
    first = create_app(dict(config))
    key_file = tmp_path / "consent-secret.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert len(bytes.fromhex(key_file.read_text().strip())) == 32
    second = create_app(dict(config))
    assert first.extensions["consent_keys"] == second.extensions["consent_keys"]
    given = create_app(dict(config, CONSENT_SECRET="cd" * 32))
    assert given.extensions["consent_keys"] != first.extensions["consent_keys"]
    for app in (first, second, given):
        app.extensions["consent_engine"].dispose()


def test_the_demo_database_is_created_and_migrated_at_start(dist_dir, tmp_path):
    from server import create_app

    app = create_app({"TESTING": True, "CONSENT_DIST_DIR": str(dist_dir),
                      "CONSENT_INSTANCE_PATH": str(tmp_path)})
    try:
        assert (tmp_path / "consents.sqlite3").is_file()
        body = event()
        assert post(app.test_client(), body).status_code == 201
        assert len(rows(app, event_id=body["event_id"])) == 1
    finally:
        app.extensions["consent_engine"].dispose()
