"""`/admin`: the owner's console. Login, then per site: dashboard, records, install, health."""

from __future__ import annotations

import functools
import os
import time
from datetime import UTC, date, datetime, timedelta
from urllib.parse import urlsplit

import sqlalchemy as sa
from babel import Locale
from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    g,
    redirect,
    render_template,
    request,
    session,
    stream_with_context,
    url_for,
)
from flask_wtf.csrf import generate_csrf
from werkzeug.exceptions import HTTPException

from consent_ids import HEX32, matches_whole
from site_names import env_suffix

from .. import ratelimit, store
from ..db import get_engine
from ..formats import csv_lines, jsonl_lines
from ..html_pages import guard
from ..pseudonym import pseudonymise
from ..rights import outbox
from ..rights.sender import MAX_ATTEMPTS
from ..sites import registry
from ..tables import ACTIONS, events
from . import accounts, charts, refusals, rollup
from .i18n import LANGUAGES, gettext, language

bp = Blueprint("console", __name__, template_folder="templates", static_folder="static",
               static_url_path="/static")

# A session ends after this long without a request, and in any case this long after login.
IDLE = timedelta(hours=1)
ABSOLUTE = timedelta(hours=12)
DEFAULT_DAYS = 30
MAX_DAYS = 731
RECORDS_SHOWN = 100
# Rights e-mail waiting longer than this means the sender is not running or the relay is down.
MAIL_LATE = timedelta(minutes=15)
ACTION_COLOURS = dict(zip(ACTIONS, charts.PALETTE[2:3] + charts.PALETTE[1:2]
                          + charts.PALETTE[0:1] + charts.PALETTE[3:4], strict=True))


def action_names() -> dict[str, str]:
    return {"accept_all": gettext("Accept all"), "refuse_all": gettext("Refuse all"),
            "custom": gettext("Custom"), "withdraw": gettext("Withdrawn")}


@bp.app_template_global("console_number")
def number(value) -> str:
    """Thousands grouped as each language writes them (a narrow space in French)."""
    if isinstance(value, float) and not value.is_integer():
        text = f"{value:,.1f}"
    else:
        text = f"{int(value):,}"
    if language() == "fr":
        return text.replace(",", "\u202f").replace(".", ",")
    return text


@bp.app_template_global("console_percent")
def percent(fraction: float | None) -> str:
    if fraction is None:
        return "–"
    text = f"{100 * fraction:.1f}"
    return (text.replace(".", ",") + "\u202f%") if language() == "fr" else text + "%"


@bp.before_request
def _load_owner():
    g.owner = None
    owner_id = session.get("owner")
    if owner_id is None:
        return
    since = session.get("since", 0)
    owner = accounts.get(get_engine(), owner_id)
    if (owner is None or owner.session_epoch != session.get("epoch")
            or time.time() - since > ABSOLUTE.total_seconds()):
        lang = session.get("lang")
        session.clear()
        if lang:
            session["lang"] = lang
        return
    g.owner = owner


guard(bp, lambda: gettext("This form has expired or was not sent from this console. "
                          "Reload the page and send it again."), "console.static")


@bp.errorhandler(HTTPException)
def _error_page(error: HTTPException):
    if error.code == 404:
        message = gettext("There is no such page, or it belongs to a site you do not manage.")
    else:
        message = error.description
    return render_template("console/error.html", code=error.code, message=message), error.code


@bp.app_context_processor
def _context() -> dict:
    if not request.blueprint == "console":
        return {}
    return {"csrf_token": generate_csrf, "lang": language(), "languages": LANGUAGES,
            "owner": g.get("owner"), "actions": action_names()}


def login_required(view):
    @functools.wraps(view)
    def wrapped(**kwargs):
        if g.owner is None:
            return redirect(url_for("console.login", next=request.full_path.rstrip("?")))
        session.permanent = True
        return view(**kwargs)

    return wrapped


