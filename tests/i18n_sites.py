"""Sites with more languages than KPpay, made in a temporary folder for the i18n tests."""

from __future__ import annotations

import shutil
from pathlib import Path

from consent_build.pseudo import write_pseudo_catalog

from .conftest import ROOT, SITE_TOML, build_site

# Ten languages: KPpay's two, seven stood for by pseudo-translations (Arabic for right to
# left), and the pseudo-locale en_XA itself.
TEN = ["fr", "en", "de", "es", "it", "nl", "pt", "sv", "ar", "en_XA"]


def make_site(folder: Path, languages: list[str]) -> tuple[Path, Path]:
    """A copy of KPpay's site file and catalogs with `languages`; returns (site, translations)."""
    translations = folder / "translations"
    shutil.copytree(ROOT / "translations", translations)
    for lang in languages:
        if lang not in ("fr", "en"):
            write_pseudo_catalog(translations, lang)
    site = folder / "site.toml"
    listed = ", ".join(f'"{lang}"' for lang in languages)
    text = SITE_TOML.read_text(encoding="utf-8")
    assert 'languages = ["fr", "en"]' in text
    site.write_text(text.replace('languages = ["fr", "en"]', f"languages = [{listed}]"),
                    encoding="utf-8")
    return site, translations


def build_languages(folder: Path, languages: list[str]) -> tuple[Path, dict]:
    """Build a KPpay copy with `languages` into folder/dist; returns (dist, build result)."""
    site, translations = make_site(folder, languages)
    out = folder / "dist"
    return out, build_site(out, site=site, translations=translations)
