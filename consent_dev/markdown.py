"""A tiny Markdown renderer for the policy page: headings, paragraphs, lists, bold, links.

The policy is our own file and uses nothing else; a Markdown library would be a dependency
for these five rules. Text is escaped before any tag is added, so the output is safe HTML.
"""

from __future__ import annotations

import re
import unicodedata

from markupsafe import Markup, escape

_HEADING = re.compile(r"^(#{1,6})\s+(.*)$")
_ITEM = re.compile(r"^\s*[-*](?:\s+(.*))?$")
_BOLD = re.compile(r"\*\*(.+?)\*\*")
_LINK = re.compile(r"\[([^\]]+)\]\(([^)\s]*)\)")
_SAFE_URL = re.compile(r"^(#|/|https?://|mailto:)")


def slug(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-")


def inline(text: str) -> str:
    html = str(escape(text))
    html = _BOLD.sub(r"<strong>\1</strong>", html)

    def link(match: re.Match) -> str:
        url = match.group(2)
        if not _SAFE_URL.match(url):
            return match.group(1)
        return f'<a href="{url}">{match.group(1)}</a>'

    return _LINK.sub(link, html)


def render(source: str) -> Markup:
    """HTML for `source`; list items stay in one list across the blank lines between them."""
    out: list[str] = []
    paragraph: list[str] = []
    items: list[str] = []

    def flush_paragraph() -> None:
        if paragraph:
            out.append(f"<p>{inline(' '.join(paragraph))}</p>")
            paragraph.clear()

    def flush_list() -> None:
        if items:
            out.append("<ul>" + "".join(f"<li>{inline(i)}</li>" for i in items) + "</ul>")
            items.clear()

    for line in source.splitlines():
        stripped = line.strip()
        heading = _HEADING.match(stripped)
        item = _ITEM.match(line)
        if not stripped:
            flush_paragraph()
        elif heading:
            flush_paragraph()
            flush_list()
            level, text = len(heading.group(1)), heading.group(2).strip()
            out.append(f'<h{level} id="{slug(text)}">{inline(text)}</h{level}>')
        elif item:
            flush_paragraph()
            if item.group(1):  # a lone "-" is a stray mark, not an item
                items.append(item.group(1).strip())
        else:
            flush_list()
            paragraph.append(stripped)
    flush_paragraph()
    flush_list()
    return Markup("\n".join(out))