def _site(site_id: str):
    """The site when this owner manages it and it is built; 404 otherwise (never 403: whether
    another owner's site exists is not this owner's business)."""
    if site_id not in g.owner.sites:
        abort(404)
    site = registry().get(site_id)
    if site is None:
        abort(404)
    g.site = site
    return site


def _next(target: str | None) -> str:
    """Only a path of this console: never an open redirect to another host."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and parts.path.startswith("/admin/"):
            return target
    return url_for("console.index")


@bp.route("/login", methods=["GET", "POST"])
def login():
    error, status = None, 200
    email = ""
    if request.method == "POST":
        email = request.form.get("email", "")[:254]
        password = request.form.get("password", "")[:1024]
        wait = _login_wait(email)
        if wait:
            error, status = gettext("Too many attempts. Try again in %(minutes)s minutes.",
                                    minutes=max(1, round(wait / 60))), 429
        else:
            owner = accounts.authenticate(get_engine(), email, password)
            if owner is None:
                error, status = gettext("Wrong e-mail address or password."), 400
            else:
                lang = session.get("lang")
                session.clear()
                session.update(owner=owner.id, epoch=owner.session_epoch, since=time.time())
                if lang:
                    session["lang"] = lang
                session.permanent = True
                current_app.logger.info("console: owner %s logged in", owner.id)
                return redirect(_next(request.args.get("next")))
    elif g.owner is not None:
        return redirect(_next(request.args.get("next")))
    return render_template("console/login.html", error=error, email=email), status


def _login_wait(email: str) -> int:
    """Seconds to wait before another attempt, counted per network and per account."""
    limiter = current_app.extensions["console_login_limiter"]
    key = current_app.extensions["consent_keys"]["ip"]
    waits = []
    for name in (f"net:{pseudonymise(request.remote_addr or '', key)}",
                 f"account:{pseudonymise(email.strip().lower(), key)}"):
        try:
            waits.append(limiter.hit(name))
        except ratelimit.Unavailable:
            waits.append(limiter.local.hit(name))
    return max(waits)


@bp.post("/logout")
def logout():
    if g.owner is not None:
        accounts.end_sessions(get_engine(), g.owner.id)
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    return redirect(url_for("console.login", out=1))


@bp.post("/language")
def choose_language():
    chosen = request.form.get("lang")
    if chosen in LANGUAGES:
        session["lang"] = chosen
    return redirect(_next(request.form.get("next")))


@bp.get("/")
@login_required
def index():
    sites = [s for s in map(registry().get, g.owner.sites) if s is not None]
    if len(sites) == 1:
        return redirect(url_for("console.dashboard", site_id=sites[0].id))
    return render_template("console/sites.html", sites=sites)


def _day(name: str, default: date) -> date:
    text = request.args.get(name)
    if not text:
        return default
    try:
        return date.fromisoformat(text)
    except ValueError:
        abort(400, gettext("%(value)s is not a date: use the form YYYY-MM-DD.",
                           value=text[:40]))


def _range(max_days: int | None = MAX_DAYS) -> tuple[date, date]:
    today = datetime.now(UTC).date()
    last = _day("to", today)
    first = _day("from", last - timedelta(days=DEFAULT_DAYS - 1))
    if first > last:
        abort(400, gettext("The first day comes after the last one."))
    if max_days and (last - first).days >= max_days:
        abort(400, gettext("Choose at most %(days)s days.", days=max_days))
    return first, last


@bp.get("/<site_id>/")
@login_required
def dashboard(site_id: str):
    site = _site(site_id)
    first, last = _range()
    engine = get_engine()
    # The few settled events since the last cron run; the rest is read live below.
    rollup.advance(engine, chunks=2)
    found = rollup.figures(engine, site.id, first, last, site.manifest["categories"])
    labels = [d.isoformat() for d in found.days]
    per_day = charts.stacked_bars(labels, list(ACTIONS), [found.actions[d] for d in found.days],
                                  ACTION_COLOURS, number=lambda v: number(round(v)))
    required = set(site.manifest.get("required", []))
    rated = [c for c in found.categories if c not in required]
    category_colours = {c: charts.PALETTE[i % len(charts.PALETTE)] for i, c in enumerate(rated)}
    rates = charts.lines(labels, rated, [{c: found.rate(d, c) for c in rated}
                                         for d in found.days], category_colours)
    gpc_names = {True: gettext("GPC on"), False: gettext("GPC off")}
    today = datetime.now(UTC).date()
    splits = {
        "language": charts.shares(sorted(found.languages.items(), key=lambda kv: -kv[1])),
        "revision": charts.shares([(gettext("Revision %(number)s", number=r), n) for r, n in
                                   sorted(found.revisions.items(), reverse=True)]),
        "gpc": charts.shares([(gpc_names[k], found.gpc[k]) for k in (False, True)
                              if found.gpc[k]]),
    }
    return render_template("console/dashboard.html", site=site, found=found, first=first,
                           last=last, per_day=per_day, rates=rates, rated=rated,
                           category_colours=category_colours, action_colours=ACTION_COLOURS,
                           splits=splits, today=today, rated_names=[(c, c) for c in rated],
                           quick=[(n, (today - timedelta(days=n - 1)).isoformat())
                                  for n in (7, 30, 90, 365)])


@bp.get("/<site_id>/records")
@login_required
def records(site_id: str):
    site = _site(site_id)
    consent_id = request.args.get("consent_id", "").strip().lower()
    rows, searched, error = [], None, None
    if consent_id:
        searched = "consent"
        if len(consent_id) != 32 or any(c not in "0123456789abcdef" for c in consent_id):
            error = gettext("A consent id is 32 characters from 0-9 and a-f, as the visitor's "
                            "banner shows it.")
        else:
            rows = [r for r in store.history(get_engine(), consent_id) if r["site"] == site.id]
    elif request.args.get("from") or request.args.get("to"):
        searched = "range"
        first, last = _range()
        rows = _listing(site.id, first, last)
    key = current_app.extensions["consent_keys"]["receipt"]
    # The proof package speaks the console's language (console.i18n): imported when used.
    from ..proof.attest import receipt_matches

    shown = [{**r, "verified": receipt_matches(r, key)} for r in rows]
    first, last = _range() if searched == "range" else (None, None)
    return render_template("console/records.html", site=site, rows=shown, searched=searched,
                           consent_id=consent_id, error=error, first=first, last=last,
                           limit=RECORDS_SHOWN, today=datetime.now(UTC).date()), \
        400 if error else 200


@bp.get("/<site_id>/records/<consent_id>/proof")
@login_required
def proof(site_id: str, consent_id: str):
    """The proof document of one visitor's consent on this site, to download."""
    site = _site(site_id)
    if not matches_whole(HEX32, consent_id):
        abort(404)
    from ..proof import document

    html, count = document.proof(consent_id, site.id, language())
    if not count:
        abort(404)
    # The owner and the site, never the visitor's consent id.
    current_app.logger.info("console: owner %s made a proof document for %s", g.owner.id,
                            site.id)
    response = Response(html, mimetype="text/html", content_type="text/html; charset=utf-8")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="proof-{site.id}-{consent_id}.html"')
    return response


