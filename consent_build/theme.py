"""A site's theme (`[theme]` in site.toml): its colours in both colour schemes, the corners, and
where the first layer and the floating button sit. The build checks every text/background pair
the banner will show against WCAG 2.2's contrast minimums, in both schemes, and refuses a theme
under them: no one can theme the banner into an inaccessible one.

The banner's own colours are the defaults, read from banner_src/css/banner.css (the one place
they are written); a theme changes their values in the minified CSS, so a site without a theme
ships the CSS as it is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .errors import Problem

# The custom properties of `.k` (banner.css) and the theme's name for each.
PROPERTIES = {"background": "--b", "text": "--t", "accent": "--a", "border": "--m"}
_HEX = r"(#[0-9a-fA-F]{3}(?:[0-9a-fA-F]{3})?)"
_DECLARATIONS = rf"--b:{_HEX};--t:{_HEX};--a:{_HEX};--m:{_HEX}"
# As rcssmin writes them: the light scheme's in the first `.k` rule, the dark one's in the
# prefers-color-scheme media query.
LIGHT = re.compile(r"\.k\{" + _DECLARATIONS)
DARK = re.compile(r"@media \(prefers-color-scheme:dark\)\{\.k\{" + _DECLARATIONS + r"\}\}")


@dataclass(frozen=True)
class Pair:
    """One foreground/background pair the banner draws, and the minimum it needs."""

    foreground: str
    background: str
    minimum: float
    what: str


# Every pair banner.css draws from the four colours. Text is 15 px or 13 px (never WCAG's
# large text), so all text needs 4.5:1; borders, switches and focus outlines 3:1 (SC 1.4.11).
PAIRS = (
    Pair("text", "background", 4.5, "the banner's text needs"),
    Pair("accent", "background", 4.5, "links, the language switch and the floating button need"),
    Pair("background", "accent", 4.5, "the buttons' text needs"),
    Pair("border", "background", 3.0, "borders and the switches when off need"),
)
SCHEMES = {"light": (), "dark": ("dark",)}


def _channels(colour: str) -> tuple[int, int, int]:
    digits = colour[1:]
    if len(digits) == 3:
        digits = "".join(d * 2 for d in digits)
    return tuple(int(digits[i:i + 2], 16) for i in (0, 2, 4))


def luminance(colour: str) -> float:
    """WCAG 2.2's relative luminance of an sRGB colour written #rgb or #rrggbb."""
    def linear(channel: int) -> float:
        c = channel / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(c) for c in _channels(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    """WCAG 2.2's contrast ratio of two colours, from 1 to 21."""
    lighter, darker = sorted((luminance(a), luminance(b)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def defaults(css: str) -> dict[str, dict[str, str]]:
    """The banner's own colours, per scheme, from its minified CSS."""
    found = {"light": LIGHT.search(css), "dark": DARK.search(css)}
    if not all(found.values()):
        raise ValueError("banner.css no longer declares --b, --t, --a and --m in its first .k "
                         "rule and in its dark-scheme media query: consent_build/theme.py reads "
                         "them there")
    return {scheme: dict(zip(PROPERTIES, match.groups(), strict=True))
            for scheme, match in found.items()}


def colours(theme: dict, css: str) -> dict[str, dict[str, str]]:
    """The colours the banner will use, per scheme: the theme's, else the banner's own."""
    own = defaults(css)
    dark = theme.get("dark", {})
    return {"light": {name: theme.get(name, own["light"][name]) for name in PROPERTIES},
            "dark": {name: dark.get(name, own["dark"][name]) for name in PROPERTIES}}


def problems(theme: dict, css: str, file: str, line) -> list[Problem]:
    """Each pair under its minimum, with the ratio it has; `line(*path)` finds a key's line."""
    found = []
    for scheme, used in colours(theme, css).items():
        for pair in PAIRS:
            ratio = contrast(used[pair.foreground], used[pair.background])
            if ratio < pair.minimum:
                # The line of a colour the theme sets (the foreground's first), else [theme]'s.
                given = theme.get("dark", {}) if scheme == "dark" else theme
                name = next((n for n in (pair.foreground, pair.background) if n in given), None)
                at = line("theme", *SCHEMES[scheme], name) if name else line("theme")
                found.append(Problem(file, at, (
                    f"theme ({scheme} scheme): {pair.foreground} {used[pair.foreground]} on "
                    f"{pair.background} {used[pair.background]} has a contrast of {ratio:.2f}:1; "
                    f"{pair.what} at least {pair.minimum:g}:1 (WCAG 2.2 AA)")))
    return found


def themed_css(theme: dict, css: str) -> str:
    """The minified CSS with the theme's colours, corners and positions."""
    used = colours(theme, css)

    def declarations(scheme: str) -> str:
        return ";".join(f"{PROPERTIES[name]}:{used[scheme][name]}" for name in PROPERTIES)

    css = LIGHT.sub(lambda _m: ".k{" + declarations("light"), css, count=1)
    css = DARK.sub(lambda _m: "@media (prefers-color-scheme:dark){.k{" + declarations("dark")
                   + "}}", css, count=1)
    extra = []
    if "radius" in theme:
        extra.append(f".k{{border-radius:{theme['radius']}px}}")
    # The first layer: across the bottom (the default, centred), in a bottom corner, or on top;
    # on top, out of a focused element's way (.u, focus.js) means at the bottom.
    extra.append({"bottom": "", "bottom-left": ".L{margin-left:0}",
                  "bottom-right": ".L{margin-right:0}",
                  "top": ".L{top:1em;bottom:auto}.L.u{top:auto;bottom:1em}"}[
        theme.get("position", "bottom")])
    extra.append({"bottom-left": "", "bottom-right": ".F{left:auto;right:1em}"}[
        theme.get("button", "bottom-left")])
    return css + "".join(extra)
