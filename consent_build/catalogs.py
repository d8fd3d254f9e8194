"""Read the gettext catalogs and turn them into the text table of each language."""

from __future__ import annotations

import gettext
import re
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import PoFileError, read_po

from .errors import Problem
from .messages import Text
from .site_config import catalog_path

# Placeholders a translation must keep: {site} and %(num)d style.
_PLACEHOLDER = re.compile(r"\{[a-z_]+\}|%\([a-z_]+\)[sd]")


def load_catalog(path: Path, lang: str) -> tuple[Catalog | None, list[Problem]]:
    try:
        with path.open("rb") as fileobj:
            return read_po(fileobj, locale=lang, abort_invalid=True), []
    except (OSError, PoFileError, ValueError) as exc:
        line = getattr(exc, "lineno", None)
        return None, [Problem(str(path), line, f"cannot read the catalog: {exc}")]


def language_table(texts: list[Text], translations: Path, lang: str,
                   site_name: str) -> tuple[list[str], list[Problem]]:
    """The translated strings of `lang`, in the order of `texts`, and what is wrong."""
    path = catalog_path(translations, lang)
    catalog, problems = load_catalog(path, lang)
    if catalog is None:
        return [], problems
    plural = gettext.c2py(catalog.plural_expr)
    table: list[str] = []
    for text in texts:
        msgid = text.msgid
        key = msgid[0] if isinstance(msgid, tuple) else msgid
        message = catalog.get(key, context=text.context)
        shown = key if len(key) < 60 else key[:57] + "..."
        if message is None:
            problems.append(Problem(str(path), None, f"missing translation for {shown!r}"))
            table.append("")
            continue
        where = message.lineno
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy:
            problems.append(Problem(str(path), where, f"fuzzy translation for {shown!r}"))
        if not all(strings):
            problems.append(Problem(str(path), where, f"empty translation for {shown!r}"))
            table.append("")
            continue
        ids = msgid if isinstance(msgid, tuple) else (msgid,)
        for string in strings:
            if set(_PLACEHOLDER.findall(string)) != set(_PLACEHOLDER.findall(ids[-1])):
                problems.append(Problem(
                    str(path), where,
                    f"placeholders differ in the translation of {shown!r}: expected "
                    f"{sorted(set(_PLACEHOLDER.findall(ids[-1])))}, "
                    f"got {sorted(set(_PLACEHOLDER.findall(string)))}"))
        if text.count is not None:
            form = strings[min(plural(text.count), len(strings) - 1)]
            string = form % {"num": text.count}
        else:
            string = strings[0]
        table.append(string.replace("{site}", site_name))
    return table, problems
