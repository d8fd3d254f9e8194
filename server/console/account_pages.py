"""`/admin/<site>/accounts`: the site's customer accounts (Espace Client). The owner looks up
one account's consents across its devices (the identifier typed, hashed, never kept), and
makes and revokes the API keys the site's back end links accounts with."""

from __future__ import annotations

from flask import current_app, g, redirect, render_template, request, url_for

from ..account_links import keys, links
from ..db import get_engine
from .i18n import gettext
from .views import _site, bp, login_required


def _page(site, status: int = 200, **shown):
    return render_template("console/accounts.html", site=site,
                           keys=keys.of_site(get_engine(), site.id), **shown), status


@bp.get("/<site_id>/accounts")
@login_required
def accounts(site_id: str):
    return _page(_site(site_id))


@bp.post("/<site_id>/accounts")
@login_required
def account_lookup(site_id: str):
    """POST, so that the identifier stays out of URLs, history and access logs."""
    site = _site(site_id)
    account = request.form.get("account", "").strip()
    if not 1 <= len(account) <= links.ACCOUNT_MAX or not account.isprintable():
        return _page(site, 400, account=account[:links.ACCOUNT_MAX], field="account",
                     error=gettext("Type the customer's identifier as the site's back end "
                                   "sends it (1 to %(count)s characters).",
                                   count=links.ACCOUNT_MAX))
    hashed = links.account_hash(site.id, account, current_app.extensions["consent_keys"]["account"])
    consent_ids, history = links.account_history(get_engine(), site.id, hashed)
    return _page(site, account=account, consent_ids=consent_ids, history=history)


@bp.post("/<site_id>/accounts/keys")
@login_required
def key_create(site_id: str):
    site = _site(site_id)
    try:
        made, secret = keys.create(get_engine(), site.id, request.form.get("label", ""),
                                   g.owner.email, current_app.extensions["consent_keys"]["api-key"])
    except keys.KeyInputError:
        return _page(site, 400, field="label", label=request.form.get("label", "")[:200],
                     error=gettext("Give the key a label of 1 to %(count)s characters: what "
                                   "uses it.", count=keys.LABEL_MAX))
    current_app.logger.info("console: owner %s made API key %s for site %s", g.owner.id,
                            made.prefix, site.id)
    # Shown in this answer only (no-store): it is never stored nor shown again.
    return _page(site, 201, new_key=secret, new_label=made.label)


@bp.post("/<site_id>/accounts/keys/<prefix>/revoke")
@login_required
def key_revoke(site_id: str, prefix: str):
    site = _site(site_id)
    if keys.revoke(get_engine(), site.id, prefix, g.owner.email) is not None:
        current_app.logger.info("console: owner %s revoked API key %s of site %s", g.owner.id,
                                prefix, site.id)
    return redirect(url_for("console.accounts", site_id=site.id), 303)
