"""Compose the widget: its sources, the site's definitions and texts, one minified file.

The widget core knows nothing of a site: the build hands it `SITE`, `TEXTS` and
`CSS` as data inside the bundle's one closure (see banner_src/js/intro.js).
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass
from pathlib import Path

from webassets import Bundle, Environment

from .catalogs import language_table
from .errors import BuildError, Problem
from .messages import Text, duration_text, rewrite_calls, widget_texts
from .site_config import SiteConfig

# Concatenation order: an IIFE opened by intro.js and closed by outro.js; the
# generated data goes right after intro.js so that every module can read it.
JS_MODULES = ["intro.js", "i18n.js", "const.js", "dom.js", "store.js", "choice.js", "block.js",
              "send.js", "gcm.js", "focus.js", "layer.js", "prefs.js", "reopen.js", "api.js",
              "main.js", "outro.js"]
CSS_FILES = ["banner.css"]


@dataclass
class Widget:
    """The built widget and the parts it was made of, for the size report."""

    js: bytes
    css: bytes
    texts: dict[str, list[str]]


def build_widget(config: SiteConfig, src: Path, translations: Path) -> Widget:
    """Build the minified widget for `config`; raise BuildError on any problem."""
    js_files = [src / "js" / name for name in JS_MODULES]
    missing = [p for p in js_files + [src / "css" / n for n in CSS_FILES] if not p.is_file()]
    if missing:
        raise BuildError([Problem(str(p), None, "widget source missing") for p in missing])

    texts = widget_texts(config, js_files)
    problems: list[Problem] = []
    tables: dict[str, list[str]] = {}
    for lang in config.site["languages"]:
        tables[lang], found = language_table(texts, translations, lang, config.site["name"])
        problems += found
    index = {text.key: i for i, text in enumerate(texts)}

    with tempfile.TemporaryDirectory(prefix="consent-build-") as tmp:
        work = Path(tmp)
        env = Environment(directory=str(work), url="/", cache=False, manifest=False,
                          auto_build=False, url_expire=False)
        css = _minify(env, "rcssmin", [src / "css" / n for n in CSS_FILES], "banner.css")
        data = _data_module(config, index, tables, css.decode("utf-8"))
        parts = []
        for path in js_files:
            source, found = rewrite_calls(path.read_text(encoding="utf-8"), path, index)
            problems += found
            parts.append(_write(work / "src" / path.name, source))
            if path.name == "intro.js":
                parts.append(_write(work / "src" / "data.js", data))
        if problems:
            raise BuildError(problems)
        js = _minify(env, "rjsmin", parts, "consent.js")
    return Widget(js=js, css=css, texts=tables)


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _minify(env: Environment, filters: str, files: list[Path], output: str) -> bytes:
    bundle = Bundle(*[str(f) for f in files], filters=filters, output=output)
    env.add(bundle)
    bundle.build(force=True)
    return (Path(env.directory) / output).read_bytes()


def _data_module(config: SiteConfig, index: dict[tuple, int], tables: dict[str, list[str]],
                 css: str) -> str:
    """The site as the widget reads it: texts are numbers into each language's table."""
    site = config.site

    def item(entry: dict) -> dict:
        out = {"name": entry["name"], "provider": entry["provider"],
               "purpose": index[Text(entry["purpose"]).key],
               "duration": index[duration_text(entry["duration"]).key]}
        if "cookies" in entry:
            out["cookies"] = entry["cookies"]
        return out

    data = {
        "id": site["id"],
        "name": site["name"],
        "policy": site["policy_url"],
        "revision": site["revision"],
        "lifetime": site["lifetime_days"],
        "languages": site["languages"],
        "lang": site["default_language"],
        "endpoint": site["endpoint"],
        "cookie": site["cookie_name"],
        "categories": [
            {"id": c["id"], "required": c["required"],
             "title": index[Text(c["title"]).key],
             "description": index[Text(c["description"]).key],
             "consentMode": c["consent_mode"],
             "cookies": [item(x) for x in c["cookies"]],
             "services": [item(x) for x in c["services"]]}
            for c in config.categories
        ],
    }
    # ASCII-only output: a bundle served without a charset still reads right on any page.
    dump = lambda value: json.dumps(value, separators=(",", ":"))  # noqa: E731
    return f"var SITE={dump(data)},TEXTS={dump(tables)},CSS={dump(css)};\n"
