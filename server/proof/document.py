"""The proof of one consent: one self-contained HTML document (printable, no outside file) with
the visitor's events in order, each with the release the visitor was shown (its texts in the
language shown, its screenshots), the receipt and its check, and the signature below.

It is what an auditor needs to accept the records without trusting us: every event as stored,
every release document as the build wrote it (its id is recomputable from it, release_ids.py),
each screenshot with its SHA-256, and the whole evidence as canonical JSON inside the document,
whose SHA-256 the signature covers. Both the console and `flask --app server consents proof`
make it, with this one function.
"""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import UTC, datetime
from urllib.parse import urljoin

from flask import current_app, g

from .. import store
from ..console.i18n import LANGUAGES, gettext
from ..contract import iso, shown
from . import releases
from .attest import attest

# The interface texts by where the widget shows them (release.py's `in`, the modules that
# show each): the first layer, then the preferences; the others' (placeholders, the reopen
# link) after them.
FIRST_LAYER = "layer"
PREFERENCES = "prefs"


def _evidence(consent_id: str, generated: datetime, rows: list[dict], kept: dict) -> bytes:
    """What the signature covers, as canonical JSON: the events as stored, and each release's
    document and screenshots' hashes."""
    return json.dumps({
        "consent_id": consent_id, "generated_at": iso(generated),
        "events": [shown(r) for r in rows],
        "releases": {rid: None if found is None else {
            "document": found["release"].document,
            "screenshots": {f"{s['language']}-{s['layer']}-{s['device']}": s["sha256"]
                            for s in found["shots"]}} for rid, found in kept.items()},
    }, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _shown_texts(content: dict, language: str) -> dict | None:
    """A release's texts in one language, grouped as the visitor met them."""
    texts = content["texts"].get(language)
    if texts is None:
        return None
    interface = texts["interface"]
    return {"first": [t for t in interface if FIRST_LAYER in t["in"]],
            "preferences": [t for t in interface if PREFERENCES in t["in"]],
            "other": [t for t in interface if not {FIRST_LAYER, PREFERENCES} & set(t["in"])],
            "categories": texts["categories"]}


def proof(consent_id: str, site: str | None, lang: str) -> tuple[bytes, int]:
    """The proof document of `consent_id` (its events on `site`, or on every site), labelled in
    `lang` (the console's languages), and how many events it holds."""
    # The document's own labels (and the checks' wording) in `lang`, whoever asks.
    g.console_translations = current_app.extensions["console_catalogs"][
        lang if lang in LANGUAGES else LANGUAGES[0]]
    engine = current_app.extensions["consent_engine"]
    rows = [r for r in store.history(engine, consent_id) if site is None or r["site"] == site]
    rows.sort(key=lambda r: (iso(r["server_time"]), r["id"]))
    kept: dict[str, dict | None] = {}
    for row in rows:
        rid = row.get("release")
        if rid and rid not in kept:
            found = releases.load(engine, rid)
            kept[rid] = None if found is None else {
                "release": found, "shots": releases.shots_of(engine, rid),
                "registered_at": iso(found.registered_at),
                "file_b64": _b64(found.text.encode("utf-8"))}
    generated = datetime.now(UTC)
    evidence = _evidence(consent_id, generated, rows, kept)
    attestation = attest(rows, evidence)
    events = []
    for row, check in zip(rows, attestation.checks, strict=True):
        found = kept.get(row.get("release") or "")
        content = found["release"].content if found else None
        events.append({
            "row": row, "stored": shown(row), "check": check, "found": found,
            "texts": _shown_texts(content, row["language"]) if content else None,
            # A relative policy URL as the visitor's page resolved it.
            "policy_url": urljoin(row["page_url"], content["policy"]["url"]) if content else None,
            "shots": [{**s, "src": "data:image/png;base64," + _b64(s["png"])}
                      for s in found["shots"] if s["language"] == row["language"]]
            if found else []})
    from ..console.views import action_names  # the console imports this module

    html = current_app.jinja_env.get_template("console/proof.html").render(
        consent_id=consent_id, site=site, lang=lang, generated=iso(generated), events=events,
        releases=kept, evidence_b64=_b64(evidence), actions=action_names(),
        layers={"first": gettext("first layer"), "preferences": gettext("preferences")},
        devices={"desktop": gettext("desktop"), "phone": gettext("phone")},
        evidence_sha256=hashlib.sha256(evidence).hexdigest(), attestation=attestation)
    return html.encode("utf-8"), len(rows)
