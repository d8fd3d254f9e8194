"""`/admin/<site>/webhooks`: the owner's webhook endpoints (added with a secret shown once,
removed), and the latest messages with each of their attempts."""

from __future__ import annotations

from flask import current_app, g, redirect, render_template, request, url_for

from ..db import get_engine
from ..webhooks import delivery, endpoints
from ..webhooks.cli import changed
from .i18n import gettext
from .views import _site, bp, login_required


def _problems() -> dict[str, str]:
    return {"url": gettext("Give the endpoint's full address, such as "
                           "https://api.example.com/hooks/consents."),
            "https": gettext("The endpoint's address must start with https://."),
            "full": gettext("A site has at most %(count)s endpoints: remove one first.",
                            count=endpoints.MAX_PER_SITE)}


def _page(site, status: int = 200, **shown):
    engine = get_engine()
    return render_template("console/webhooks.html", site=site,
                           endpoints=endpoints.of_site(engine, site.id),
                           messages=delivery.recent(engine, site.id), **shown), status


@bp.get("/<site_id>/webhooks")
@login_required
def webhooks(site_id: str):
    return _page(_site(site_id))


@bp.post("/<site_id>/webhooks")
@login_required
def webhook_add(site_id: str):
    """The secret is in this answer only (never cached: the guard's no-store)."""
    site = _site(site_id)
    url = request.form.get("url", "")[:endpoints.URL_MAX + 1]
    try:
        endpoint, secret = endpoints.add(get_engine(),
                                         current_app.extensions["consent_keys"]["webhook"],
                                         site.id, url, current_app.config["CONSENT_WEBHOOK_LOCAL"])
    except endpoints.Refused as refused:
        return _page(site, 400, error=_problems()[refused.problem], url=url)
    changed()
    current_app.logger.info("console: owner %s added webhook endpoint %s to %s", g.owner.id,
                            endpoint.id, site.id)
    return _page(site, 201, added=endpoint, secret=secret)


@bp.post("/<site_id>/webhooks/<int:endpoint_id>/remove")
@login_required
def webhook_remove(site_id: str, endpoint_id: int):
    site = _site(site_id)
    if endpoints.remove(get_engine(), site.id, endpoint_id):
        changed()
        current_app.logger.info("console: owner %s removed webhook endpoint %s of %s",
                                g.owner.id, endpoint_id, site.id)
    return redirect(url_for("console.webhooks", site_id=site.id), 303)
