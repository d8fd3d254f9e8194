"""Compose a site's widget: the compiled code, the site's definitions, its texts and CSS.

The widget's code knows nothing of a site: it is compiled once (compiled.py) and the build
hands it `siteData` (banner_src/js/site.js), the one parameter of the function that wraps it.

A visitor reads one language: the bundle embeds the site's default language, and each other
language is a small text pack, `consent.<lang>.<hash>.js`, that packs.js loads (with SRI and
the banner's nonce) before the banner shows when the visitor's language is another, and when
the visitor switches. A visitor shown the default language downloads one file, and a pack
that cannot load leaves the banner in the default language.

The preferences are a chunk of their own per language, `consent-prefs.<lang>.<hash>.js`,
fetched the first time they open (banner_src/js/prefs-load.js), with SRI and the nonce as a
pack: the preferences' compiled code, the texts only they show (in that language), each
category's title, description and items, and the dialog's CSS (prefs.css). The bundle keeps
of the categories what the core needs: id, whether required, Consent Mode signals, and the
cookie names a withdrawal deletes. A text pack keeps every text of its language.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import tempfile
import tomllib
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from babel.core import Locale, UnknownLocaleError
from babel.dates import format_date
from webassets import Bundle, Environment

from release_ids import release_id

from . import theme
from .catalogs import check_catalog
from .compiled import Compiled, compiled_code, sources
from .errors import BuildError, Problem
from .messages import (
    Text,
    code_texts,
    duration_text,
    policy_changed,
    readable_site_texts,
    site_texts,
)
from .output import PREFS_STEM, hashed_name
from .release import release_content
from .site_config import LANGUAGE_CODE, SiteConfig, catalog_path

CSS_FILES = ["banner.css"]
PREFS_CSS_FILES = ["prefs.css"]  # the dialog's, in the preferences chunk


@dataclass
class Widget:
    """The built widget and the parts it was made of, for the size report."""

    js: bytes  # the bundle of the site's default language
    bundles: dict[str, bytes]  # language -> the bundle that embeds its texts (js among them)
    css: bytes
    texts: dict[str, list[str]]
    packs: dict[str, bytes]  # language -> text pack script, to switch to it from another's bundle
    prefs: dict[str, bytes]  # language -> preferences chunk, for that language's bundle
    warnings: list[Problem]
    # what js and its preferences chunk are made of, for the size report: code, css, data,
    # texts; prefs code, prefs css, prefs data, prefs texts; and "texts <lang>" and
    # "prefs texts <lang>" for each language
    parts: dict[str, bytes]
    release: dict | None = None  # the release's content (release.py), when a manifest was given


def build_widget(config: SiteConfig, src: Path, translations: Path, check: bool = False,
                 manifest: dict | None = None) -> Widget:
    """Build the minified widget for `config`; raise BuildError on any problem. With the
    site's `manifest` (less its files), the widget carries the id of its release.

    A compiled code older than its sources fails the build; `check` (which writes nothing)
    only warns, so that translators can check catalogs against sources not yet compiled."""
    js_files = sources(src)
    missing = [p for p in [src / "css" / n for n in CSS_FILES + PREFS_CSS_FILES]
               if not p.is_file()]
    if missing or not js_files:
        raise BuildError([Problem(str(p), None, "widget source missing")
                          for p in missing or [src / "js"]])
    compiled, stale = compiled_code(src)
    code, names = compiled.code, compiled.names
    table, limits = site_texts(config, js_files)
    texts = list(table.values())
    problems: list[Problem] = reworded_problems(config, texts)
    warnings: list[Problem] = []
    if stale:
        (warnings if check and code else problems).append(stale)
    tables: dict[str, list[str]] = {}
    for lang in config.site["languages"]:
        checked = check_catalog(texts, translations, lang, config.site["name"], limits)
        tables[lang] = checked.table
        problems += checked.problems
        warnings += checked.warnings
    if problems:
        raise BuildError(problems, warnings)
    index = {key: i for i, key in enumerate(table)}  # by shared key: site_data's lookups
    if config.site.get("revised"):
        changed, day = index[policy_changed().key], date.fromisoformat(config.site["revised"])
        for lang, written in tables.items():
            written[changed] = written[changed].replace(
                "{date}", format_date(day, "long", locale=Locale.parse(lang)))
    default = config.site["default_language"]
    # One bundle per language, with that language's texts: a visitor downloads the texts they
    # are shown, and a pack only to switch. A one-language site needs no pack at all.
    packs = {lang: pack_script(table) for lang, table in tables.items()} if len(tables) > 1 else {}

    with tempfile.TemporaryDirectory(prefix="consent-build-") as tmp:
        env = Environment(directory=tmp, url="/", cache=False, manifest=False,
                          auto_build=False, url_expire=False)
        css = _minify(env, "rcssmin", [src / "css" / n for n in CSS_FILES], "banner.css")
        prefs_css = _minify(env, "rcssmin", [src / "css" / n for n in PREFS_CSS_FILES],
                            "prefs.css").decode("utf-8")
    contrast = theme.problems(config.theme, css.decode("utf-8"), str(config.path), config.line)
    if contrast:
        raise BuildError(contrast, warnings)
    css = theme.themed_css(config.theme, css.decode("utf-8")).encode("utf-8")
    described = {lang: pack_entry(lang, pack) for lang, pack in packs.items()}
    chunk_texts = prefs_positions(config, compiled, index, len(code_texts(js_files)[0]))
    # Each language's table, split at the same places: the bundle's share, the chunk's share.
    in_bundle = {lang: only(written, set(range(len(written))) - chunk_texts)
                 for lang, written in tables.items()}
    in_chunk = {lang: only(written, chunk_texts) for lang, written in tables.items()}
    prefs = {lang: prefs_script(compiled.prefs_code, prefs_data(
        config, index, in_chunk[lang], prefs_css, names)) for lang in tables}
    # The check of the page's brand colours ships only where the site allows them.
    brand = compiled.brand_code if config.theme.get("page_colours") else b""
    # One release for the build, whichever language's bundle a visitor gets: every text of
    # every language is in it.
    content = (release_content(config, manifest, table, tables, code, css, js_files,
                               compiled.prefs_code, prefs_css.encode("utf-8"), brand)
               if manifest is not None else None)
    release = release_id(content) if content is not None else None
    bundles = {}
    for lang in config.site["languages"]:
        others = {other: entry for other, entry in described.items() if other != lang}
        data = site_data(config, index, lang, {lang: in_bundle[lang]}, others, css.decode("utf-8"),
                         names, release, pack_entry(lang, prefs[lang], PREFS_STEM), brand)
        # The compiled code is a module's body: one function makes it a closure (nothing
        # leaks but window.ConsentBanner) and hands it the site's data.
        bundles[lang] = (b'(function(siteData){"use strict";' + code.rstrip(b"\n") + b"})("
                         + data + b");\n")
    others = {other: entry for other, entry in described.items() if other != default}
    parts = {"code": code, "css": css,
             "data": site_data(config, index, default, {}, others, "", names, release,
                               pack_entry(default, prefs[default], PREFS_STEM), brand),
             "texts": _dump(in_bundle[default]).encode("ascii"),
             # the preferences chunk's, in the default language
             "prefs code": compiled.prefs_code, "prefs css": prefs_css.encode("utf-8"),
             "prefs data": prefs_data(config, index, [], "", names),
             "prefs texts": _dump(in_chunk[default]).encode("ascii")}
    # each language's texts, in its bundle and in its chunk
    for lang in tables:
        parts[f"texts {lang}"] = _dump(in_bundle[lang]).encode("ascii")
        parts[f"prefs texts {lang}"] = _dump(in_chunk[lang]).encode("ascii")
    return Widget(js=bundles[default], bundles=bundles, css=css, texts=tables, packs=packs,
                  prefs=prefs, warnings=warnings, parts=parts, release=content)


def prefs_positions(config: SiteConfig, compiled: Compiled, index: dict[tuple, int],
                    code_count: int) -> set[int]:
    """The places in the text tables of the texts only the preferences show: the code's that
    only the chunk's modules use (compiled.py), and the categories' (titles, descriptions,
    purposes, durations) unless the core's code shows the same text."""
    keys = [Text(msgid).key for c in config.categories for msgid in (c["title"],
                                                                      c["description"])]
    keys += [text.key for c in config.categories for item in c["cookies"] + c["services"]
             for text in (Text(item["purpose"]), duration_text(item["duration"]))]
    return set(compiled.prefs_messages) | {index[key] for key in keys
                                           if index[key] >= code_count}


