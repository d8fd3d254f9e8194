"""The server's settings: each has one name, the environment variable's, from the environment to
the code (`app.config["CONSENT_PATH"]`), a default, and a check run at start.

A wrong setting stops the start with one line naming the variable, what it holds and what was
expected. Per-site settings are the variable with the site's id appended (upper-cased, "-"
written "_"): CONSENT_ORIGINS_KPPAY, read with `for_site(config, "CONSENT_ORIGINS", site)`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from pathlib import Path
from urllib.parse import unquote, urlsplit

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

import site_names


class ConfigError(Exception):
    """A setting is missing or wrong; the message is the one line shown to the deployer."""


def database_url(value: str, name: str) -> str:
    try:
        url = make_url(value)
    except ArgumentError:
        raise ConfigError(f"{name}={value!r}: not a database URL; expected "
                          "sqlite:///path or postgresql://user@host/db") from None
    if url.drivername in ("postgres", "postgresql", "postgresql+psycopg"):
        # psycopg 3 is the driver we install; plain postgresql:// would look for psycopg2.
        return url.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    if url.drivername in ("sqlite", "sqlite+pysqlite"):
        if not url.database or url.database == ":memory:":
            raise ConfigError(f"{name}={value!r}: an SQLite database must be a file "
                              "(sqlite:///path), or records vanish on restart")
        return value
    raise ConfigError(f"{name}={value!r}: unsupported database {url.drivername!r}; expected "
                      "sqlite:/// or postgresql://")


def redis_url(value, name: str) -> str | None:
    if not value:
        return None
    if urlsplit(value).scheme not in ("redis", "rediss", "unix"):
        raise ConfigError(f"{name}={value!r}: expected a redis://host:port/db URL")
    return value


def secret(value, name: str) -> bytes | None:
    if value is None or isinstance(value, bytes) and len(value) >= 16:
        return value
    try:
        raw = bytes.fromhex(value)
    except (TypeError, ValueError):
        raw = b""
    if len(raw) < 16:
        raise ConfigError(f"{name}: expected at least 32 hexadecimal digits "
                          "(e.g. `python -c 'import secrets; print(secrets.token_hex(32))'`)")
    return raw


# How each scheme of CONSENT_SMTP_URL talks to the server, and its usual port.
SMTP_SCHEMES = (("smtp", "plain", 25), ("smtp+starttls", "starttls", 587), ("smtps", "tls", 465))


def smtp_parts(value: str) -> tuple[str, str, int, str | None, str | None]:
    """`smtp+starttls://user:password@host:587` -> (mode, host, port, user, password)."""
    parts = urlsplit(value)
    found = [(mode, port) for scheme, mode, port in SMTP_SCHEMES if scheme == parts.scheme]
    if not found or not parts.hostname:
        raise ValueError("not an SMTP URL")
    (mode, port), = found
    user = unquote(parts.username) if parts.username else None
    password = unquote(parts.password) if parts.password else None
    return mode, parts.hostname, parts.port or port, user, password


def smtp_url(value, name: str) -> str | None:
    if not value:
        return None
    try:
        smtp_parts(value)
    except ValueError:
        # Never echo the value: it may hold the relay's password.
        raise ConfigError(f"{name}: expected smtp://host[:port] (a local relay), "
                          "smtp+starttls://user:password@host[:587] or "
                          "smtps://user:password@host[:465]") from None
    return value


def mail_address(value, name: str) -> str | None:
    if not value:
        return None
    if not re.fullmatch(r"[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+", str(value)):
        raise ConfigError(f"{name}={value!r}: expected an e-mail address such as "
                          "rights@kppay.tg")
    return str(value)


def rate_limit(value, name: str) -> tuple[int, int]:
    if isinstance(value, tuple):
        count, seconds = value
    else:
        match = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", str(value))
        if not match:
            raise ConfigError(f"{name}={value!r}: expected <requests>/<seconds>, e.g. 300/60")
        count, seconds = int(match[1]), int(match[2])
    if count < 1 or not 1 <= seconds <= 86400:
        raise ConfigError(f"{name}={value!r}: expected at least 1 request per 1 to 86400 "
                          "seconds")
    return count, seconds


def endpoint(value, name: str) -> str:
    if not isinstance(value, str) or not re.fullmatch(r"(/[A-Za-z0-9._~-]+)+", value):
        raise ConfigError(f"{name}={value!r}: expected a path such as /api/v1/consents")
    return value


def _number(convert: type, low: float, high: float, expected: str) -> Callable:
    def check(value, name: str):
        try:
            number = convert(value)
        except (TypeError, ValueError):
            number = None
        if number is None or not low <= number <= high:
            raise ConfigError(f"{name}={value!r}: expected {expected} from {low:g} to {high:g}")
        return number
    return check


def integer(low: int, high: int) -> Callable:
    return _number(int, low, high, "a whole number")


def seconds(low: float, high: float) -> Callable:
    return _number(float, low, high, "a number of seconds")


def boolean(value, name: str) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{name}={value!r}: expected 1/0, true/false, yes/no or on/off")


def maybe_boolean(value, name: str) -> bool | None:
    return None if value is None else boolean(value, name)


def folder(value, name: str) -> str:
    if not Path(value).is_dir():
        raise ConfigError(f"{name}={value!r}: no such folder; run `python build.py` first")
    return str(value)


def catalog_folder(value, name: str) -> str:
    if not Path(value).is_dir():
        raise ConfigError(f"{name}={value!r}: no such folder; expected the catalogs' folder "
                          "(translations/, with <lang>/LC_MESSAGES/console.po)")
    return str(value)


def retention(value, name: str) -> tuple[int, str]:
    """`7y` or `2557d` -> (7, "y"): years are counted on the calendar, not as 365 days."""
    if isinstance(value, tuple):
        return value
    match = re.fullmatch(r"\s*(\d+)\s*([yd])\s*", str(value))
    if not match or int(match[1]) < 1:
        raise ConfigError(f"{name}={value!r}: expected a period such as 7y (years) or 400d "
                          "(days)")
    return int(match[1]), match[2]


def origins(value, name: str) -> tuple[str, ...]:
    items = value if isinstance(value, list | tuple) else re.split(r"[\s,]+", str(value).strip())
    found = []
    for item in filter(None, items):
        parts = urlsplit(item)
        if (parts.scheme not in ("http", "https") or not parts.hostname
                or parts.path not in ("", "/") or parts.query or parts.fragment):
            raise ConfigError(f"{name}: {item!r} is not an origin; expected "
                              "scheme://host[:port], e.g. https://www.kppay.tg")
        found.append(f"{parts.scheme}://{parts.netloc.lower()}")
    return tuple(found)


def _keep(value, _name: str):
    return value


def key_folder(value, name: str) -> str | None:
    if value is not None and Path(value).exists() and not Path(value).is_dir():
        raise ConfigError(f"{name}={value!r}: not a folder; expected the folder of the "
                          "signing keys (active.pem and public/)")
    return value


# Every setting: its name (the environment variable), its default, its check. A default of
# None means "not set" (each check says what that does).
SETTINGS: dict[str, tuple[object, Callable]] = {
    # Default: one SQLite file in the instance folder (set in `load`): nothing to install.
    "DATABASE_URL": (None, database_url),
    # None: rate limits are counted in this process's memory (one worker, or one machine).
    "REDIS_URL": (None, redis_url),
    # None: a random key is generated into the instance folder on first run.
    "CONSENT_SECRET": (None, secret),
    # POSTs per pseudonymised network per window; generous, since a /24 can be a whole
    # mobile carrier's NAT.
    "CONSENT_RATE_LIMIT": ("300/60", rate_limit),
    # Rights requests filed from /rights/<site> per pseudonymised network per window: a few
    # a day is what people file; more is someone flooding the owner's inbox.
    "CONSENT_RIGHTS_RATE_LIMIT": ("10/3600", rate_limit),
    # The widget's endpoint; no word that ad-blocking lists match.
    "CONSENT_PATH": ("/api/v1/consents", endpoint),
    # Reverse proxies in front of the app whose X-Forwarded-For is trusted (0: none).
    "CONSENT_PROXIES": ("0", integer(0, 10)),
    # Where build.py writes the bundles (default: the repository's dist/, set by the app).
    "CONSENT_DIST_DIR": (None, folder),
    # The catalogs: the console's texts (console.po), and the preview's (default: the
    # repository's translations/, set by the app).
    "CONSENT_TRANSLATIONS_DIR": (None, catalog_folder),
    # The instance folder: the demo's SQLite file and the generated secret.
    "CONSENT_INSTANCE_PATH": (None, _keep),
    # The Ed25519 keys that sign receipts and log heads (server/signing.py). None: the
    # instance's signing-keys/ folder, with a key made on first start. Several machines must
    # share one folder's keys, as they share CONSENT_SECRET.
    "CONSENT_SIGNING_KEYS": (None, key_folder),
    # None: apply migrations at start for SQLite only; PostgreSQL is migrated on purpose.
    "CONSENT_AUTO_MIGRATE": (None, maybe_boolean),
    # How long events are kept: the policy's section 5 says 7 years.
    "CONSENT_RETENTION": ("7y", retention),
    # Whether a visitor may erase their records (policy section 7).
    "CONSENT_ERASURE": ("1", boolean),
    # Seconds any one wait for the database may take (connecting, a statement, a commit)
    # before the request gets a 503: a frozen database must not hold every worker.
    "CONSENT_DB_TIMEOUT": ("2", seconds(0.5, 30)),
    # Seconds a client has to send the whole body: a stalled upload must not hold a worker's
    # thread (a buffering proxy in front takes the rest, see the README).
    "CONSENT_BODY_TIMEOUT": ("5", seconds(0.5, 60)),
    # The body cap of the consent POST: a real event is under 1 KiB.
    "CONSENT_MAX_BODY_BYTES": ("4096", integer(512, 65536)),
    # Seconds a batch's leader waits for more consents before writing (group commit). Under
    # load batches form by themselves while the previous one commits: none by default.
    "CONSENT_BATCH_WINDOW": ("0", seconds(0, 0.05)),
    # The relay the rights e-mail leaves through (`flask --app server rights send-mail`).
    # None: e-mail waits in the outbox until it is set; nothing is lost.
    "CONSENT_SMTP_URL": (None, smtp_url),
    # The sender of that e-mail; required with CONSENT_SMTP_URL.
    "CONSENT_MAIL_FROM": (None, mail_address),
    # Calls of the account-link API per site's back end (pseudonymised network) per window:
    # one per customer login, with room for a busy site's peak.
    "CONSENT_ACCOUNTS_RATE_LIMIT": ("1200/60", rate_limit),
    # Webhooks (server/webhooks): endpoints must be https; on, http://127.0.0.1, localhost and
    # [::1] are accepted too. For tests and development only: in production it would let an
    # owner make the server post to its own local services.
    "CONSENT_WEBHOOK_LOCAL": ("0", boolean),
    # Seconds an endpoint has to answer one attempt.
    "CONSENT_WEBHOOK_TIMEOUT": ("10", seconds(0.5, 60)),
    # Seconds a message waits before its first attempt: longer than a consent's write may take
    # (the group commit's wait and the database's deadline, CONSENT_DB_TIMEOUT each), so that
    # an earlier message of the same consent id still being committed in another worker is
    # seen, and sent, first.
    "CONSENT_WEBHOOK_SETTLE": ("5", seconds(0, 300)),
    # Seconds before the first retry; each next wait doubles (with jitter) up to the maximum.
    "CONSENT_WEBHOOK_BACKOFF": ("5", seconds(0.01, 3600)),
    "CONSENT_WEBHOOK_BACKOFF_MAX": ("3600", seconds(0.01, 86400)),
    # Seconds a message is retried before it is given up (the 3 days); the next
    # message of its consent id is then sent.
    "CONSENT_WEBHOOK_GIVE_UP": ("259200", seconds(1, 30 * 86400)),
}
# Per-site settings (CONSENT_ORIGINS_KPPAY=…): the site's value, else the general one.
PER_SITE: dict[str, Callable] = {
    "CONSENT_ORIGINS": origins,
    "CONSENT_RETENTION": retention,
    "CONSENT_ERASURE": boolean,
}


def load(source: Mapping, dist_dir: str, translations_dir: str) -> dict:
    """The checked settings from `source` (the environment, or a test's mapping of the same
    names); ConfigError on the first wrong one."""
    found: dict = {}
    for name, (default, _check) in SETTINGS.items():
        value = source.get(name)
        if isinstance(value, str):
            value = value.strip() or None
        found[name] = default if value is None else value
    found["CONSENT_DIST_DIR"] = found["CONSENT_DIST_DIR"] or dist_dir
    found["CONSENT_TRANSLATIONS_DIR"] = found["CONSENT_TRANSLATIONS_DIR"] or translations_dir
    instance = Path(found["CONSENT_INSTANCE_PATH"])
    found["DATABASE_URL"] = found["DATABASE_URL"] or f"sqlite:///{instance / 'consents.sqlite3'}"
    for name, (_default, check) in SETTINGS.items():
        found[name] = check(found[name], name)
    if found["CONSENT_SMTP_URL"] and not found["CONSENT_MAIL_FROM"]:
        raise ConfigError("CONSENT_MAIL_FROM: required with CONSENT_SMTP_URL (the address "
                          "the rights e-mail is sent from)")
    if found["CONSENT_AUTO_MIGRATE"] is None:
        found["CONSENT_AUTO_MIGRATE"] = found["DATABASE_URL"].startswith("sqlite")
    for name, value in source.items():
        for prefix, check in PER_SITE.items():
            if name.startswith(prefix + "_") and len(name) > len(prefix) + 1:
                found[name] = check(value.strip() if isinstance(value, str) else value, name)
                _names_a_built_site(name, name[len(prefix) + 1:], found["CONSENT_DIST_DIR"])
    return found


def _names_a_built_site(name: str, suffix: str, dist: str) -> None:
    """A CONSENT_*_<SITE> variable must name a site built in CONSENT_DIST_DIR: a misspelt one
    would otherwise be ignored (every consent of the real site refused, or kept too long)."""
    built = sorted(p.parent.name for p in Path(dist).glob("*/manifest.json"))
    site = site_names.site_of_suffix(suffix)
    if site not in built:
        known = ", ".join(f"{s} (CONSENT_*_{site_names.env_suffix(s)})" for s in built) or "none"
        shown = site or suffix.lower()
        raise ConfigError(f"{name} names no site: no {shown!r} is built in {dist}; "
                          f"the sites are {known}")


def for_site(config: Mapping, name: str, site: str):
    """A per-site setting: CONSENT_<NAME>_<SITE> if set, else CONSENT_<NAME> (origins: none)."""
    return config.get(f"{name}_{site_names.env_suffix(site)}", config.get(name, ()))
