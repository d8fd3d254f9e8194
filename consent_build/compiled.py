"""The widget's code, compiled once from the ES modules of banner_src/js/ and committed in
banner_src/compiled/, so that building a site needs Python only.

`python build.py compile-widget` (after `npm ci`) writes widget.js, the minified code, and
widget.json, which says what it was compiled from. The site build (bundle.py) refuses a
compiled code older than its sources, and tests/test_compiled_fresh.py recompiles it.

The texts are not in the code: each `_("…")` is compiled as `_(n)`, n being the message's
place in messages.code_texts(), and the site build puts the tables of texts beside the code.

Two entry points, compiled apart: main.js, the bundle's code, and prefs-chunk.js, the
preferences chunk's (prefs.js, fetched the first time the preferences open: see
banner_src/js/prefs-load.js). They share no module: the chunk gets what it uses of the core
from the core itself (lent.js). One terser name cache for both gives the properties they
share the same short names. widget.json records which texts only the chunk shows, so that
the site build leaves them out of the bundle. A third, brand-entry.js, is the check of the
page's brand colours (brand.js), which only the bundles of sites that allow them carry.
"""

from __future__ import annotations

import json
import re
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from webassets import Bundle, Environment
from webassets.filter import FilterError

from . import js_filters
from .errors import BuildError, Problem
from .messages import code_texts, rewrite_calls
from .output import inputs_hash

ENTRY = "main.js"
PREFS_ENTRY = "prefs-chunk.js"
# The page's brand colours (brand.js): only in the bundles of sites that allow them
# (site.toml's theme.page_colours), as a function in their site data (bundle.site_data).
BRAND_ENTRY = "brand-entry.js"
ENTRIES = ((ENTRY, "widget.min.js"), (PREFS_ENTRY, "prefs.min.js"), (BRAND_ENTRY, "brand.min.js"))
# `import … from "./x.js"` and `import "./x.js"`: how the widget's modules name each other.
_IMPORT = re.compile(r'\b(?:from|import)\s*"\./([^"]+)"')


def sources(src: Path) -> list[Path]:
    """The widget's modules, in a stable order."""
    return sorted((src / "js").glob("*.js"))


def artefact(src: Path) -> tuple[Path, Path, Path, Path]:
    """The compiled bundle code, its record, the compiled preferences chunk and the compiled
    check of the page's brand colours."""
    folder = src / "compiled"
    return folder / "widget.js", folder / "widget.json", folder / "prefs.js", folder / "brand.js"


def modules_of(src: Path, entry: str) -> list[Path]:
    """The modules `entry` imports, itself included, directly or not, sorted."""
    seen: set[str] = set()
    todo = [entry]
    while todo:
        name = todo.pop()
        if name in seen or not (src / "js" / name).is_file():
            continue
        seen.add(name)
        todo += _IMPORT.findall((src / "js" / name).read_text(encoding="utf-8"))
    return [src / "js" / name for name in sorted(seen)]


def prefs_only_texts(src: Path) -> set[tuple]:
    """The keys of the code's texts that only the preferences chunk shows."""
    core = code_texts(modules_of(src, ENTRY))[0]
    return set(code_texts(modules_of(src, PREFS_ENTRY))[0]) - set(core)