def _bounds(first: date, last: date) -> tuple[datetime, datetime]:
    return (datetime.combine(first, datetime.min.time(), UTC),
            datetime.combine(last + timedelta(days=1), datetime.min.time(), UTC))


def _listing(site_id: str, first: date, last: date) -> list[dict]:
    start, end = _bounds(first, last)
    query = (sa.select(events).where(events.c.site == site_id, events.c.server_time >= start,
                                     events.c.server_time < end)
             .order_by(events.c.server_time.desc(), events.c.id.desc()).limit(RECORDS_SHOWN))
    with get_engine().connect() as connection:
        return [dict(r) for r in connection.execute(query).mappings()]


@bp.get("/<site_id>/records/export")
@login_required
def export(site_id: str):
    site = _site(site_id)
    # A download is streamed: any period, the whole retention included.
    first, last = _range(max_days=None)
    fmt = request.args.get("format", "csv")
    if fmt not in ("csv", "jsonl"):
        abort(400, gettext("The format is csv or jsonl."))
    start, end = _bounds(first, last)
    rows = store.stream(get_engine(), start, end, site.id)
    if fmt == "csv":
        lines, mimetype = csv_lines(rows, list(site.manifest["categories"])), "text/csv"
    else:
        lines, mimetype = jsonl_lines(rows), "application/x-ndjson"
    current_app.logger.info("console: owner %s exported %s %s..%s", g.owner.id, site.id,
                            first, last)
    response = Response(stream_with_context(lines), mimetype=mimetype,
                        content_type=f"{mimetype}; charset=utf-8")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="consents-{site.id}-{first}-{last}.{fmt}"')
    return response


