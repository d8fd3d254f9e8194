"""Fixtures shared by the suite: a fresh build, a live server and headless Chromium."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from consent_build.cli import build

ROOT = Path(__file__).resolve().parent.parent
SITE_TOML = ROOT / "sites" / "kppay.toml"
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
# The widget's browser tests: their pages, server and shared Chromium (fixtures w, ...).
pytest_plugins = ["tests.widget_kit"]
# Set by scripts/test: a missing browser or database is a failure there, not a skip.
REQUIRE_ALL = bool(os.environ.get("CONSENT_REQUIRE_ALL") or os.environ.get("CI"))


def missing(what: str) -> None:
    """Skip when run by hand without `what`; fail under scripts/test and CI."""
    if REQUIRE_ALL:
        pytest.fail(f"{what} is missing; scripts/test installs it", pytrace=False)
    pytest.skip(f"{what} is missing; run scripts/test to install it")


def build_site(out: Path, site: Path = SITE_TOML, **paths) -> dict:
    return build(site, paths.get("src", ROOT / "banner_src"),
                 paths.get("translations", ROOT / "translations"), out, check=False)


@pytest.fixture(scope="session")
def dist_dir(tmp_path_factory) -> Path:
    """A fresh build of KPpay from the working tree, apart from the committed dist/."""
    out = tmp_path_factory.mktemp("dist")
    build_site(out)
    return out


class LiveServer:
    """The Flask app served from a thread on 127.0.0.1, on a free port."""

    def __init__(self, app):
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.thread.join(timeout=10)


@pytest.fixture
def app(dist_dir, tmp_path):
    """The app with the development tools (demo, translators' preview), on SQLite."""
    from consent_dev import create_app

    app = create_app({"TESTING": True, "CONSENT_DIST_DIR": str(dist_dir),
                      "CONSENT_INSTANCE_PATH": str(tmp_path)})
    yield app
    app.extensions["consent_engine"].dispose()


@pytest.fixture
def live_server(app):
    server = LiveServer(app)
    yield server
    server.stop()


@contextlib.contextmanager
def chromium(prefix: str = "consent-chromium-", extra_flags: tuple[str, ...] = ()):
    """Headless Chromium through Debian's chromedriver, with a fresh profile."""
    if not (os.access(CHROMIUM, os.X_OK) and os.access(CHROMEDRIVER, os.X_OK)):
        missing("Debian's chromium and chromium-driver")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix=prefix)
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync",
                 "--window-size=1280,800", f"--user-data-dir={profile}", *extra_flags):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture
def browser():
    with chromium() as driver:
        yield driver


# --- The server's database fixtures: one suite over SQLite and PostgreSQL -----------------

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL",
                                   "postgresql+psycopg://postgres@127.0.0.1:5432/test")


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def db_kind(request) -> str:
    return request.param


@contextlib.contextmanager
def postgres_schema():
    """A fresh PostgreSQL schema, dropped after; yields its database URL."""
    import uuid

    import sqlalchemy as sa

    admin = sa.create_engine(TEST_DATABASE_URL, connect_args={"connect_timeout": 3})
    schema = f"test_{uuid.uuid4().hex[:12]}"
    try:
        with admin.begin() as connection:
            connection.execute(sa.text(f"CREATE SCHEMA {schema}"))
    except sa.exc.OperationalError:
        admin.dispose()
        missing("PostgreSQL on 127.0.0.1:5432")
    separator = "&" if "?" in TEST_DATABASE_URL else "?"
    try:
        yield f"{TEST_DATABASE_URL}{separator}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as connection:
            connection.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


@pytest.fixture(scope="module")
def db_url(db_kind, tmp_path_factory):
    """An empty database per test module: a fresh SQLite file, or a fresh PostgreSQL schema."""
    if db_kind == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('sqlite')}/consents.sqlite3"
        return
    with postgres_schema() as url:
        yield url


@pytest.fixture
def make_app(dist_dir, db_url, tmp_path):
    """Production apps on the module's database (migrated at start); their engines are closed
    after."""
    from server import create_app

    made = []

    def make(**overrides):
        config = {"TESTING": True, "CONSENT_DIST_DIR": str(dist_dir),
                  "CONSENT_INSTANCE_PATH": str(tmp_path), "DATABASE_URL": db_url,
                  "CONSENT_AUTO_MIGRATE": True, **overrides}
        made.append(create_app(config))
        return made[-1]

    yield make
    for app in made:
        app.extensions["consent_engine"].dispose()
