"""Compose the widget: its sources, the site's definitions and texts, one minified file.

The widget core knows nothing of a site: the build hands it `SITE`, `TEXTS`, `PACKS`
and `CSS` as data inside the bundle's one closure (see banner_src/js/intro.js).

A visitor reads one language, so a site with many languages must not ship them all:
past PACK_AFTER languages, the bundle embeds only the default language's texts and
each other language becomes a small text pack, `consent.<lang>.<hash>.js`, that
i18n.js loads (with SRI and the banner's nonce) when that language is wanted.
"""

from __future__ import annotations

import base64
import hashlib
import json
import tempfile
from dataclasses import dataclass
from pathlib import Path

from babel.core import Locale, UnknownLocaleError
from webassets import Bundle, Environment

from .catalogs import check_catalog
from .errors import BuildError, Problem
from .mangle import mangle
from .messages import Text, duration_text, rewrite_calls, text_limits, widget_texts
from .site_config import SiteConfig

# Concatenation order: an IIFE opened by intro.js and closed by outro.js; the
# generated data goes right after intro.js so that every module can read it.
JS_MODULES = ["intro.js", "const.js", "i18n.js", "dom.js", "store.js", "choice.js", "block.js",
              "send.js", "gcm.js", "focus.js", "layer.js", "prefs.js", "reopen.js", "api.js",
              "main.js", "outro.js"]
# Added after i18n.js only for sites whose other languages are text packs.
PACKS_MODULE = "packs.js"
CSS_FILES = ["banner.css"]
# Up to this many languages are all embedded, so that switching is instant (KPpay: fr, en).
PACK_AFTER = 2


@dataclass
class Widget:
    """The built widget and the parts it was made of, for the size report."""

    js: bytes
    css: bytes
    texts: dict[str, list[str]]
    packs: dict[str, bytes]  # language -> text pack script, for languages not embedded
    warnings: list[Problem]


def build_widget(config: SiteConfig, src: Path, translations: Path) -> Widget:
    """Build the minified widget for `config`; raise BuildError on any problem."""
    js_files = [src / "js" / name for name in JS_MODULES]
    missing = [p for p in js_files + [src / "css" / n for n in CSS_FILES] if not p.is_file()]
    if missing:
        raise BuildError([Problem(str(p), None, "widget source missing") for p in missing])

    texts = widget_texts(config, js_files)
    limits = text_limits(config, js_files)
    problems: list[Problem] = []
    warnings: list[Problem] = []
    tables: dict[str, list[str]] = {}
    for lang in config.site["languages"]:
        checked = check_catalog(texts, translations, lang, config.site["name"], limits)
        tables[lang] = checked.table
        problems += checked.problems
        warnings += checked.warnings
    index = {text.key: i for i, text in enumerate(texts)}
    embedded, packs = split_languages(config, tables)
    if packs:
        js_files.insert(JS_MODULES.index("i18n.js") + 1, src / "js" / PACKS_MODULE)

    with tempfile.TemporaryDirectory(prefix="consent-build-") as tmp:
        work = Path(tmp)
        env = Environment(directory=str(work), url="/", cache=False, manifest=False,
                          auto_build=False, url_expire=False)
        css = _minify(env, "rcssmin", [src / "css" / n for n in CSS_FILES], "banner.css")
        digests = {lang: _digest(pack) for lang, pack in packs.items()}
        data = _data_module(config, index, embedded, digests, css.decode("utf-8"))
        parts, modules = [], []
        for path in js_files:
            source, found = rewrite_calls(path.read_text(encoding="utf-8"), path, index)
            problems += found
            parts.append(_write(work / "src" / path.name, source))
            modules.append((path, source))
            if path.name == "intro.js":
                parts.append(_write(work / "src" / "data.js", data))
        if problems:
            raise BuildError(problems, warnings)
        js = _minify(env, "rjsmin", parts, "consent.js")
    # rjsmin keeps names as written: the modules' own top-level names are shortened here.
    js = mangle(js.decode("utf-8"), modules).encode("utf-8")
    return Widget(js=js, css=css, texts=tables, packs=packs, warnings=warnings)


def split_languages(config: SiteConfig, tables: dict[str, list[str]]):
    """The tables embedded in the bundle, and the text pack of each other language."""
    site = config.site
    if len(site["languages"]) <= PACK_AFTER:
        return tables, {}
    # Every language, the default too, is a pack: a visitor downloads the code and the texts
    # of one language only, at the cost of one request before the banner shows.
    return {}, {lang: pack_script(table) for lang, table in tables.items()}


def pack_script(table: list[str]) -> bytes:
    """A text pack: it hands its table to the <script> element i18n.js created to load it,
    so that no global name is needed."""
    return f"document.currentScript.t={_dump(table)};\n".encode("ascii")


def _digest(data: bytes) -> str:
    """The base64 SHA-256 of a pack: its SRI value, and (as hex) the hash in its file name."""
    return base64.b64encode(hashlib.sha256(data).digest()).decode("ascii")


def _dump(value) -> str:
    # ASCII-only output: a bundle served without a charset still reads right on any page.
    return json.dumps(value, separators=(",", ":"))


def rtl_languages(languages: list[str]) -> list[str]:
    """The site's right-to-left languages, by Babel's locale data."""
    out = []
    for lang in languages:
        try:
            if Locale.parse(lang).text_direction == "rtl":
                out.append(lang)
        except (UnknownLocaleError, ValueError):
            continue  # e.g. a pseudo-locale: left to right
    return out


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
                 packs: dict[str, str], css: str) -> str:
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
        **({"rtl": rtl} if (rtl := rtl_languages(site["languages"])) else {}),
        "categories": [
            # The widget shows and deletes cookies and services alike: one list, `items`;
            # `required` only where true. Every byte counts against the 7 KiB budget.
            {"id": c["id"], **({"required": True} if c["required"] else {}),
             "title": index[Text(c["title"]).key],
             "description": index[Text(c["description"]).key],
             "consentMode": c["consent_mode"],
             "items": [item(x) for x in c["cookies"] + c["services"]]}
            for c in config.categories
        ],
    }
    return (f"var SITE={_dump(data)},TEXTS={_dump(tables)},PACKS={_dump(packs)},"
            f"CSS={_dump(css)};\n")
