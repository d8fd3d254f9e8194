"""Translators' preview: the banner in one language beside the source English, and every
text of the catalog with its note and length limit, at /preview/<site>?lang=…"""

from __future__ import annotations

import re
import secrets
import tomllib
from pathlib import Path

from babel.messages.pofile import read_po
from flask import Blueprint, current_app, make_response, render_template, request

from consent_build.compiled import sources
from consent_build.messages import code_texts, limit_of, readable_site_texts
from consent_build.site_config import REWORDED_CONTEXT, catalog_path
from server.bundle import manifest
from server.errors import fail

from . import ROOT

bp = Blueprint("preview", __name__, template_folder="templates")

SOURCE_LANGUAGE = "en"  # the msgids are English
_TAG = re.compile(r"^[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})*$")


def _site_file(site: str) -> dict:
    """The site's file (sites/<id>.toml), parsed; {} when there is none."""
    path = Path(current_app.config["CONSENT_SITES_DIR"]) / f"{site}.toml"
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return {}


def _site_keys(data: dict) -> set[tuple]:
    """(msgctxt, msgid) of each text this site's banner shows: the widget's, its own."""
    site = data.get("site") if isinstance(data.get("site"), dict) else {}
    texts = list(code_texts(sources(ROOT / "banner_src"))[0].values()) + readable_site_texts(data)
    keys = {(t.context, t.msgid[0] if isinstance(t.msgid, tuple) else t.msgid) for t in texts}
    reworded = site.get("reworded") if isinstance(site.get("reworded"), list) else []
    return keys | {(REWORDED_CONTEXT.format(id=site.get("id")), m) for m in reworded}


def _rows(lang: str, site_name: str, keys: set[tuple] | None) -> list[dict]:
    """Each entry of the language's catalog that the site shows, as the preview's table
    shows it (all of them when the site's file is not here)."""
    with catalog_path(_translations(), lang).open("rb") as fileobj:
        catalog = read_po(fileobj)
    rows = []
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        if keys is not None and (message.context, ids[0]) not in keys:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        limit = limit_of(message.auto_comments)
        longest = max(len(s.replace("{site}", site_name)) for s in strings)
        rows.append({
            "line": message.lineno, "note": " ".join(message.auto_comments),
            "context": message.context, "source": ids, "strings": strings,
            "fuzzy": message.fuzzy, "empty": not all(strings),
            "length": longest, "limit": limit, "too_long": bool(limit and longest > limit),
        })
    return rows


def _translations() -> Path:
    return Path(current_app.config["CONSENT_TRANSLATIONS_DIR"])


@bp.get("/preview/<site>")
def preview(site: str):
    built = manifest(site)
    languages = built["languages"]
    data = _site_file(site)
    # A language being translated (in the site's file, with a catalog) is not in the build
    # yet (the build wants it complete): its table is shown all the same, from its catalog.
    listed = (data.get("site") or {}).get("languages") or []
    drafts = sorted(path.parent.parent.name for path in
                    _translations().glob("*/LC_MESSAGES/banner.po")
                    if path.parent.parent.name not in languages
                    and path.parent.parent.name in listed)
    lang = request.args.get("lang") or next(
        (code for code in languages if code != SOURCE_LANGUAGE), languages[0])
    if lang not in languages + drafts:
        fail(404, f"unknown language {lang!r} for site {site!r}; expected one of "
             + ", ".join(languages + drafts), "lang")
    source = SOURCE_LANGUAGE if SOURCE_LANGUAGE in languages else built["default_language"]
    name = built.get("name", site)
    return render_template("preview.html", site=site, name=name, lang=lang, source=source,
                           languages=languages + drafts, built=lang in languages,
                           rows=_rows(lang, name, _site_keys(data) if data else None),
                           catalog=f"translations/{lang}/LC_MESSAGES/banner.po")


@bp.get("/preview/<site>/page")
def page(site: str):
    """A bare page in language `lang` (any BCP 47 tag, e.g. fr-TG) carrying the banner.
    With fixed=1 the banner is held to that language (the preview's frames); with csp=1
    the page allows only scripts bearing its nonce, as strict sites do; with own=1 it carries
    the bundle of its language (consent-<lang>.js, where the site has one), as a site's page
    in that language does, instead of the default language's."""
    files = manifest(site)["files"]
    lang = request.args.get("lang", "")
    if not _TAG.match(lang):
        fail(400, f"expected a language tag such as 'fr' or 'fr-TG', got {lang!r}", "lang")
    own = files.get(f"consent-{lang}.js") if request.args.get("own") == "1" else None
    script = own or files["consent.js"]
    nonce = secrets.token_urlsafe(16) if request.args.get("csp") == "1" else None
    response = make_response(render_template(
        "preview_page.html", site=site, lang=lang, script=script, nonce=nonce,
        fixed=request.args.get("fixed") == "1"))
    if nonce:
        response.headers["Content-Security-Policy"] = (
            f"default-src 'self'; script-src 'nonce-{nonce}'; style-src 'self'; img-src data:")
    return response