def only(table: list[str], kept: set[int]) -> list:
    """`table` with 0 in place of the texts not `kept`, less the trailing ones: the bundle's
    and the chunk's share of a language's texts keep their places (prefs-chunk.js joins
    them)."""
    out = [text if i in kept else 0 for i, text in enumerate(table)]
    while out and out[-1] == 0:
        out.pop()
    return out


def catalog_problems(site_file: Path, src: Path, translations: Path) -> list[Problem]:
    """The catalog problems of a site file that fails its own checks: its languages that have
    a catalog, checked against the widget's texts and the site's texts that can be read."""
    try:
        data = tomllib.loads(site_file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return []
    site = data.get("site") if isinstance(data.get("site"), dict) else {}
    languages = site.get("languages") if isinstance(site.get("languages"), list) else []
    name = site.get("name") if isinstance(site.get("name"), str) else ""
    texts = list(code_texts(sources(src))[0].values()) + readable_site_texts(data)
    problems: list[Problem] = []
    for lang in languages:
        if isinstance(lang, str) and LANGUAGE_CODE.match(lang) and catalog_path(
                translations, lang).is_file():
            problems += check_catalog(list(dict.fromkeys(texts)), translations, lang,
                                      name).problems
    return problems


def reworded_problems(config: SiteConfig, texts: list[Text]) -> list[Problem]:
    """A `reworded` text must be one the banner shows."""
    shown = {t.msgid[0] if isinstance(t.msgid, tuple) else t.msgid for t in texts}
    return [Problem(str(config.path), config.line("site", "reworded", i),
                    f"site.reworded: {msgid!r} is no text of this banner; expected the "
                    "English text (msgid) of one it shows, e.g. 'Accept all'")
            for i, msgid in enumerate(config.site.get("reworded", [])) if msgid not in shown]


def pack_script(table: list[str]) -> bytes:
    """A text pack: it hands its table to the <script> element i18n.js created to load it,
    so that no global name is needed."""
    return f"document.currentScript.t={_dump(table)};\n".encode("ascii")


def pack_entry(lang: str, pack: bytes, stem: str = "consent.{lang}") -> dict:
    """How the widget finds a pack or a preferences chunk (packs.js): its file name, as
    output.py writes it, and its SRI. SHA-256 is a valid SRI hash, shorter than the
    manifest's SHA-384."""
    digest = base64.b64encode(hashlib.sha256(pack).digest()).decode("ascii")
    return {"file": hashed_name(pack, stem=stem.format(lang=lang)),
            "integrity": f"sha256-{digest}"}


def prefs_script(code: bytes, data: bytes) -> bytes:
    """A preferences chunk: as a pack, it hands the <script> element that loaded it what it
    carries, a function that the core calls with what it lends (lent.js), and that runs the
    compiled chunk with its data (prefs-site.js)."""
    return (b'document.currentScript.t=function(core){"use strict";const prefsData=' + data
            + b";" + code.rstrip(b"\n") + b"};\n")


def deleted_cookies(category: dict) -> list[str]:
    """The cookie names (and `prefix*` patterns) a withdrawal of `category` deletes
    (cookies.js): each cookie's name, and each service's cookies (or its name if it lists
    none)."""
    return [name for item in category["cookies"] + category["services"]
            for name in item.get("cookies") or [item["name"]]]


# A key a JavaScript object literal may hold unquoted (reserved words included, since ES5).
_IDENTIFIER = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*\Z")
# In a literal js_literal wrote: a string (skipped), or a bare key before its colon.
_STRING_OR_KEY = re.compile(r'"(?:[^"\\]|\\.)*"|([A-Za-z_$][A-Za-z0-9_$]*)(?=:)')


class Code(str):
    """A JavaScript expression js_literal writes as it is."""


def service_of_host(config: SiteConfig) -> Code | None:
    """For a site whose services declare `hosts`: a function from an embed's host to the
    service that declared it (itself or a parent domain; the first declared wins), which
    the placeholders call (block.js). None, and no byte of it, for the other sites."""
    pairs = [["." + host, service["name"]] for category in config.categories
             for service in category["services"] for host in service.get("hosts", [])]
    if not pairs:
        return None
    return Code(f'h=>{_dump(pairs)}.find(([d])=>("."+h).endsWith(d))?.[1]')


def js_literal(value) -> str:
    """`value` as a JavaScript expression: JSON, but with the object keys that are
    identifiers unquoted, since the site's data is code here (two bytes a key)."""
    if isinstance(value, Code):
        return str(value)
    if isinstance(value, dict):
        return "{" + ",".join(
            f"{key if _IDENTIFIER.match(key) else _dump(key)}:{js_literal(item)}"
            for key, item in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ",".join(js_literal(item) for item in value) + "]"
    return _dump(value)


def read_site_data(js: str) -> dict:
    """The site data a built bundle holds (the argument of its one function), as written by
    site_data: for the tests and benchmarks, which read what the widget reads."""
    return _as_json(js[js.rindex("})({") + 3:js.rindex(");")])


def read_prefs_data(js: str) -> dict:
    """The data a built preferences chunk holds (`prefsData`, as prefs_data wrote it): for
    the tests, which read what the chunk reads."""
    start = js.index("const prefsData=") + len("const prefsData=")
    return _as_json(js[start:], first_only=True)


def _as_json(literal: str, first_only: bool = False):
    """A literal as js_literal wrote it, back as JSON (its unquoted keys quoted again): the
    whole text, or with `first_only` the value it starts with."""
    quoted = _STRING_OR_KEY.sub(lambda m: m.group(0) if m.group(1) is None
                                else f'"{m.group(1)}"', literal)
    return json.JSONDecoder().raw_decode(quoted)[0] if first_only else json.loads(quoted)


# From the bundle's folder (the server's /c/<site>/, server/bundle.py) back to the server's root.
_SCRIPT_TO_ROOT = "../.."


def script_relative(url: str) -> str:
    """A path on the server (/api/v1/consents) as the widget resolves it against its own
    script (resolveUrl): the same bundle then reaches the server directly and through a path
    of the site's own origin that proxies to it (first-party mode); a full URL stays one."""
    return _SCRIPT_TO_ROOT + url if url.startswith("/") else url


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


def _minify(env: Environment, filters: str, files: list[Path], output: str) -> bytes:
    bundle = Bundle(*[str(f.resolve()) for f in files], filters=filters, output=output)
    env.add(bundle)
    bundle.build(force=True)
    return (Path(env.directory) / output).read_bytes()


def _recorder(names: dict[str, str]):
    def record(**fields) -> dict:
        return {names.get(name, name): value for name, value in fields.items()
                if value is not None}
    return record


def prefs_data(config: SiteConfig, index: dict[tuple, int], table: list, css: str,
               names: dict[str, str]) -> bytes:
    """What a preferences chunk carries beside its code (banner_src/js/prefs-site.js): the
    texts only the preferences show, each category's title, description and items, in the
    site's order, and the dialog's CSS."""
    record = _recorder(names)

    def item(entry: dict) -> dict:
        return record(name=entry["name"], provider=entry["provider"],
                      purpose=index[Text(entry["purpose"]).key],
                      duration=index[duration_text(entry["duration"]).key],
                      cookies=entry.get("cookies"))

    return js_literal(record(texts=table, css=css, categories=[
        record(title=index[Text(c["title"]).key], description=index[Text(c["description"]).key],
               items=[item(x) for x in c["cookies"] + c["services"]])
        for c in config.categories])).encode("ascii")


def site_data(config: SiteConfig, index: dict[tuple, int], language: str,
              tables: dict[str, list[str]], packs: dict[str, dict], css: str,
              names: dict[str, str], release: str | None = None,
              prefs: dict | None = None, brand: bytes = b"") -> bytes:
    """The site as the widget reads it (banner_src/js/site.js), for the bundle of `language`:
    texts are numbers into each language's table; `release` is the id each event names
    (send.js); `brand` the compiled check of the page's brand colours (brand-entry.js), which
    becomes a function here. Field names are the widget's own, shortened as the compiler
    shortened them in its code (`names`, recorded in widget.json); maps keyed by language stay
    as they are."""
    site = config.site
    record = _recorder(names)

    data = record(
        id=site["id"],
        release=release,
        policy=site["policy_url"],
        revision=site["revision"],
        lifetime=site["lifetime_days"],
        languages=site["languages"],
        # The bundle's own language: shown when the visitor wants none of the site's.
        defaultLanguage=language,
        endpoint=script_relative(site["endpoint"]),
        # The notice of a changed policy, for sites that say when it changed.
        revised=index[policy_changed().key] if site.get("revised") else None,
        cookieName=site["cookie_name"],
        cookieDomain=site.get("cookie_domain"),
        rtl=rtl_languages(site["languages"]) or None,
        # host -> service, for the placeholders (block.js); only for a site that declares hosts
        hosts=service_of_host(config),
        # the page's brand colours and their check (root.js), only where the site allows them;
        # its parameters are the names brand-entry.js reads
        brand=Code("(root,addStyles,safe)=>{" + brand.decode("ascii").strip() + "}")
        if brand else None,
        categories=[
            # `required` only where true; what the preferences show of a category is in
            # their chunk (prefs_data), and `cookies` what a withdrawal deletes.
            record(id=c["id"], required=c["required"] or None,
                   consentMode=c["consent_mode"], cookies=deleted_cookies(c))
            for c in config.categories
        ],
    )
    packs = {lang: record(**entry) for lang, entry in packs.items()}
    return js_literal(record(site=data, texts=tables, packs=packs, css=css,
                             prefs=prefs and record(**prefs))).encode("ascii")