@bp.get("/<site_id>/install")
@login_required
def install(site_id: str):
    site = _site(site_id)
    files = site.manifest["files"]
    script = files["consent.js"]
    base = request.host_url.rstrip("/")

    def hashed_tag(entry: dict) -> str:
        return (f'<script src="{base}/c/{site.id}/{entry["file"]}"\n'
                f'        integrity="{entry["integrity"]}"\n'
                f'        crossorigin="anonymous" async></script>')

    hashed = hashed_tag(script)
    stable = f'<script src="{base}/c/{site.id}/{script["stable"]}" async></script>'
    # Pages in another of the site's languages carry that language's bundle (build.py).
    others = [(lang, Locale.parse(lang).get_language_name(language()),
               hashed_tag(files[f"consent-{lang}.js"]))
              for lang in site.manifest["languages"] if f"consent-{lang}.js" in files]
    # The manifest says no build time yet: the time its file was written stands for it.
    manifest_path = os.path.join(current_app.config["CONSENT_DIST_DIR"], site.id, "manifest.json")
    built = site.manifest.get("built_at") or datetime.fromtimestamp(
        os.stat(manifest_path).st_mtime, UTC).strftime("%Y-%m-%d %H:%M UTC")
    return render_template("console/install.html", site=site, hashed=hashed, stable=stable,
                           others=others, script=script, built=built)


def _database_status() -> tuple[bool, float]:
    began = time.monotonic()
    try:
        with get_engine().connect() as connection:
            connection.execute(sa.select(events.c.id).limit(1)).all()
        return True, time.monotonic() - began
    except sa.exc.SQLAlchemyError:
        return False, time.monotonic() - began


def _redis_status() -> str:
    url = current_app.config.get("REDIS_URL")
    if not url:
        return "absent"
    import redis

    try:
        redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5).ping()
        return "ok"
    except redis.RedisError:
        return "down"


@bp.get("/<site_id>/health")
@login_required
def health(site_id: str):
    site = _site(site_id)
    database, seconds = _database_status()
    rolled = None
    if database:
        with get_engine().connect() as connection:
            rolled = rollup.mark(connection)
    now = datetime.now(UTC)
    refused = refusals.recent(get_engine(), site.id, now) if database else []
    variable = f"CONSENT_ORIGINS_{env_suffix(site.id)}"
    mail = outbox.backlog(get_engine(), site.id, MAX_ATTEMPTS) if database else None
    return render_template("console/health.html", site=site, database=database,
                           mail=mail, mail_late=MAIL_LATE,
                           mail_configured=bool(current_app.config["CONSENT_SMTP_URL"]),
                           seconds=seconds, redis=_redis_status(), rolled=rolled, now=now,
                           lag=(now - rolled) if rolled else None, refused=refused,
                           variable=variable, origins=site.origins)
