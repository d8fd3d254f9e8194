"""A pseudo-locale: English with accents, lengthened and bracketed, e.g. "[Àççéþţ åļļ ·····]".

A catalog in it shows at a glance, in a real browser, any text that escapes translation
(it stays plain English), any layout that breaks with longer words (+40 %, as German or
French often are), and any text cut off (the closing bracket is missing). Placeholders
such as {site} and %(num)d are kept as they are.

    python -m consent_build.pseudo [--lang en_XA] [--translations DIR]

writes DIR/<lang>/LC_MESSAGES/banner.po from the template; add the language to a site's
`languages` to build it (tests do so in a temporary copy).
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

from .messages import limit_of
from .site_config import catalog_path

LANG = "en_XA"  # the pseudo-locale code Android and Chromium use for "accented English"
_ACCENTS = str.maketrans(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
    "åƀçđéƒĝĥîĵķļɱñöþǫŕšţûṽŵẋýžÅƁÇĐÉƑĜĤÎĴĶĻṀÑÖÞǪŔŠŢÛṼŴẊÝŽ",
)
ACCENTED = set("åƀçđéƒĝĥîĵķļɱñöþǫŕšţûṽŵẋýžÅƁÇĐÉƑĜĤÎĴĶĻṀÑÖÞǪŔŠŢÛṼŴẊÝŽ")
_KEEP = re.compile(r"(\{[a-z_]+\}|%\([a-z_]+\)[sd])")


def pseudo(text: str, grow: float = 0.4, limit: int | None = None) -> str:
    """The pseudo-translation of `text`: accented, lengthened by `grow`, in brackets; never
    longer than `limit` (the translator note's), so that it tests the longest allowed text."""
    parts = _KEEP.split(text)
    out = "".join(part if i % 2 else part.translate(_ACCENTS) for i, part in enumerate(parts))
    padding = "·" * max(1, round(len(text) * grow) - 2)
    if limit:
        padding = padding[:max(0, limit - len(out) - 3)]
    return f"[{out} {padding}]" if padding else out


def pseudo_catalog(template: Path, lang: str = LANG, grow: float = 0.4) -> Catalog:
    """A complete catalog for `lang` whose every entry is the pseudo-translation of its msgid.

    `lang` may be a real language (its plural forms are Babel's), to stand for it in tests."""
    with template.open("rb") as fileobj:
        source = read_po(fileobj)
    catalog = Catalog(locale=lang, domain="banner", project=source.project,
                      version=source.version, msgid_bugs_address=source.msgid_bugs_address,
                      copyright_holder=source.copyright_holder, charset="utf-8",
                      fuzzy=False)
    forms = catalog.num_plurals if catalog.locale else 2  # English rules for a pseudo-locale
    for message in source:
        if not message.id:
            continue
        limit = limit_of(message.auto_comments)
        if isinstance(message.id, tuple):
            one, many = (pseudo(msgid, grow, limit) for msgid in message.id)
            string = (one,) + (many,) * (forms - 1)
        else:
            string = pseudo(message.id, grow, limit)
        catalog.add(message.id, string, locations=message.locations,
                    auto_comments=message.auto_comments, flags=message.flags - {"fuzzy"},
                    context=message.context)
    return catalog


def write_pseudo_catalog(translations: Path, lang: str = LANG, grow: float = 0.4) -> Path:
    """Write translations/<lang>/LC_MESSAGES/banner.po from translations/banner.pot."""
    path = catalog_path(translations, lang)
    path.parent.mkdir(parents=True, exist_ok=True)
    catalog = pseudo_catalog(translations / "banner.pot", lang, grow)
    with path.open("wb") as fileobj:
        write_po(fileobj, catalog, width=0)
    if catalog.locale:
        return path
    # Babel writes no Plural-Forms for a locale it has no data for: English rules, said here.
    text = path.read_text(encoding="utf-8")
    team = re.search(r'^"Language-Team: .*"$', text, re.MULTILINE)
    path.write_text(text[:team.end()] + '\n"Plural-Forms: nplurals=2; plural=(n != 1);\\n"'
                    + text[team.end():], encoding="utf-8")
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m consent_build.pseudo", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lang", default=LANG)
    parser.add_argument("--translations", type=Path,
                        default=Path(__file__).resolve().parent.parent / "translations")
    args = parser.parse_args(argv)
    print(write_pseudo_catalog(args.translations, args.lang))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
