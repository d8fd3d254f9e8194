"""`python build.py`: check a site's definitions and catalogs, then write dist/<site>/.

Subcommands for translators (see translations/README.md):
  extract      refresh translations/banner.pot from the widget and the site file
  update       merge the template into every catalog (new strings empty, changed ones fuzzy)
  init LANG    create LANG's catalog and add LANG to the site's languages
  check        check the site and its catalogs, list every problem; write nothing

And for site owners:
  audit URL    visit URL in headless Chromium before consent, after a refusal and after
               acceptance, and judge what it stores and loads against the site file

For people who change the widget's code (banner_src/js/), after `npm ci`:
  compile-widget   compile banner_src/js/ into banner_src/compiled/ (commit both)
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import workflow
from .bundle import CSS_FILES, build_widget
from .compiled import artefact, compile_widget
from .errors import BuildError, Problem
from .output import inputs_hash as hash_inputs
from .output import render, sizes, write_atomically
from .site_config import catalog_path, load_site

ROOT = Path(__file__).resolve().parent.parent


def _relative(path: Path) -> Path:
    """Paths relative to where the command runs, as a person typed them."""
    try:
        return path.resolve().relative_to(Path.cwd())
    except ValueError:
        return path


def build(site_file: Path, src: Path, translations: Path, out: Path, check: bool) -> dict:
    """Build one site; return the manifest's figures. Raises BuildError."""
    config = load_site(_relative(site_file), translations)
    widget = build_widget(config, src, _relative(translations), check=check)
    site = config.site
    inputs = ([site_file, *artefact(src)] + [src / "css" / c for c in CSS_FILES]
              + [catalog_path(translations, lang) for lang in site["languages"]])
    manifest = {
        "site": site["id"],
        "name": site["name"],
        "revision": site["revision"],
        "languages": site["languages"],
        "default_language": site["default_language"],
        "categories": [c["id"] for c in config.categories],
        "required": [c["id"] for c in config.categories if c["required"]],
        # what the server's first-party answer sets (server/first_party.py)
        "cookie": {"name": site["cookie_name"], "lifetime_days": site["lifetime_days"],
                   "domain": site.get("cookie_domain")},
        "inputs_sha256": hash_inputs(inputs),
    }
    files = render(widget.js, manifest, widget.packs)
    if not check:
        write_atomically(files, out / site["id"])
    return {"site": site["id"], "files": files, "js": widget.js, "css": widget.css,
            "texts": widget.texts, "packs": widget.packs, "warnings": widget.warnings}


def size_report(result: dict, out: Path) -> str:
    rows = [("", "raw", "gzip", "brotli")]
    js = sizes(result["js"])
    css = sizes(result["css"])
    name = next(n for n in result["files"] if n.endswith(".js") and n != "consent.js")
    rows.append((str(_relative(out / result["site"] / name)), js["raw"], js["gzip"], js["brotli"]))
    rows.append(("  of which CSS (inlined)", css["raw"], css["gzip"], css["brotli"]))
    packs = {lang: sizes(pack) for lang, pack in result.get("packs", {}).items()}
    for lang, size in sorted(packs.items()):
        rows.append((f"  text pack {lang} (loaded only for {lang})", size["raw"], size["gzip"],
                     size["brotli"]))
    note = "(bytes; everything a visitor downloads: JS, CSS, all texts)"
    if packs:
        biggest = max(packs, key=lambda lang: packs[lang]["brotli"])
        rows.append((f"one visitor at most (bundle + {biggest} pack)",
                     *(js[k] + packs[biggest][k] for k in ("raw", "gzip", "brotli"))))
        note = "(bytes; a visitor downloads the bundle, plus one pack if not the default language)"
    width = max(len(r[0]) for r in rows)
    lines = [f"{r[0]:<{width}}  {r[1]:>8}  {r[2]:>8}  {r[3]:>8}" for r in rows]
    return "\n".join(lines) + "\n" + note


def _report(problems: list[Problem], title: str) -> None:
    count = len(problems)
    print(f"{title}: {count} problem{'s' if count != 1 else ''}", file=sys.stderr)
    for problem in problems:
        print(f"  {problem}", file=sys.stderr)