def compile_widget(src: Path) -> Path:
    """Compile src/js/ into src/compiled/widget.js and widget.json; needs esbuild (npm ci)."""
    js_files = sources(src)
    if not (src / "js" / ENTRY).is_file():
        raise BuildError([Problem(str(src / "js" / ENTRY), None, "the widget's entry module "
                                  "is missing")])
    missing = [tool for tool in ("esbuild", "terser") if not (js_filters.BIN / tool).exists()]
    if missing:
        raise BuildError([Problem(str(js_filters.BIN / tool), None, f"{tool} is not installed: "
                                  "run `npm ci` in the project's root (package.json pins it)")
                          for tool in missing])
    index = {key: i for i, key in enumerate(code_texts(js_files)[0])}
    imported = {entry: set(modules_of(src, entry)) for entry, _output in ENTRIES}
    problems: list[Problem] = [
        Problem(str(path), None, f"imported by both {one} and {other}: each would carry a copy "
                "of it; lend it instead (lent.js, or an argument)")
        for i, (one, _o) in enumerate(ENTRIES) for other, _p in ENTRIES[i + 1:]
        for path in sorted(imported[one] & imported[other])]
    with tempfile.TemporaryDirectory(prefix="consent-compile-") as tmp:
        work = Path(tmp)
        for path in js_files:
            rewritten, found = rewrite_calls(path.read_text(encoding="utf-8"), path, index)
            problems += found
            (work / path.name).write_text(rewritten, encoding="utf-8")
        if problems:
            raise BuildError(problems)
        env = Environment(directory=str(work), url="/", cache=False, manifest=False,
                          auto_build=False, url_expire=False)
        env.config["TERSER_NAME_CACHE"] = str(work / "names.json")
        # The core first: the chunk's compile reuses (and adds to) the names it gave.
        for entry, output in ENTRIES:
            bundle = Bundle(str(work / entry), filters="esbuild,terser", output=output)
            env.add(bundle)
            try:
                bundle.build(force=True)
            except FilterError as exc:  # esbuild's message names the module, line and column
                raise BuildError([Problem("esbuild", None,
                                          str(exc).replace(tmp, str(src / "js")))]) from None
        code = (work / "widget.min.js").read_bytes()
        prefs_code = (work / "prefs.min.js").read_bytes()
        brand_code = (work / "brand.min.js").read_bytes()
        properties = js_filters.shortened_properties(work / "names.json")
    code_file, record_file, prefs_file, brand_file = artefact(src)
    code_file.parent.mkdir(exist_ok=True)
    code_file.write_bytes(code)
    prefs_file.write_bytes(prefs_code)
    brand_file.write_bytes(brand_code)
    record = {"sources_sha256": inputs_hash(js_files),
              "compilers": {tool: _version(tool) for tool in ("esbuild", "terser")},
              "messages": len(index),
              # the texts only the preferences chunk shows, by their numbers in the code
              "prefs_messages": sorted(index[key] for key in prefs_only_texts(src)),
              # how the site data's fields are named in the code: bundle.site_data uses it
              "properties": properties}
    record_file.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    return code_file


def _version(tool: str) -> str:
    found = subprocess.run([str(js_filters.BIN / tool), "--version"], capture_output=True,
                           text=True, check=True)
    return found.stdout.strip()


@dataclass
class Compiled:
    """The committed compiled widget, as the site build reads it."""

    code: bytes  # the bundle's code
    prefs_code: bytes  # the preferences chunk's code
    names: dict[str, str]  # the short names it gives the site data's fields
    prefs_messages: set[int]  # the texts only the chunk shows, by their numbers
    brand_code: bytes = b""  # the check of the page's brand colours


def compiled_code(src: Path) -> tuple[Compiled, Problem | None]:
    """The committed compiled widget, and a problem when it is missing or older than
    src/js/."""
    code_file, record_file, prefs_file, brand_file = artefact(src)
    fix = "run `npm ci` then `python build.py compile-widget`, and commit banner_src/compiled/"
    if not all(path.is_file() for path in (code_file, record_file, prefs_file, brand_file)):
        return Compiled(b"", b"", {}, set()), Problem(
            str(code_file), None, f"the compiled widget is missing: {fix}")
    record = json.loads(record_file.read_text(encoding="utf-8"))
    found = Compiled(code_file.read_bytes(), prefs_file.read_bytes(),
                     record.get("properties", {}), set(record.get("prefs_messages", [])),
                     brand_file.read_bytes())
    if record.get("sources_sha256") != inputs_hash(sources(src)):
        return found, Problem(str(code_file), None,
                              f"banner_src/js/ changed since this was compiled: {fix}")
    return found, None
