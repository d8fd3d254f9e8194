"""`python build.py`: check a site's definitions and catalogs, then write dist/<site>/.

Subcommands for translators (see translations/README.md):
  extract      refresh translations/banner.pot from the widget and the site file
  update       merge the template into every catalog (new strings empty, changed ones fuzzy)
  init LANG    create LANG's catalog and add LANG to the site's languages
  check        check the site and its catalogs, list every problem; write nothing
  tag          print each built site's <script> tag with its SRI (--server URL)

And for site owners:
  audit URL    visit URL in headless Chromium before consent, after a refusal and after
               acceptance, and judge what it stores and loads against the site file

For people who change the widget's code (banner_src/js/), after `npm ci`:
  compile-widget   compile banner_src/js/ into banner_src/compiled/ (commit both)
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from . import workflow
from .bundle import CSS_FILES, PREFS_CSS_FILES, build_widget, catalog_problems
from .compiled import artefact, compile_widget
from .errors import BuildError, Problem
from .output import inputs_hash as hash_inputs
from .output import render, sizes, write_atomically
from .site_config import SITES_FOLDER, catalog_path, list_site_files, load_site, site_id_of

ROOT = Path(__file__).resolve().parent.parent


def _relative(path: Path) -> Path:
    """Paths relative to where the command runs, as a person typed them."""
    try:
        return path.resolve().relative_to(Path.cwd())
    except ValueError:
        return path


def build(site_file: Path, src: Path, translations: Path, out: Path, check: bool,
          write: bool = True) -> dict:
    """Build one site (written unless `check`, or `write` is false); return the manifest's
    figures and files. Raises BuildError."""
    try:
        config = load_site(_relative(site_file), translations)
    except BuildError as exc:  # the catalogs' problems too, so that one run lists them all
        raise BuildError(exc.problems + catalog_problems(site_file, src, _relative(translations)),
                         exc.warnings) from None
    site = config.site
    inputs = ([site_file, *artefact(src)] + [src / "css" / c for c in CSS_FILES + PREFS_CSS_FILES]
              + [catalog_path(translations, lang) for lang in site["languages"]])
    if not all(path.is_file() for path in inputs):
        # The manifest hashes the inputs: a missing one gets the widget build's own error.
        build_widget(config, src, _relative(translations), check=check)
    manifest = {
        "site": site["id"],
        "name": site["name"],
        "revision": site["revision"],
        "languages": site["languages"],
        "default_language": site["default_language"],
        # The server reads these for the rights page (/rights/<site>): the cookie that names
        # the visitor's consent id, and the days a request is due in; consent_cookie reads the
        # cookie and how long a choice holds, for a site's own server-rendered pages. The
        # consent endpoint re-issues the cookie, on its domain, in first-party mode.
        "cookie_name": site["cookie_name"],
        "cookie_domain": site.get("cookie_domain"),
        "lifetime_days": site["lifetime_days"],
        "rights_response_days": site["rights_response_days"],
        "categories": [c["id"] for c in config.categories],
        "required": [c["id"] for c in config.categories if c["required"]],
        "inputs_sha256": hash_inputs(inputs),
    }
    widget = build_widget(config, src, _relative(translations), check=check, manifest=manifest)
    files = render(widget.bundles, site["default_language"], manifest, widget.packs,
                   widget.release, widget.prefs)
    if write and not check:
        write_atomically(files, out / site["id"])
    return {"site": site["id"], "files": files, "js": widget.js, "bundles": widget.bundles,
            "css": widget.css, "texts": widget.texts, "packs": widget.packs,
            "prefs": widget.prefs,
            "warnings": widget.warnings, "parts": widget.parts}


def size_report(result: dict, out: Path) -> str:
    """Each language's bundle (what a visitor of a page in that language downloads), the CSS
    in it, and the packs a switch of language loads."""
    rows = [("", "raw", "gzip", "brotli")]
    css = sizes(result["css"])
    manifest = json.loads(result["files"]["manifest.json"])
    for entry in manifest["files"].values():
        size = entry["bytes"]
        shown = (f"  text pack {entry['language']} (loaded only to switch to it)"
                 if entry.get("pack") else
                 f"  preferences {entry['language']} (loaded when they first open)"
                 if entry.get("preferences")
                 else str(_relative(out / result["site"] / entry["file"])))
        rows.append((shown, size["raw"], size["gzip"], size["brotli"]))
        if entry["file"] == manifest["files"]["consent.js"]["file"]:
            rows.append(("  of which CSS (inlined)", css["raw"], css["gzip"], css["brotli"]))
    note = ("(bytes; a visitor downloads the bundle of the page's language, its preferences "
            "only to open them, and a pack only to switch language)")
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
                        help="one site's definitions (default: every sites/*.toml)")
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
    tag = commands.add_parser("tag", parents=[common],
                              help="print the <script> tag of each built site, with its SRI")
    tag.add_argument("--server", default="https://YOUR-SERVER",
                     help="where the server is reached (default: a placeholder)")
    commands.add_parser("compile-widget", parents=[common],
                        help="compile banner_src/js/ into banner_src/compiled/ (needs npm ci)")
    commands.add_parser("compile", parents=[common],
                        help="the build itself (texts are compiled into the bundle)")
    commands.add_parser("release", parents=[common],
                        help="the build, then screenshots of each site's first layer and "
                             "preferences in each language, desktop and phone (headless "
                             "Chromium), filed with its release for the server")
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


def _site_files(args: argparse.Namespace, root: Path) -> list[Path]:
    """The sites a command is about: --site FILE, else every sites/*.toml."""
    if hasattr(args, "site"):
        return [args.site]
    found = list_site_files(root)
    if not found:
        raise BuildError([Problem(str(_relative(root / SITES_FOLDER)), None,
                                  "no site file; expected sites/<id>.toml (README: "
                                  "\"Add a second site\")")])
    return found


def build_all(site_files: list[Path], src: Path, translations: Path, out: Path,
               check: bool) -> list[dict]:
    """Check every site, then write them all, or none when any has a problem. A catalog
    problem names the site whose banner needs that text (catalogs are shared)."""
    results: list[dict] = []
    problems: dict[Problem, list[str]] = {}
    warnings: dict[Problem, None] = {}
    for site_file in site_files:
        try:
            result = build(site_file, src, translations, out, check, write=False)
        except BuildError as exc:
            site = site_id_of(site_file)
            for problem in exc.problems:
                problems.setdefault(problem, []).append(site)
            warnings.update(dict.fromkeys(exc.warnings))
            continue
        warnings.update(dict.fromkeys(result["warnings"]))
        results.append(result)
    if problems:
        files = {str(_relative(f)) for f in site_files}
        raise BuildError([
            problem if problem.file in files else Problem(
                problem.file, problem.line,
                f"{problem.message} [site{'s' if len(sites) > 1 else ''} {', '.join(sites)}]")
            for problem, sites in problems.items()], list(warnings))
    if not check:
        for result in results:
            write_atomically(result["files"], out / result["site"])
    for result in results:
        result["warnings"] = list(warnings)
    return results


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    src = getattr(args, "src", ROOT / "banner_src")
    # The project the sources belong to; its sites/, else this toolchain's.
    root = src.resolve().parent if (src.resolve().parent / SITES_FOLDER).is_dir() else ROOT
    translations = getattr(args, "translations", ROOT / "translations")
    out = getattr(args, "out", ROOT / "dist")
    try:
        site_files = _site_files(args, root)
        if args.command == "audit":
            if len(site_files) > 1:
                raise BuildError([Problem("audit", None, _one_site_please(site_files))])
            return _audit(args, site_files[0], translations)
        # The template holds the texts of every site in sites/; `extract --site FILE` adds
        # a file kept elsewhere (the build does not, so that a trial file leaves no trace).
        every_site = list_site_files(root)
        if args.command == "extract":
            every_site = list(dict.fromkeys(every_site + site_files))
            pot = workflow.extract(translations, src, every_site)
            print(f"{_relative(pot)} refreshed from banner_src/js/ and "
                  f"{', '.join(str(_relative(f)) for f in every_site)}; "
                  "next: python build.py update")
            return 0
        if args.command == "update":
            for path in workflow.update(translations):
                print(f"{_relative(path)} updated")
            print("next: translate the empty and fuzzy entries, then python build.py check"
                  + _site_option(args))
            return 0
        if args.command == "init":
            if len(site_files) > 1:
                raise BuildError([Problem("init", None, _one_site_please(site_files))])
            path = workflow.init(args.lang, translations, site_files[0])
            print(f"{_relative(path)} created and {args.lang!r} added to "
                  f"{_relative(site_files[0])}; translate it, then python build.py check"
                  f" --site {_relative(site_files[0])}")
            return 0
        if args.command == "tag":
            for site_file in site_files:
                print(script_tag(out, site_id_of(site_file), args.server))
            return 0
        if args.command == "compile-widget":
            path = compile_widget(src)
            print(f"{_relative(path)} compiled; next: python build.py, and commit both")
            return 0
        check = args.check or args.command == "check"  # "compile" is the build
        if not check and translations.resolve().parent == src.resolve().parent == root:
            # The build keeps the catalogs in step with the sites: new texts arrive empty
            # (listed below with their lines), and only a real change is written. Only in a
            # project's own tree: sources or catalogs taken from elsewhere are left alone.
            for path in workflow.refresh(translations, src, every_site):
                print(f"{_relative(path)} updated with the texts of banner_src/js/ and sites/")
        results = build_all(site_files, src, translations, out, check)
    except BuildError as exc:
        _warn(exc.warnings)
        _report(exc.problems, f"{args.command or 'build'} failed")
        if args.command in (None, "check", "compile"):
            print("nothing was written to dist/", file=sys.stderr)
        return 1
    _warn(results[0]["warnings"] if results else [])
    for result in results:
        if check:
            print(f"{result['site']}: site definitions and catalogs are valid (nothing written)")
        else:
            print(size_report(result, out))
    if args.command == "release":
        return _screenshots(results, out)
    return 0


def _screenshots(results: list[dict], out: Path) -> int:
    from .screenshots import take

    try:
        for result in results:
            shots = take(out / result["site"])
            print(f"{result['site']}: {len(shots)} screenshots in "
                  f"{_relative(shots[0].parent)}; next, on the server: "
                  "flask --app server releases register")
    except BuildError as exc:
        _report(exc.problems, "release failed")
        return 1
    return 0


def script_tag(out: Path, site: str, server: str) -> str:
    """The tag a site's pages carry: its hashed bundle, with the SRI the manifest holds."""
    path = out / site / "manifest.json"
    try:
        entry = json.loads(path.read_text(encoding="utf-8"))["files"]["consent.js"]
    except OSError:
        raise BuildError([Problem(str(_relative(path)), None, "not built yet: run "
                                  "`python build.py` first")]) from None
    return (f'<script src="{server.rstrip("/")}/c/{site}/{entry["file"]}" '
            f'integrity="{entry["integrity"]}" crossorigin="anonymous" async></script>')


def _site_option(args: argparse.Namespace) -> str:
    return f" --site {_relative(args.site)}" if hasattr(args, "site") else ""


def _one_site_please(site_files: list[Path]) -> str:
    listed = ", ".join(f"--site {_relative(f)}" for f in site_files)
    return f"this command is about one site; give one of: {listed}"
