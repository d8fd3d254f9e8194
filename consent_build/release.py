"""A build as a release: what a visitor could be shown, identified by its content's hash.

The content is the manifest (less its files, which name the bundle that carries the id, and
the hash of its inputs),
the policy URL and revision, the hashes of the code and CSS that show the texts, and every
text of each language as the widget shows it: the interface (both layers, the placeholders,
by the module that shows them) and the categories with their cookies and services. The id
(release_ids.release_id) goes into the widget's site data, so that each event names it;
dist/<site>/release.json holds the content, the id and the files, for the server to keep.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from release_ids import release_id

from .messages import Text, duration_text, js_messages
from .site_config import SiteConfig


def _msgid(text: Text):
    return list(text.msgid) if isinstance(text.msgid, tuple) else text.msgid


def _shown_in(js_files: list[Path]) -> dict[tuple, list[str]]:
    """Each interface text's key, and the modules that show it (layer, prefs, block...)."""
    where: dict[tuple, list[str]] = {}
    for path in js_files:
        for found in js_messages(path):
            modules = where.setdefault(Text(found.msgid, context=found.context).key, [])
            if path.stem not in modules:
                modules.append(path.stem)
    return where


def release_content(config: SiteConfig, manifest: dict, texts: dict[tuple, Text],
                    tables: dict[str, list[str]], code: bytes, css: bytes,
                    js_files: list[Path], prefs_code: bytes = b"", prefs_css: bytes = b"",
                    brand_code: bytes = b"") -> dict:
    """What the release's id hashes. `texts` are the widget's texts by shared key, in table
    order; `tables` each language's table; `prefs_code` and `prefs_css` the preferences
    chunk's (bundle.py); `brand_code` the check of the page's colours, where the site allows
    them."""
    index = {key: i for i, key in enumerate(texts)}
    where = _shown_in(js_files)

    def shown(lang: str, msgid) -> str:
        return tables[lang][index[Text(msgid).key]]

    def language(lang: str) -> dict:
        table = tables[lang]
        return {
            "interface": [{"in": where[key], "msgid": _msgid(text), "text": table[index[key]]}
                          for key, text in texts.items() if key in where],
            "categories": [
                {"id": c["id"], "required": c["required"],
                 "title": shown(lang, c["title"]), "description": shown(lang, c["description"]),
                 "items": [{"kind": kind, "name": item["name"], "provider": item["provider"],
                            "purpose": shown(lang, item["purpose"]),
                            "duration": table[index[duration_text(item["duration"]).key]],
                            **({"cookies": item["cookies"]} if item.get("cookies") else {})}
                           for kind in ("cookie", "service") for item in c[f"{kind}s"]]}
                for c in config.categories],
        }

    site = config.site
    return {
        # The hash of the build's inputs stays out: those inputs include the catalogs shared
        # with other sites, whose new texts change nothing this site shows.
        "manifest": {key: value for key, value in manifest.items() if key != "inputs_sha256"},
        "policy": {"url": site["policy_url"], "revision": site["revision"]},
        "widget": {"code_sha256": hashlib.sha256(code).hexdigest(),
                   "css_sha256": hashlib.sha256(css).hexdigest(),
                   "prefs_code_sha256": hashlib.sha256(prefs_code).hexdigest(),
                   "prefs_css_sha256": hashlib.sha256(prefs_css).hexdigest(),
                   **({"brand_code_sha256": hashlib.sha256(brand_code).hexdigest()}
                      if brand_code else {})},
        "texts": {lang: language(lang) for lang in site["languages"]},
    }


def release_document(content: dict, files: dict) -> dict:
    """release.json: the id, the content it hashes, and the files that served it."""
    return {"release": release_id(content), "content": content, "files": files}
