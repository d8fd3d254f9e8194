"""The widget's code, compiled once from the ES modules of banner_src/js/ and committed in
banner_src/compiled/, so that building a site needs Python only.

`python build.py compile-widget` (after `npm ci`) writes widget.js, the minified code, and
widget.json, which says what it was compiled from. The site build (bundle.py) refuses a
compiled code older than its sources, and tests/test_compiled_fresh.py recompiles it.

The texts are not in the code: each `_("…")` is compiled as `_(n)`, n being the message's
place in messages.code_texts(), and the site build puts the tables of texts beside the code.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
from pathlib import Path

from webassets import Bundle, Environment
from webassets.filter import FilterError

from . import js_filters
from .errors import BuildError, Problem
from .messages import code_texts, rewrite_calls
from .output import inputs_hash

ENTRY = "main.js"


def sources(src: Path) -> list[Path]:
    """The widget's modules, in a stable order."""
    return sorted((src / "js").glob("*.js"))


def artefact(src: Path) -> tuple[Path, Path]:
    folder = src / "compiled"
    return folder / "widget.js", folder / "widget.json"


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
    problems: list[Problem] = []
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
        bundle = Bundle(str(work / ENTRY), filters="esbuild,terser", output="widget.min.js")
        env.add(bundle)
        try:
            bundle.build(force=True)
        except FilterError as exc:  # esbuild's own message names the module, line and column
            raise BuildError([Problem("esbuild", None, str(exc).replace(tmp, str(src / "js")))]
                             ) from None
        code = (work / "widget.min.js").read_bytes()
        properties = js_filters.shortened_properties(work / "names.json")
    code_file, record_file = artefact(src)
    code_file.parent.mkdir(exist_ok=True)
    code_file.write_bytes(code)
    record = {"sources_sha256": inputs_hash(js_files),
              "compilers": {tool: _version(tool) for tool in ("esbuild", "terser")},
              "messages": len(index),
              # how the site data's fields are named in the code: bundle.site_data uses it
              "properties": properties}
    record_file.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    return code_file


def _version(tool: str) -> str:
    found = subprocess.run([str(js_filters.BIN / tool), "--version"], capture_output=True,
                           text=True, check=True)
    return found.stdout.strip()


def compiled_code(src: Path) -> tuple[bytes, dict[str, str], Problem | None]:
    """The committed compiled code, the short names it gives the site data's fields, and a
    problem when it is missing or older than src/js/."""
    code_file, record_file = artefact(src)
    fix = "run `npm ci` then `python build.py compile-widget`, and commit banner_src/compiled/"
    if not code_file.is_file() or not record_file.is_file():
        return b"", {}, Problem(str(code_file), None, f"the compiled widget is missing: {fix}")
    record = json.loads(record_file.read_text(encoding="utf-8"))
    names = record.get("properties", {})
    if record.get("sources_sha256") != inputs_hash(sources(src)):
        return code_file.read_bytes(), names, Problem(
            str(code_file), None, f"banner_src/js/ changed since this was compiled: {fix}")
    return code_file.read_bytes(), names, None
