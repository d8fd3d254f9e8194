"""The verdicts: each pass's records against the site's declarations.

- before consent, a cookie, storage key or request to another host that belongs to no required
  category: violation;
- after refusal, anything of a refused category (or of none) still present or requested: violation;
- a cookie or storage key that no declaration covers: undeclared, with the Open Cookie
  Database's guess;
- a declaration that matched nothing in any pass: stale (a warning);
- a cookie that outlives its declared duration: mismatch.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from . import lifetimes, ocd
from .declared import Declarations
from .records import PASSES, Cookie, PassRecord, Request, StorageKey

KINDS = ("violation", "undeclared", "mismatch", "stale")


@dataclass
class Finding:
    kind: str  # one of KINDS
    subject: str  # "cookie", "storage", "request" or "declaration"
    name: str  # the cookie or key name, the host, or the declared pattern
    detail: str
    passes: list[str] = field(default_factory=list)  # where it was seen, in PASSES order
    category: str | None = None  # declared, or guessed for an undeclared one
    guess: dict | None = None  # the Open Cookie Database's entry, for an undeclared one
    lifetime: float | None = None  # the longest real lifetime seen (cookies), seconds
    session: bool = False  # seen only as a session cookie

    def add_pass(self, name: str) -> None:
        if name not in self.passes:
            self.passes.append(name)
            self.passes.sort(key=list(PASSES).index)


class _Findings:
    """Findings keyed by what they are about, so that one cookie seen in two passes is one."""

    def __init__(self):
        self.by_key: dict[tuple, Finding] = {}

    def add(self, kind: str, subject: str, name: str, detail: str, pass_name: str | None,
            **extra) -> Finding:
        key = (kind, subject, name)
        if key not in self.by_key:
            self.by_key[key] = Finding(kind, subject, name, detail, **extra)
        found = self.by_key[key]
        if pass_name:
            found.add_pass(pass_name)
        return found


def judge(passes: list[PassRecord], declared: Declarations) -> list[Finding]:
    findings = _Findings()
    for record in passes:
        refused = declared.optional if record.name == "refused" else set()
        for cookie in record.cookies:
            _judge_item(findings, record, declared, "cookie", cookie.name, refused)
            _judge_cookie(findings, record.name, declared, cookie)
        for item in record.storage:
            _judge_item(findings, record, declared, "storage", item.key, refused)
            _undeclared_storage(findings, record.name, declared, item)
        for request in record.requests:
            _judge_request(findings, record, declared, request, refused)
    _stale(findings, passes, declared)
    order = {kind: i for i, kind in enumerate(KINDS)}
    return sorted(findings.by_key.values(), key=lambda f: (order[f.kind], f.subject, f.name))


def _judge_item(findings: _Findings, record: PassRecord, declared: Declarations, subject: str,
                name: str, refused: set[str]) -> None:
    category = declared.category_of(name)
    what = "cookie" if subject == "cookie" else "storage key"
    if record.name == "before" and category not in declared.required:
        findings.add("violation", subject, name, _why(what, category, "before consent"),
                     record.name, category=category)
    elif record.name == "refused" and (category is None or category in refused):
        findings.add("violation", subject, name, _why(what, category, "after refusal"),
                     record.name, category=category)


def _why(what: str, category: str | None, when: str) -> str:
    if category is None:
        return f"{what} declared in no category, present {when}"
    refused = " (refused)" if when == "after refusal" else ""
    return f"{what} of the {category!r} category{refused}, present {when}"


def _judge_request(findings: _Findings, record: PassRecord, declared: Declarations,
                   request: Request, refused: set[str]) -> None:
    if request.host in record.banner_hosts:
        return  # the banner itself, and where it sends the choice
    service = declared.service_of_host(request.host)
    category = service.category if service else None
    whose = f"{service.name}'s " if service else ""
    what = f"{whose}{request.kind} from {request.host}"
    if record.name == "before" and category not in declared.required:
        where = f" ({request.url})"
        findings.add("violation", "request", request.host,
                     f"{what} loaded before consent" + where
                     + ("" if service else "; the host belongs to no declared service"),
                     record.name, category=category)
    elif (record.name == "refused" and request.after_choice
          and (category is None or category in refused)):
        findings.add("violation", "request", request.host,
                     f"{what} still loaded after refusal ({request.url})", record.name,
                     category=category)


def _judge_cookie(findings: _Findings, pass_name: str, declared: Declarations,
                  cookie: Cookie) -> None:
    found = declared.declaration(cookie.name)
    if found:
        if lifetimes.exceeds(found.duration, cookie.lifetime):
            real = lifetimes.in_words(cookie.lifetime)
            findings.add("mismatch", "cookie", cookie.name,
                         f"declared {found.duration!r}, but set for {real}", pass_name,
                         category=found.category, lifetime=cookie.lifetime)
        return
    if declared.is_banners_own(cookie.name) and cookie.name != declared.cookie_name:
        return
    finding = findings.add("undeclared", "cookie", cookie.name, "", pass_name,
                           session=cookie.lifetime is None)
    _guess(finding, declared, cookie.domain)
    if cookie.lifetime is not None:
        finding.session = False
        finding.lifetime = max(finding.lifetime or 0.0, cookie.lifetime)


def _undeclared_storage(findings: _Findings, pass_name: str, declared: Declarations,
                        item: StorageKey) -> None:
    if declared.declaration(item.key) or declared.is_banners_own(item.key):
        return
    finding = findings.add("undeclared", "storage", item.key, "", pass_name)
    _guess(finding, declared, item.origin)


def _guess(finding: Finding, declared: Declarations, where: str) -> None:
    if finding.detail:
        return
    known = ocd.lookup(finding.name)
    if known is None:
        finding.detail = f"on {where}; not in the Open Cookie Database"
        return
    finding.category = ocd.site_category(known, declared.categories)
    finding.guess = {"platform": known.platform, "category": known.category,
                     "retention": known.retention, "controller": known.controller,
                     "description": known.description, "matched": known.name
                     + ("*" if known.wildcard else "")}
    finding.detail = (f"on {where}; Open Cookie Database: {known.platform}, {known.category}"
                      f" ({finding.category or 'no matching category'}), kept "
                      f"{known.retention.lower() or 'unknown'}")


def _stale(findings: _Findings, passes: list[PassRecord], declared: Declarations) -> None:
    seen = {c.name for r in passes for c in r.cookies} | {s.key for r in passes for s in r.storage}
    for declaration in declared.cookies:
        if not any(declaration.matches(name) for name in seen):
            whose = f" (service {declaration.service})" if declaration.service else ""
            findings.add("stale", "declaration", declaration.pattern,
                         f"declared in {declaration.category!r}{whose} but seen in no pass",
                         None, category=declaration.category)
