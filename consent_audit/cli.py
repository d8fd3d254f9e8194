"""`python build.py audit URL`: the audit's options, and what it prints and returns.

Exit status: 0 when no violation, 1 when there is one, 2 when the site could not be audited.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from consent_build.site_config import SiteConfig

from . import report
from .declared import from_site
from .errors import AuditError
from .judge import judge
from .run import Options, run

UNAUDITED = 2


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("url", help="the page to audit, e.g. https://www.example.com/")
    parser.add_argument("--pages", type=int, default=10, metavar="N",
                        help="pages per pass: the URL and same-origin links (default 10)")
    parser.add_argument("--time-limit", type=float, default=120, metavar="SECONDS",
                        help="bound on the whole audit; the crawl stops there (default 120)")
    parser.add_argument("--timeout", type=float, default=30, metavar="SECONDS",
                        help="bound on one page load (default 30)")
    parser.add_argument("--banner-timeout", type=float, default=10, metavar="SECONDS",
                        help="how long to wait for window.ConsentBanner (default 10)")
    parser.add_argument("--settle", type=float, default=1.0, metavar="SECONDS",
                        help="quiet time after which a page counts as loaded (default 1)")
    parser.add_argument("--first-party", action="append", default=[], metavar="HOST",
                        help="another host that is the site's own (repeatable)")
    parser.add_argument("--json", type=Path, metavar="FILE", help="write everything recorded")
    parser.add_argument("--html", type=Path, metavar="FILE",
                        help="write a self-contained report with the three passes side by side")
    parser.add_argument("--propose", action="store_true",
                        help="print site.toml entries for the undeclared cookies")
    parser.add_argument("--chromium", help="the browser (default /usr/bin/chromium)")
    parser.add_argument("--chromedriver", help="its driver (default /usr/bin/chromedriver)")


def _positive(args: argparse.Namespace) -> str | None:
    for name in ("pages", "time_limit", "timeout", "banner_timeout"):
        if getattr(args, name) <= 0:
            return f"--{name.replace('_', '-')}: expected a number above 0"
    return None


def main(args: argparse.Namespace, config: SiteConfig) -> int:
    if problem := _positive(args):
        print(f"audit: {problem}", file=sys.stderr)
        return UNAUDITED
    options = Options(pages=args.pages, time_limit=args.time_limit, page_timeout=args.timeout,
                      banner_timeout=args.banner_timeout, settle=max(0.05, args.settle),
                      first_party=args.first_party, chromium=args.chromium,
                      chromedriver=args.chromedriver)
    declared = from_site(config)
    try:
        audit = run(args.url, options, own_hosts=_endpoint_host(config))
    except AuditError as exc:
        print(f"audit: {exc}", file=sys.stderr)
        return UNAUDITED
    findings = judge(audit.passes, declared)
    print(report.text(audit, findings, declared))
    if args.json:
        report.write_json(args.json, audit, findings, declared)
        print(f"JSON written to {args.json}")
    if args.html:
        from . import html  # Jinja2 only when a report is asked for

        html.write(args.html, audit, findings, declared)
        print(f"HTML report written to {args.html}")
    if args.propose:
        print()
        print(report.propose(audit, findings, declared))
    return 1 if report.counts(findings)["violation"] else 0


def _endpoint_host(config: SiteConfig) -> tuple[str, ...]:
    """Where the banner sends choices, when it is another host than the site."""
    from urllib.parse import urlsplit

    host = urlsplit(config.site["endpoint"]).hostname
    return (host,) if host else ()
