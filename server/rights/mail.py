"""The texts of the rights e-mail, in the language of the request they are about (the
console's catalogs). Owners are told a reference, a kind and a date, never the visitor's
address or message: those stay in the console, not in mailboxes and relays."""

from __future__ import annotations

from datetime import datetime

from babel.dates import format_date

from ..console.i18n import catalog
from .form import kind_names
from .requests import Request


def _long_date(moment: datetime, lang: str) -> str:
    return format_date(moment.date(), format="long", locale=lang)


def write(purpose: str, found: Request, site_name: str) -> tuple[str, str]:
    """(subject, body) of the e-mail `purpose` (reference, new, due) about `found`."""
    _ = catalog(found.language).gettext
    values = {"site": site_name, "reference": found.reference,
              "kind": kind_names(_)[found.kind],
              "due": _long_date(found.due_at, found.language),
              "received": _long_date(found.received_at, found.language)}
    if purpose == "reference":
        subject = _("%(site)s: your request %(reference)s was received")
        lines = [_("Hello,"),
                 _("%(site)s has received your request: %(kind)s."),
                 _("Your request's reference: %(reference)s") + "\n"
                 + _("Answer due by: %(due)s"),
                 _("Keep this reference: quote it if you write to %(site)s about this "
                   "request. The answer will be sent to this address."),
                 _("If you did not make this request, you can ignore this message.")]
    elif purpose == "new":
        subject = _("%(site)s: new rights request %(reference)s (%(kind)s)")
        lines = [_("A visitor filed a rights request on %(site)s: %(kind)s."),
                 _("Reference: %(reference)s") + "\n" + _("Received: %(received)s") + "\n"
                 + _("Answer due by: %(due)s"),
                 _("Read and answer it in the console's rights inbox: its details are kept "
                   "there, not in this message.")]
    else:
        subject = _("%(site)s: rights request %(reference)s is due by %(due)s")
        lines = [_("The rights request %(reference)s (%(kind)s) on %(site)s is not answered "
                   "yet. Its answer is due by %(due)s."),
                 _("Answer it in the console's rights inbox.")]
    return subject % values, "\n\n".join(line % values for line in lines) + "\n"
