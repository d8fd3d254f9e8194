"""A site's theme ([theme] in site.toml): its colours checked for contrast, and the CSS that
gives them to the widget.

The widget's stylesheet (banner_src/css/banner.css) names four colours by custom property:
--b background, --t text, --a accent (links, buttons, focus rings, switches on), --m border
(box borders, switches off). This module writes their values for the light and the dark
scheme, the radius and the placement of the first layer and of the floating button, and
nothing the site does not change beyond that. Every text/background pair the widget draws is
one of PAIRS, so checking PAIRS in both schemes checks everything a visitor can read.
"""

from __future__ import annotations

from dataclasses import dataclass

# (foreground key, background key, least ratio, what it is drawn as). The widget's texts are
# all under 18.66 px bold (WCAG's "large text"), so every text needs 4.5:1; a border or a
# switch's track is a user-interface component, 3:1 (SC 1.4.11). Button labels are the
# background colour on the accent, the same pair as links (the ratio is symmetric).
PAIRS = [
    ("text", "background", 4.5, "body text"),
    ("accent", "background", 4.5, "links, button labels and focus outlines"),
    ("border", "background", 3.0, "switches and borders"),
]
COLOURS = ("background", "text", "accent", "border")
_VARIABLE = {"background": "--b", "text": "--t", "accent": "--a", "border": "--m"}
# Where the first layer and the floating button sit, beyond banner.css's default (bottom,
# across the page; button bottom left).
_LAYER = {
    "bottom": "",
    "top": ".L{top:1em;bottom:auto}.L.u{top:auto;bottom:1em}",
    "bottom-left": ".L{right:auto;max-width:min(26em,calc(100% - 2em))}",
    "bottom-right": ".L{left:auto;max-width:min(26em,calc(100% - 2em))}",
}
_BUTTON = {"bottom-left": "", "bottom-right": ".F{left:auto;right:1em}"}


@dataclass(frozen=True)
class Contrast:
    """One pair below its least ratio, in one scheme."""

    scheme: str  # "light" or "dark"
    foreground: str
    background: str
    ratio: float
    least: float
    drawn_as: str

    def message(self, theme: dict) -> str:
        colours = theme if self.scheme == "light" else theme["dark"]
        shown = f"{_floor(self.ratio)}:1"
        return (f"{self.foreground} {colours[self.foreground]} on {self.background} "
                f"{colours[self.background]} has a contrast of {shown} ({self.drawn_as}, "
                f"{self.scheme} scheme); expected at least {self.least:g}:1 (WCAG 2.2 AA)")


def _floor(ratio: float) -> str:
    # rounded down, so that 4.496 is never shown as the 4.5 it fails
    return f"{int(ratio * 100) / 100:.2f}"


def luminance(colour: str) -> float:
    """WCAG 2.2's relative luminance of an sRGB colour '#rgb' or '#rrggbb'."""
    hex_digits = colour[1:]
    if len(hex_digits) == 3:
        hex_digits = "".join(c * 2 for c in hex_digits)
    channels = []
    for i in (0, 2, 4):
        c = int(hex_digits[i:i + 2], 16) / 255
        channels.append(c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4)
    r, g, b = channels
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    """WCAG 2.2's contrast ratio of two colours, from 1 to 21."""
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def contrast_problems(theme: dict) -> list[tuple[tuple, Contrast]]:
    """Each pair under its ratio, with the key path of its foreground in site.toml."""
    out = []
    for scheme, colours, path in (("light", theme, ("theme",)),
                                  ("dark", theme["dark"], ("theme", "dark"))):
        for fg, bg, least, drawn_as in PAIRS:
            ratio = contrast(colours[fg], colours[bg])
            if ratio < least:
                out.append((path + (fg,), Contrast(scheme, fg, bg, ratio, least, drawn_as)))
    return out


def theme_css(theme: dict) -> str:
    """The theme as CSS, read before banner.css (which uses, never sets, these values)."""
    def variables(colours: dict) -> str:
        return ";".join(f"{_VARIABLE[key]}:{colours[key]}" for key in COLOURS)

    return (f".k{{{variables(theme)};border-radius:{theme['radius']}px}}\n"
            f"@media (prefers-color-scheme:dark){{.k{{{variables(theme['dark'])}}}}}\n"
            + _LAYER[theme["layer"]] + _BUTTON[theme["button"]] + "\n")
