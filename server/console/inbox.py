"""`/admin/<site>/rights`: the owner's inbox of visitors' rights requests. Open requests by
due date, each with the consent history it names; the owner adds notes, erases the records
(erasure requests, where the site allows it) and answers: done, or refused with a reason.
Every step goes to the request's append-only trail."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import abort, current_app, g, redirect, render_template, request, url_for

from .. import store
from ..account_links import links
from ..db import get_engine
from ..rights import outbox, requests
from ..rights.form import kind_names
from ..rights.sender import MAX_ATTEMPTS
from ..sites import keeping_site
from .i18n import gettext, ngettext
from .views import _site, bp, login_required

NOTE_MAX = 4000


def days_left_text(found: requests.Request, now: datetime) -> str:
    """Said in words, not by colour alone."""
    days = found.days_left(now)
    if found.overdue(now):
        late = max(1, -days)
        return ngettext("Overdue by %(num)s day", "Overdue by %(num)s days", late)
    if days == 0:
        return gettext("Due today")
    return ngettext("%(num)s day left", "%(num)s days left", days)


@bp.get("/<site_id>/rights")
@login_required
def rights(site_id: str):
    site = _site(site_id)
    now = datetime.now(UTC)
    found = requests.open_requests(get_engine(), site.id)
    return render_template("console/rights.html", site=site, found=found, now=now,
                           kinds=kind_names(), left=days_left_text)


def _request(site, reference: str) -> requests.Request:
    found = requests.get(get_engine(), site.id, reference)
    if found is None:
        abort(404)
    return found


def _page(site, found: requests.Request, error: str | None = None, field: str | None = None,
          status: int = 200):
    engine = get_engine()
    # The consent id given, and those of the same customer account on other devices.
    devices = links.same_account(engine, site.id, found.consent_id) if found.consent_id else []
    return render_template("console/rights_request.html", site=site, found=found,
                           history=links.history(engine, site.id, devices), devices=devices,
                           mail=outbox.for_request(engine, found.id),
                           max_attempts=MAX_ATTEMPTS, trail=requests.steps(engine, found.id),
                           now=datetime.now(UTC), kinds=kind_names(), left=days_left_text,
                           error=error, field=field, note=request.form.get("text", "")), status


@bp.get("/<site_id>/rights/<reference>")
@login_required
def rights_request(site_id: str, reference: str):
    site = _site(site_id)
    return _page(site, _request(site, reference))


def _step(site, found: requests.Request, step: str, text: str | None, work=None):
    """Append the step, or show the page again when the request was answered meanwhile.
    `work(connection)`, when given, runs first in the same transaction and gives the step's
    text: what it changes is kept only with its step."""
    try:
        with get_engine().begin() as connection:
            if work is not None:
                text = work(connection)
            requests.add_step(connection, found, step, g.owner.email, text)
    except requests.Closed:
        return _page(site, found, gettext("This request is already answered."), None, 409)
    current_app.logger.info("console: owner %s added %s to rights request %s", g.owner.id,
                            step, found.reference)
    return redirect(url_for("console.rights_request", site_id=site.id,
                            reference=found.reference), 303)


@bp.post("/<site_id>/rights/<reference>/note")
@login_required
def rights_note(site_id: str, reference: str):
    site = _site(site_id)
    found = _request(site, reference)
    text = request.form.get("text", "").strip()
    if not text or len(text) > NOTE_MAX:
        return _page(site, found, gettext("Write a note of 1 to %(count)s characters.",
                                          count=NOTE_MAX), "note", 400)
    return _step(site, found, "note", text)


@bp.post("/<site_id>/rights/<reference>/answer")
@login_required
def rights_answer(site_id: str, reference: str):
    site = _site(site_id)
    found = _request(site, reference)
    outcome = request.form.get("outcome")
    reason = request.form.get("reason", "").strip()
    if outcome not in ("done", "refused"):
        return _page(site, found, gettext("Choose done or refused."), "outcome", 400)
    if len(reason) > NOTE_MAX or (outcome == "refused" and not reason):
        return _page(site, found, gettext("A refusal needs its reason (at most %(count)s "
                                          "characters): the visitor is owed it.",
                                          count=NOTE_MAX), "reason", 400)
    return _step(site, found, outcome, reason or None)


@bp.post("/<site_id>/rights/<reference>/erase")
@login_required
def rights_erase(site_id: str, reference: str):
    """The API's erasure (store.erase), only where every site holding these records allows
    it, and only for records this owner's site holds alone."""
    site = _site(site_id)
    found = _request(site, reference)
    if found.kind != "erasure" or not found.consent_id:
        return _page(site, found, gettext("Only an erasure request that gives a consent "
                                          "reference can erase records."), "erase", 400)
    if found.answer is not None:
        return _page(site, found, gettext("This request is already answered."), None, 409)
    engine = get_engine()
    holders = store.sites_of(engine, found.consent_id)
    if any(h != site.id for h in holders):
        return _page(site, found, gettext("Other sites also hold records under this consent "
                                          "reference: the visitor can erase them all "
                                          "through the API."), "erase", 409)
    if keeping_site(holders or [site.id]) is not None:
        return _page(site, found, gettext("This site keeps consent records as proof "
                                          "(CONSENT_ERASURE is off): they cannot be erased "
                                          "on request."), "erase", 403)
    key = current_app.extensions["consent_keys"]["erased"]
    # The records go with their step or not at all; the count alone is kept (the trail shows
    # it in the reader's language).
    return _step(site, found, "erased", None,
                 lambda connection: str(store.erase_in(connection, found.consent_id, key)))
