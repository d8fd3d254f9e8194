"""`python build.py`: check a site's definitions and catalogs, then write dist/<site>/."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .bundle import CSS_FILES, JS_MODULES, build_widget
from .errors import BuildError
from .output import inputs_hash as hash_inputs
from .output import render, sizes, write_atomically
from .site_config import catalog_path, load_site

ROOT = Path(__file__).resolve().parent.parent


def _shown(path: Path) -> Path:
    """Paths relative to where the command runs, as a person typed them."""
    try:
        return path.resolve().relative_to(Path.cwd())
    except ValueError:
        return path


def build(site_file: Path, src: Path, translations: Path, out: Path, check: bool) -> dict:
    """Build one site; return the manifest's figures. Raises BuildError."""
    config = load_site(_shown(site_file), translations)
    widget = build_widget(config, src, _shown(translations))
    site = config.site
    inputs = ([site_file] + [src / "js" / m for m in JS_MODULES]
              + [src / "css" / c for c in CSS_FILES]
              + [catalog_path(translations, lang) for lang in site["languages"]])
    manifest = {
        "site": site["id"],
        "revision": site["revision"],
        "languages": site["languages"],
        "default_language": site["default_language"],
        "categories": [c["id"] for c in config.categories],
        "required": [c["id"] for c in config.categories if c["required"]],
        "inputs_sha256": hash_inputs(inputs),
    }
    files = render(widget.js, manifest)
    if not check:
        write_atomically(files, out / site["id"])
    return {"site": site["id"], "files": files, "js": widget.js, "css": widget.css,
            "texts": widget.texts}


def size_report(result: dict, out: Path) -> str:
    rows = [("", "raw", "gzip", "brotli")]
    js = sizes(result["js"])
    css = sizes(result["css"])
    name = next(n for n in result["files"] if n.endswith(".js") and n != "consent.js")
    rows.append((str(_shown(out / result["site"] / name)), js["raw"], js["gzip"], js["brotli"]))
    rows.append(("  of which CSS (inlined)", css["raw"], css["gzip"], css["brotli"]))
    width = max(len(r[0]) for r in rows)
    lines = [f"{r[0]:<{width}}  {r[1]:>8}  {r[2]:>8}  {r[3]:>8}" for r in rows]
    return "\n".join(lines) + "\n(bytes; everything a visitor downloads: JS, CSS, all texts)"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="build.py", description=__doc__)
    parser.add_argument("--site", type=Path, default=ROOT / "banner_src" / "site.toml",
                        help="the site's definitions (default: banner_src/site.toml)")
    parser.add_argument("--src", type=Path, default=ROOT / "banner_src",
                        help="the widget's sources (default: banner_src/)")
    parser.add_argument("--translations", type=Path, default=ROOT / "translations",
                        help="the gettext catalogs (default: translations/)")
    parser.add_argument("--out", type=Path, default=ROOT / "dist",
                        help="where dist/<site>/ is written (default: dist/)")
    parser.add_argument("--check", action="store_true",
                        help="validate the site and catalogs without writing anything")
    args = parser.parse_args(argv)
    try:
        result = build(args.site, args.src, args.translations, args.out, args.check)
    except BuildError as exc:
        count = len(exc.problems)
        print(f"build failed: {count} problem{'s' if count != 1 else ''}", file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        print("nothing was written to dist/", file=sys.stderr)
        return 1
    if args.check:
        print(f"{result['site']}: site definitions and catalogs are valid (nothing written)")
    else:
        print(size_report(result, args.out))
    return 0