def _warn(warnings: list[Problem]) -> None:
    for problem in warnings:
        print(f"warning: {problem}", file=sys.stderr)


def _parser() -> argparse.ArgumentParser:
    # The shared options go on the main parser and on each subcommand, so that they may be
    # given before or after it; SUPPRESS keeps a subcommand from resetting them to defaults.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--site", type=Path, default=argparse.SUPPRESS,
                        help="the site's definitions (default: banner_src/site.toml)")
    common.add_argument("--src", type=Path, default=argparse.SUPPRESS,
                        help="the widget's sources (default: banner_src/)")
    common.add_argument("--translations", type=Path, default=argparse.SUPPRESS,
                        help="the gettext catalogs (default: translations/)")
    common.add_argument("--out", type=Path, default=argparse.SUPPRESS,
                        help="where dist/<site>/ is written (default: dist/)")
    parser = argparse.ArgumentParser(prog="build.py", parents=[common],
                                     description=__doc__.splitlines()[0],
                                     epilog="Translators: see translations/README.md")
    parser.add_argument("--check", action="store_true",
                        help="validate the site and catalogs without writing anything")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.add_parser("extract", parents=[common],
                        help="refresh translations/banner.pot from the widget and site file")
    commands.add_parser("update", parents=[common],
                        help="merge the template into every catalog")
    init = commands.add_parser("init", parents=[common],
                               help="start a new language: its catalog, and the site's languages")
    init.add_argument("lang", help="language code, e.g. de or pt_BR")
    commands.add_parser("check", parents=[common],
                        help="check the site and its catalogs; write nothing")
    commands.add_parser("compile-widget", parents=[common],
                        help="compile banner_src/js/ into banner_src/compiled/ (needs npm ci)")
    commands.add_parser("compile", parents=[common],
                        help="the build itself (texts are compiled into the bundle)")
    audit = commands.add_parser(
        "audit", parents=[common],
        help="what a live site stores and loads before and after consent, against the site file",
        description="Visit URL in headless Chromium three times with a fresh profile (before "
                    "any choice, after refusing all, after accepting all) and judge the cookies, "
                    "storage and third-party requests against the site file. Exit status: 0 no "
                    "violation, 1 violations, 2 the site could not be audited.")
    from consent_audit.cli import add_arguments

    add_arguments(audit)
    return parser


def _audit(args: argparse.Namespace, site_file: Path, translations: Path) -> int:
    from consent_audit.cli import UNAUDITED
    from consent_audit.cli import main as audit

    try:
        config = load_site(_relative(site_file), translations)
    except BuildError as exc:
        _report(exc.problems, "audit failed: the site file")
        return UNAUDITED
    return audit(args, config)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    site_file = getattr(args, "site", ROOT / "banner_src" / "site.toml")
    src = getattr(args, "src", ROOT / "banner_src")
    translations = getattr(args, "translations", ROOT / "translations")
    out = getattr(args, "out", ROOT / "dist")
    if args.command == "audit":
        return _audit(args, site_file, translations)
    try:
        if args.command == "extract":
            pot = workflow.extract(translations, src)
            print(f"{_relative(pot)} refreshed; next: python build.py update")
            return 0
        if args.command == "update":
            for path in workflow.update(translations):
                print(f"{_relative(path)} updated")
            print("next: translate the empty and fuzzy entries, then python build.py check")
            return 0
        if args.command == "init":
            path = workflow.init(args.lang, translations, site_file)
            print(f"{_relative(path)} created and {args.lang!r} added to {_relative(site_file)}; "
                  "translate it, then python build.py check")
            return 0
        if args.command == "compile-widget":
            path = compile_widget(src)
            print(f"{_relative(path)} compiled; next: python build.py, and commit both")
            return 0
        check = args.check or args.command == "check"  # "compile" is the build
        result = build(site_file, src, translations, out, check)
    except BuildError as exc:
        _warn(exc.warnings)
        _report(exc.problems, f"{args.command or 'build'} failed")
        if args.command in (None, "check", "compile"):
            print("nothing was written to dist/", file=sys.stderr)
        return 1
    _warn(result["warnings"])
    if check:
        print(f"{result['site']}: site definitions and catalogs are valid (nothing written)")
    else:
        print(size_report(result, out))
    return 0
