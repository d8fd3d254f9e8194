"""What one visitor downloads, brotli-compressed: KPpay (2 languages) and a ten-language site,
each language with its own bundle, and the text packs a switch of language loads. Printed,
not asserted.

    .venv/bin/python bench/i18n_sizes.py

The eight extra languages are stand-ins: KPpay's French texts with their letters shifted
by a different amount per language, so each is as long as French and as unlike the
others as real languages are (identical stand-ins would compress away).
"""

from __future__ import annotations

import re
import string
import sys
import tempfile
from pathlib import Path

from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from consent_build.cli import build  # noqa: E402
from consent_build.output import sizes  # noqa: E402
from consent_build.site_config import catalog_path  # noqa: E402

EXTRA = ["de", "es", "it", "nl", "pt", "sv", "da", "ar"]
# Placeholders stay as they are: {site}, {host}, %(num)d…
_PLACEHOLDER = re.compile(r"(\{[a-z_]+\}|%\([a-z_]+\)[sd])")


def shifted(text: str, k: int) -> str:
    lower = string.ascii_lowercase
    rotated = lower[k:] + lower[:k]
    table = str.maketrans(lower + lower.upper(), rotated + rotated.upper())
    return "".join(part if _PLACEHOLDER.fullmatch(part) else part.translate(table)
                   for part in _PLACEHOLDER.split(text))


def stand_in(translations: Path, lang: str, k: int) -> None:
    from babel.messages.catalog import Catalog

    with catalog_path(translations, "fr").open("rb") as fileobj:
        french = read_po(fileobj)
    catalog = Catalog(locale=lang, domain="banner", fuzzy=False)
    for message in french:
        if not message.id:
            continue
        if isinstance(message.id, tuple):
            one, many = (shifted(s, k) for s in message.string)
            value = (one,) + (many,) * (catalog.num_plurals - 1)
        else:
            value = shifted(message.string, k)
        catalog.add(message.id, value, auto_comments=message.auto_comments,
                    context=message.context)
    path = catalog_path(translations, lang)
    path.parent.mkdir(parents=True)
    with path.open("wb") as fileobj:
        write_po(fileobj, catalog, width=0)


def report(name: str, result: dict) -> None:
    bundles = {lang: sizes(js)["brotli"] for lang, js in result["bundles"].items()}
    packs = {lang: sizes(pack)["brotli"] for lang, pack in result["packs"].items()}
    each = ", ".join(f"{lang} {size}" for lang, size in bundles.items())
    print(f"{name}: one bundle per language, each with its own texts (B brotli): {each}")
    if packs:
        print(f"  {len(packs)} text packs, {min(packs.values())}-{max(packs.values())} B brotli "
              "each: what a switch of language costs")
    else:
        print("  one language: no pack, nothing to switch to")

# What a request costs beyond its body: HTTP/2 headers both ways, about (HPACK-compressed,
# on a connection already open to the server that served the bundle).
REQUEST_OVERHEAD = 150


def inlining(result: dict) -> None:
    """Whether inlining the second language would pay: it costs every visitor its texts, and
    saves only the visitors who switch the pack's request."""
    bundle = sizes(result["js"])["brotli"]
    pack = sizes(result["packs"]["en"])["brotli"]
    # The bundle with the pack's table appended: within a few bytes of inlining it.
    both = sizes(result["js"] + result["packs"]["en"])["brotli"]
    extra, saved = both - bundle, pack + REQUEST_OVERHEAD
    print(f"  inlining en into the fr bundle: +{extra} B for every visitor, to save "
          f"{pack} + ~{REQUEST_OVERHEAD} B for each who switches: worth it only if more than "
          f"{100 * extra / saved:.0f} % of visitors switch")


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        kppay = build(ROOT / "sites" / "kppay.toml", ROOT / "banner_src", ROOT / "translations",
                      tmp / "dist1", check=True)
        report("KPpay (fr, en)", kppay)
        inlining(kppay)
        translations = tmp / "translations"
        import shutil

        shutil.copytree(ROOT / "translations", translations)
        for k, lang in enumerate(EXTRA, start=3):
            stand_in(translations, lang, k)
        site = tmp / "site.toml"
        listed = ", ".join(f'"{lang}"' for lang in ["fr", "en", *EXTRA])
        site.write_text((ROOT / "sites" / "kppay.toml").read_text(encoding="utf-8")
                        .replace('languages = ["fr", "en"]', f"languages = [{listed}]"),
                        encoding="utf-8")
        result = build(site, ROOT / "banner_src", translations, tmp / "dist2", check=True)
        report("Ten languages", result)
        everything = sizes(result["js"] + b"".join(result["packs"].values()))["brotli"]
        print(f"  for comparison, all ten languages in one file: about {everything} B brotli")


if __name__ == "__main__":
    main()
