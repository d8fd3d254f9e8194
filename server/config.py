"""The server's settings: defaults, the environment variables that change them, and their checks.

Every setting a deployer may get wrong is checked here, at start, and a wrong one stops the
start with one line naming the variable, what it holds and what was expected.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import urlsplit

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

import site_names


class ConfigError(Exception):
    """A setting is missing or wrong; the message is the one line shown to the deployer."""


# Environment variable -> config key, for the settings that are one value each.
SCALARS = {
    "DATABASE_URL": "DATABASE_URL",
    "REDIS_URL": "REDIS_URL",
    "CONSENT_SECRET": "CONSENT_SECRET",
    "CONSENT_RATE_LIMIT": "RATE_LIMIT",
    "CONSENT_PATH": "CONSENTS_PATH",
    "CONSENT_PROXIES": "PROXIES",
    "CONSENT_DIST_DIR": "DIST_DIR",
    "CONSENT_AUTO_MIGRATE": "AUTO_MIGRATE",
    "CONSENT_RETENTION": "DEFAULT_RETENTION",
    "CONSENT_ERASURE": "DEFAULT_ERASURE",
    "CONSENT_DB_TIMEOUT": "DB_TIMEOUT",
}
# Per-site settings: CONSENT_ORIGINS_KPPAY=... (site_names: the id upper-cased, "-" as "_").
PER_SITE = {
    "CONSENT_ORIGINS_": "ALLOWED_ORIGINS",
    "CONSENT_RETENTION_": "RETENTION",
    "CONSENT_ERASURE_": "ERASURE",
}
# Where each config key comes from, to name it in errors.
SOURCE = {key: env for env, key in SCALARS.items()}


def defaults(instance_path: str, dist_dir: str) -> dict:
    """The settings when the environment says nothing; each is safe for the local demo."""
    return {
        # Where build.py writes the bundles; tests point it at a fresh build.
        "DIST_DIR": dist_dir,
        # The site whose demo page `/` shows.
        "DEMO_SITE": "kppay",
        # One SQLite file beside the instance's secret: nothing to install for the demo.
        "DATABASE_URL": f"sqlite:///{Path(instance_path) / 'consents.sqlite3'}",
        # None: apply migrations at start for SQLite only; PostgreSQL is migrated on purpose.
        "AUTO_MIGRATE": None,
        # None: rate limits are counted in this process's memory (one worker, or one machine).
        "REDIS_URL": None,
        # None: a random key is generated into the instance folder on first run.
        "CONSENT_SECRET": None,
        # POSTs per pseudonymised network per window; generous, since a /24 can be a whole
        # mobile carrier's NAT.
        "RATE_LIMIT": "300/60",
        # The widget's endpoint; no word that ad-blocking lists match.
        "CONSENTS_PATH": "/api/v1/consents",
        # The body cap of the consent POST: a real event is under 1 KiB.
        "MAX_BODY_BYTES": 4096,
        # Seconds any one wait for the database may take (connecting, a statement, a commit)
        # before the request gets a 503: a frozen database must not hold every worker.
        "DB_TIMEOUT": 2.0,
        # Seconds a client has to send the whole body: a stalled upload must not hold a
        # worker's thread (a buffering proxy in front takes the rest, see the README).
        "BODY_TIMEOUT": 5.0,
        # Reverse proxies in front of the app whose X-Forwarded-For is trusted (0: none).
        "PROXIES": 0,
        # Origins allowed to POST per site, besides the server's own origin.
        "ALLOWED_ORIGINS": {},
        # How long events are kept: the policy's section 5 says 7 years.
        "DEFAULT_RETENTION": "7y",
        "RETENTION": {},
        # Whether a visitor may erase their records (policy section 7), per site.
        "DEFAULT_ERASURE": True,
        "ERASURE": {},
    }


def from_environ(environ: os._Environ | dict) -> dict:
    """The settings given by environment variables, as config keys (still unchecked)."""
    found: dict = {}
    for env, key in SCALARS.items():
        value = environ.get(env)
        if value is not None and value.strip() != "":
            found[key] = value.strip()
    for name, value in environ.items():
        for prefix, key in PER_SITE.items():
            if name.startswith(prefix) and len(name) > len(prefix):
                suffix = name[len(prefix):]
                site = site_names.site_of_suffix(suffix) or suffix
                found.setdefault(key, {})[site] = value.strip()
                SOURCE[f"{key}:{site}"] = name
    return found


def _name(key: str, site: str | None = None) -> str:
    if site is not None:
        return SOURCE.get(f"{key}:{site}", f"{key}[{site!r}]")
    return SOURCE.get(key, key)


def check(config: dict) -> None:
    """Normalise the settings in place; raise ConfigError on the first wrong one."""
    config["DATABASE_URL"] = database_url(config["DATABASE_URL"])
    if config["AUTO_MIGRATE"] is None:
        config["AUTO_MIGRATE"] = config["DATABASE_URL"].startswith("sqlite")
    else:
        config["AUTO_MIGRATE"] = boolean(config["AUTO_MIGRATE"], "AUTO_MIGRATE")
    if config["REDIS_URL"]:
        scheme = urlsplit(config["REDIS_URL"]).scheme
        if scheme not in ("redis", "rediss", "unix"):
            raise ConfigError(f"{_name('REDIS_URL')}={config['REDIS_URL']!r}: expected a "
                              "redis://host:port/db URL")
    if config["CONSENT_SECRET"] is not None:
        config["CONSENT_SECRET"] = secret(config["CONSENT_SECRET"])
    config["RATE_LIMIT"] = rate_limit(config["RATE_LIMIT"])
    path = config["CONSENTS_PATH"]
    if not re.fullmatch(r"(/[A-Za-z0-9._~-]+)+", path):
        raise ConfigError(f"{_name('CONSENTS_PATH')}={path!r}: expected a path such as "
                          "/api/v1/consents")
    config["PROXIES"] = integer(config["PROXIES"], "PROXIES", 0, 10)
    config["DB_TIMEOUT"] = seconds(config["DB_TIMEOUT"], "DB_TIMEOUT", 0.5, 30)
    config["BODY_TIMEOUT"] = seconds(config["BODY_TIMEOUT"], "BODY_TIMEOUT", 0.5, 60)
    config["MAX_BODY_BYTES"] = integer(config["MAX_BODY_BYTES"], "MAX_BODY_BYTES", 512, 65536)
    if not Path(config["DIST_DIR"]).is_dir():
        raise ConfigError(f"{_name('DIST_DIR')}={config['DIST_DIR']!r}: no such folder; "
                          "run `python build.py` first")
    config["DEFAULT_RETENTION"] = retention(config["DEFAULT_RETENTION"], "DEFAULT_RETENTION")
    config["RETENTION"] = {site: retention(value, "RETENTION", site)
                           for site, value in config["RETENTION"].items()}
    config["DEFAULT_ERASURE"] = boolean(config["DEFAULT_ERASURE"], "DEFAULT_ERASURE")
    config["ERASURE"] = {site: boolean(value, "ERASURE", site)
                         for site, value in config["ERASURE"].items()}
    config["ALLOWED_ORIGINS"] = {site: origins(value, site)
                                 for site, value in config["ALLOWED_ORIGINS"].items()}
    unknown_site_variables(config)


def unknown_site_variables(config: dict) -> None:
    """A CONSENT_*_<SITE> variable must name a site built in DIST_DIR: a misspelt one would
    otherwise be ignored (every consent of the real site refused, or kept too long)."""
    dist = Path(config["DIST_DIR"])
    built = sorted(p.parent.name for p in dist.glob("*/manifest.json"))
    for key in PER_SITE.values():
        for site in config[key]:
            name = SOURCE.get(f"{key}:{site}")
            if name and site not in built:
                known = ", ".join(f"{s} (CONSENT_*_{site_names.env_suffix(s)})"
                                  for s in built) or "none"
                raise ConfigError(f"{name} names no site: no {site!r} is built in {dist}; "
                                  f"the sites are {known}")


def database_url(value: str) -> str:
    try:
        url = make_url(value)
    except ArgumentError:
        raise ConfigError(f"{_name('DATABASE_URL')}={value!r}: not a database URL; expected "
                          "sqlite:///path or postgresql://user@host/db") from None
    if url.drivername in ("postgres", "postgresql", "postgresql+psycopg"):
        # psycopg 3 is the driver we install; plain postgresql:// would look for psycopg2.
        return url.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    if url.drivername in ("sqlite", "sqlite+pysqlite"):
        if not url.database or url.database == ":memory:":
            raise ConfigError(f"{_name('DATABASE_URL')}={value!r}: an SQLite database must be "
                              "a file (sqlite:///path), or records vanish on restart")
        return value
    raise ConfigError(f"{_name('DATABASE_URL')}={value!r}: unsupported database "
                      f"{url.drivername!r}; expected sqlite:/// or postgresql://")


def secret(value) -> bytes:
    if isinstance(value, bytes):
        raw = value
    else:
        try:
            raw = bytes.fromhex(value)
        except ValueError:
            raw = b""
    if len(raw) < 16:
        raise ConfigError(f"{_name('CONSENT_SECRET')}: expected at least 32 hexadecimal digits "
                          "(e.g. `python -c 'import secrets; print(secrets.token_hex(32))'`)")
    return raw


def rate_limit(value) -> tuple[int, int]:
    if isinstance(value, tuple):
        count, seconds = value
    else:
        match = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", str(value))
        if not match:
            raise ConfigError(f"{_name('RATE_LIMIT')}={value!r}: expected <requests>/<seconds>, "
                              "e.g. 300/60")
        count, seconds = int(match[1]), int(match[2])
    if count < 1 or not 1 <= seconds <= 86400:
        raise ConfigError(f"{_name('RATE_LIMIT')}={value!r}: expected at least 1 request per "
                          "1 to 86400 seconds")
    return count, seconds


def _number(value, key: str, parse, low, high, expected: str):
    """`value` parsed and within [low, high], else a ConfigError naming the setting."""
    try:
        number = parse(value)
    except (TypeError, ValueError):
        number = None
    if number is None or not low <= number <= high:
        shown = str if parse is int else "{:g}".format  # 512, not 512.0; 0.5, not 0.500000
        raise ConfigError(f"{_name(key)}={value!r}: expected {expected} from {shown(low)} to "
                          f"{shown(high)}")
    return number


def integer(value, key: str, low: int, high: int) -> int:
    return _number(value, key, int, low, high, "a whole number")


def seconds(value, key: str, low: float, high: float) -> float:
    return _number(value, key, float, low, high, "a number of seconds")


def boolean(value, key: str, site: str | None = None) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{_name(key, site)}={value!r}: expected 1/0, true/false, yes/no or on/off")


def retention(value, key: str, site: str | None = None) -> tuple[int, str]:
    """`7y` or `2557d` -> (7, "y"): years are counted on the calendar, not as 365 days."""
    if isinstance(value, tuple):
        return value
    match = re.fullmatch(r"\s*(\d+)\s*([yd])\s*", str(value))
    if not match or int(match[1]) < 1:
        raise ConfigError(f"{_name(key, site)}={value!r}: expected a period such as 7y "
                          "(years) or 400d (days)")
    return int(match[1]), match[2]


def origins(value, site: str) -> list[str]:
    items = value if isinstance(value, list) else re.split(r"[\s,]+", str(value).strip())
    found = []
    for item in filter(None, items):
        parts = urlsplit(item)
        if (parts.scheme not in ("http", "https") or not parts.hostname
                or parts.path not in ("", "/") or parts.query or parts.fragment):
            raise ConfigError(f"{_name('ALLOWED_ORIGINS', site)}: {item!r} is not an origin; "
                              "expected scheme://host[:port], e.g. https://www.kppay.tg")
        found.append(f"{parts.scheme}://{parts.netloc.lower()}")
    return found
