"""The audit's outputs: the terminal table, the JSON record, and the `site.toml` proposals."""

from __future__ import annotations

import base64
import dataclasses
import json
from datetime import UTC, datetime

from . import lifetimes
from .declared import Declarations
from .judge import Finding
from .records import PASSES
from .run import Audit

_MARK = {"violation": "VIOLATION", "undeclared": "undeclared", "mismatch": "mismatch",
         "stale": "stale"}
# How the verdict line counts each kind: (one, many).
_WORDS = {"violation": ("violation", "violations"), "undeclared": ("undeclared", "undeclared"),
          "mismatch": ("lifetime mismatch", "lifetime mismatches"),
          "stale": ("stale declaration", "stale declarations")}


def counts(findings: list[Finding]) -> dict[str, int]:
    return {kind: sum(f.kind == kind for f in findings) for kind in _MARK}


def verdict(findings: list[Finding]) -> str:
    found = counts(findings)
    words = ", ".join(f"{n} {_WORDS[k][n != 1]}" for k, n in found.items())
    return ("FAIL: " if found["violation"] else "ok: ") + words


def _table(rows: list[tuple], header: tuple) -> list[str]:
    rows = [tuple(str(c) for c in r) for r in [header, *rows]]
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip()
             for r in rows]
    return [lines[0], "  ".join("-" * w for w in widths), *lines[1:]]


def text(audit: Audit, findings: list[Finding], declared: Declarations) -> str:
    """The terminal report: what each pass saw, side by side, then the findings."""
    pages = audit.passes[0].pages
    out = [f"Cookie audit of {audit.url} against site {declared.site_id!r}",
           f"pages per pass: {len(pages)} ({', '.join(pages[:3])}"
           f"{', ...' if len(pages) > 3 else ''})", ""]
    names = list(PASSES)
    cookies: dict[tuple, dict] = {}
    for record in audit.passes:
        for cookie in record.cookies:
            cookies.setdefault((cookie.name, cookie.domain), {})[record.name] = cookie
    rows = []
    for (name, domain), seen in sorted(cookies.items()):
        category = declared.category_of(name) or "undeclared"
        rows.append((name, domain, *("yes" if p in seen else "-" for p in names), category))
    out += ["Cookies"] + _table(rows, ("name", "domain", *PASSES.values(), "category"))
    hosts: dict[str, dict] = {}
    for record in audit.passes:
        for request in record.requests:
            hosts.setdefault(request.host, {}).setdefault(record.name, set()).add(request.kind)
    if hosts:
        rows = [(host, *(", ".join(sorted(seen.get(p, ()))) or "-" for p in names),
                 (s.name if (s := declared.service_of_host(host)) else "no declared service"))
                for host, seen in sorted(hosts.items())]
        out += ["", "Requests to other hosts"] + _table(rows, ("host", *PASSES.values(),
                                                               "service"))
    else:
        out += ["", "Requests to other hosts: none"]
    for record in audit.passes:
        out += [f"note ({record.label}): {note}" for note in record.notes]
    out += ["", "Findings"]
    if findings:
        rows = [(_MARK[f.kind], f.subject, f.name, ", ".join(PASSES[p] for p in f.passes) or "-",
                 f.detail) for f in findings]
        out += _table(rows, ("kind", "what", "name", "seen", "detail"))
    else:
        out.append("none")
    out += ["", verdict(findings)]
    return "\n".join(out)


def as_json(audit: Audit, findings: list[Finding], declared: Declarations) -> dict:
    """Everything recorded, and the verdicts; screenshots as base64 PNG."""
    passes = []
    for record in audit.passes:
        entry = dataclasses.asdict(record)
        entry["label"] = record.label
        entry["screenshot"] = base64.b64encode(record.screenshot).decode("ascii")
        for cookie, recorded in zip(entry["cookies"], record.cookies, strict=True):
            cookie["lifetime"] = recorded.lifetime
            cookie["category"] = declared.category_of(recorded.name)
        passes.append(entry)
    return {
        "url": audit.url,
        "site": declared.site_id,
        "started": iso(audit.started),
        "finished": iso(audit.finished),
        "first_party_hosts": audit.first_party,
        "services": [dataclasses.asdict(s) for s in declared.services],
        "passes": passes,
        "findings": [dataclasses.asdict(f) for f in findings],
        "counts": counts(findings),
        "violations": counts(findings)["violation"],
    }


def write_json(path, audit: Audit, findings: list[Finding], declared: Declarations) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(as_json(audit, findings, declared), handle, indent=1, ensure_ascii=False)
        handle.write("\n")


def iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat(timespec="seconds")


def propose(audit: Audit, findings: list[Finding], declared: Declarations) -> str:
    """`[[categories.cookies]]` entries for each undeclared cookie, grouped by the category the
    Open Cookie Database suggests, each group to paste at the end of that category's block."""
    undeclared = [f for f in findings if f.kind == "undeclared" and f.subject == "cookie"]
    if not undeclared:
        return "# every cookie the audit saw is declared: nothing to propose"
    out = [f"# Proposed by `build.py audit {audit.url}`: the undeclared cookies, with the "
           "category,", "# provider, purpose and duration guessed from the Open Cookie Database "
           "and from the", "# lifetime seen. Check each one, then extract and translate its "
           "purpose (translations/README.md)."]
    for category in [c["id"] for c in declared.categories] + [None]:
        group = [f for f in undeclared if f.category == category]
        if not group:
            continue
        out.append("")
        if category:
            out.append(f"# Paste at the end of the [[categories]] block whose id = "
                       f"{_toml(category)}:")
        else:
            out.append("# Not in the Open Cookie Database, or no category of the site fits: "
                       "choose a category, describe it, and uncomment.")
        for finding in group:
            entry = _entry(finding, declared)
            out += (entry if category else [f"# {line}" for line in entry]) + [""]
        out.pop()
    return "\n".join(out)


def _entry(finding: Finding, declared: Declarations) -> list[str]:
    guess = finding.guess or {}
    provider = guess.get("controller") or guess.get("platform") or declared.site_id
    purpose = guess.get("description") or "What this cookie does, in one sentence."
    duration = lifetimes.proposed(finding.lifetime, guess.get("retention", ""))
    return ["[[categories.cookies]]", f"name = {_toml(finding.name)}",
            f"provider = {_toml(provider)}", f"purpose = {_toml(purpose)}",
            f"duration = {_toml(duration)}"]


def _toml(text: str) -> str:
    # A JSON string without non-ASCII escapes is a TOML basic string.
    return json.dumps(text, ensure_ascii=False)
