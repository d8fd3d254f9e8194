"""The self-contained HTML report: the verdicts, then the three passes side by side with their
screenshots (PNG data URIs), in one file that can be mailed or kept as a CI artefact."""

from __future__ import annotations

import base64
from pathlib import Path

import jinja2

from . import lifetimes
from .declared import Declarations
from .judge import Finding
from .records import PASSES
from .report import counts, iso, verdict
from .run import Audit

_TEMPLATES = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).resolve().parent / "templates"),
    autoescape=True, trim_blocks=True, lstrip_blocks=True)


def render(audit: Audit, findings: list[Finding], declared: Declarations) -> str:
    flagged: dict[tuple[str, str, str], str] = {}  # (pass, subject, name) -> worst kind there
    for finding in findings:
        for name in finding.passes:
            key = (name, finding.subject, finding.name)
            if finding.kind == "violation" or key not in flagged:
                flagged[key] = finding.kind
    passes = [{
        "record": record,
        "screenshot": "data:image/png;base64," + base64.b64encode(record.screenshot).decode(),
        "cookies": [{"cookie": c, "category": declared.category_of(c.name),
                     "lifetime": lifetimes.in_words(c.lifetime),
                     "flag": flagged.get((record.name, "cookie", c.name), "")}
                    for c in record.cookies],
        "storage": [{"item": s, "category": declared.category_of(s.key),
                     "flag": flagged.get((record.name, "storage", s.key), "")}
                    for s in record.storage],
        "requests": [{"request": r, "service": declared.service_of_host(r.host),
                      "flag": flagged.get((record.name, "request", r.host), "")}
                     for r in record.requests],
    } for record in audit.passes]
    return _TEMPLATES.get_template("report.html").render(
        audit=audit, site=declared.site_id, counts=counts(findings),
        problems=[f for f in findings if f.kind != "stale"],
        stale=[f for f in findings if f.kind == "stale"],
        verdict=verdict(findings), passes=passes, labels=PASSES,
        started=iso(audit.started))


def write(path, audit: Audit, findings: list[Finding], declared: Declarations) -> None:
    Path(path).write_text(render(audit, findings, declared), encoding="utf-8")
