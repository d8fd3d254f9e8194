"""`/rights/<site>`: a visitor files a request of one of the six rights (policy section 7).
No JavaScript, the console's strict CSP, CSRF-protected, rate-limited per pseudonymised
network; answered with a reference and the date the answer is due. Nothing is stored in the
visitor's browser before they send a request (the site's cookie audit would rightly flag a
cookie set by merely reading the form): forms are checked by the headers browsers add, not by
a token kept in a session, and the language is carried in the address."""

from __future__ import annotations

from datetime import UTC, datetime

from babel.dates import format_date
from flask import (
    Blueprint,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from werkzeug.exceptions import HTTPException

from .. import ratelimit
from ..console.i18n import LANGUAGES, gettext, language
from ..db import get_engine
from ..html_pages import guard
from ..pseudonym import pseudonymise
from ..sites import registry
from . import cli, form, outbox, requests

bp = Blueprint("rights", __name__, template_folder="templates", url_prefix="/rights")


def init_app(app) -> None:
    # Its own session cookie, sent to /rights only, set once a request is sent: the
    # confirmation shows it again on reload.
    app.config["SESSION_AREAS"]["/rights"] = "rights_session"
    app.extensions["rights_limiter"] = ratelimit.make_limiter(
        app.config, "CONSENT_RIGHTS_RATE_LIMIT", "consent:rights:")
    app.register_blueprint(bp)
    cli.init_app(app)


guard(bp, lambda: gettext("This form has expired or was not sent from this page. "
                          "Reload the page and send it again."), tokens=False)


@bp.errorhandler(HTTPException)
def _error_page(error: HTTPException):
    if error.code == 404:
        message = gettext("There is no such page: check the address the site gave you.")
    else:
        message = error.description
    headers = [(k, v) for k, v in error.get_headers() if k != "Content-Type"]  # Retry-After
    return render_template("rights/error.html", code=error.code, message=message), \
        error.code, headers


@bp.app_context_processor
def _context() -> dict:
    if request.blueprint != "rights":
        return {}
    return {"lang": language(), "languages": LANGUAGES, "kinds": form.kind_names(),
            "long_date": long_date, "in_language": in_language}


def in_language(code: str) -> str:
    """This page's address in another language: the language rides in the address, since
    nothing is stored in the browser before the visitor sends a request."""
    # Only the reference the banner's link carried rides along: any other query key could
    # clash with url_for's own arguments (site_id, _scheme…).
    kept = {"consent_id": request.args["consent_id"]} if "consent_id" in request.args else {}
    return url_for(request.endpoint, **(request.view_args or {}), lang=code, **kept)


def long_date(moment: datetime) -> str:
    return format_date(moment.date(), format="long", locale=language())


def _site(site_id: str):
    site = registry().get(site_id)
    if site is None:
        abort(404)
    return site


def _limit() -> None:
    """429 past CONSENT_RIGHTS_RATE_LIMIT filings per network (never an address kept)."""
    limiter = current_app.extensions["rights_limiter"]
    key = pseudonymise(request.remote_addr or "", current_app.extensions["consent_keys"]["ip"])
    try:
        wait = limiter.hit(key)
    except ratelimit.Unavailable:
        # Counted in this process meanwhile: a visitor is not turned away because Redis is,
        # and the form tells nobody whether a consent id exists.
        wait = limiter.local.hit(key)
    if wait:
        message = gettext("Too many requests were sent from your network. Try again in "
                          "%(minutes)s minutes.", minutes=max(1, round(wait / 60)))
        abort(429, message, retry_after=wait)


@bp.route("/<site_id>", methods=["GET", "POST"])
def page(site_id: str):
    site = _site(site_id)
    if request.method != "POST":  # GET, and HEAD (which Flask answers with GET's view)
        cookie = request.cookies.get(site.manifest.get("cookie_name", "consent_banner"))
        consent_id = form.known_consent_id(request.args.get("consent_id"), cookie)
        filed = form.Filed(consent_id=consent_id, errors={})
        return render_template("rights/form.html", site=site, filed=filed)
    _limit()
    filed = form.read(request.form)
    if filed.errors:
        return render_template("rights/form.html", site=site, filed=filed), 400
    made = requests.file(get_engine(), site.id, site.manifest["rights_response_days"],
                         filed.kind, filed.consent_id or None, filed.email, filed.message,
                         language(), announce=outbox.announce_new)
    current_app.logger.info("rights: %s request %s filed for site %s", made.kind,
                            made.reference, site.id)
    session["filed"] = {"site": site.id, "reference": made.reference,
                        "due": made.due_at.isoformat()}
    return redirect(url_for("rights.filed", site_id=site.id, lang=language()), 303)


@bp.get("/<site_id>/filed")
def filed(site_id: str):
    """The confirmation, from this browser's session (a reload shows it again)."""
    site = _site(site_id)
    made = session.get("filed")
    if not made or made.get("site") != site.id:
        return redirect(url_for("rights.page", site_id=site.id, lang=language()))
    return render_template("rights/filed.html", site=site, reference=made["reference"],
                           due=datetime.fromisoformat(made["due"]).astimezone(UTC))
