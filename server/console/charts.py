"""Chart geometry for server-rendered SVG: the templates draw what these functions measure.

No script and no inline style: the console's Content-Security-Policy allows neither, and a
chart drawn on the server shows the same figures as the table printed under it."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

WIDTH, HEIGHT = 720, 240
LEFT, RIGHT, TOP, BOTTOM = 44, 8, 10, 26
# Okabe and Ito's palette: told apart with every common colour-vision deficiency, and each at
# least 3:1 against white (WCAG 1.4.11) but the yellow, which is left out.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#8C6D00", "#56B4E9", "#000000")


@dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float
    series: str
    label: str
    value: float
    colour: str


@dataclass
class Tick:
    position: float
    label: str


@dataclass
class Line:
    series: str
    colour: str
    paths: list[str]
    points: list[Bar] = field(default_factory=list)


@dataclass
class Chart:
    width: int = WIDTH
    height: int = HEIGHT
    bars: list[Bar] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)
    x_ticks: list[Tick] = field(default_factory=list)
    y_ticks: list[Tick] = field(default_factory=list)
    baseline: float = HEIGHT - BOTTOM
    left: float = LEFT
    right: float = WIDTH - RIGHT


def nice_ceiling(value: float) -> float:
    """1, 2, 2.5 or 5 times a power of ten, at least `value` (and at least 1)."""
    if value <= 1:
        return 1
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * power:
            return step * power
    return 10 * power


def _x_ticks(labels: list[str], slot: float, every: int | None = None) -> list[Tick]:
    every = every or max(1, math.ceil(len(labels) / 8))
    return [Tick(LEFT + slot * (i + 0.5), label) for i, label in enumerate(labels)
            if i % every == 0]


def stacked_bars(labels: list[str], series: list[str], values: list[dict],
                 colours: dict[str, str], number=str) -> Chart:
    """One stacked bar per label (a day), one segment per series with a value."""
    chart = Chart()
    plot = chart.baseline - TOP
    top = nice_ceiling(max((sum(v.get(s, 0) for s in series) for v in values), default=0))
    slot = (chart.right - LEFT) / max(1, len(labels))
    width = max(1.0, slot * 0.72)
    for i, (label, counts) in enumerate(zip(labels, values, strict=True)):
        y = chart.baseline
        for name in series:
            value = counts.get(name, 0)
            if not value:
                continue
            height = plot * value / top
            y -= height
            chart.bars.append(Bar(round(LEFT + slot * i + (slot - width) / 2, 2), round(y, 2),
                                  round(width, 2), round(height, 2), name, label, value,
                                  colours[name]))
    chart.y_ticks = [Tick(round(chart.baseline - plot * k / 4, 2), number(top * k / 4))
                     for k in range(5)]
    chart.x_ticks = _x_ticks(labels, slot)
    return chart


def lines(labels: list[str], series: list[str], values: list[dict],
          colours: dict[str, str]) -> Chart:
    """Rates from 0 to 1 per label, one line per series; a missing value breaks its line."""
    chart = Chart()
    plot = chart.baseline - TOP
    slot = (chart.right - LEFT) / max(1, len(labels))
    for name in series:
        line = Line(name, colours[name], [])
        current: list[str] = []
        for i, (label, rates) in enumerate(zip(labels, values, strict=True)):
            rate = rates.get(name)
            if rate is None:
                if current:
                    line.paths.append(" ".join(current))
                current = []
                continue
            x, y = round(LEFT + slot * (i + 0.5), 2), round(chart.baseline - plot * rate, 2)
            current.append(f"{'M' if not current else 'L'}{x},{y}")
            line.points.append(Bar(x, y, 0, 0, name, label, rate, colours[name]))
        if current:
            line.paths.append(" ".join(current))
        chart.lines.append(line)
    chart.y_ticks = [Tick(round(chart.baseline - plot * k / 4, 2), f"{25 * k} %")
                     for k in range(5)]
    chart.x_ticks = _x_ticks(labels, slot)
    return chart


@dataclass
class Share:
    label: str
    value: int
    share: float
    width: float
    colour: str


def shares(items: list[tuple[str, int]], width: float = 100.0) -> list[Share]:
    """Each item's part of the whole, as a fraction and as a bar length out of `width`."""
    total = sum(value for _, value in items)
    return [Share(label, value, value / total if total else 0.0,
                  round(width * value / total, 2) if total else 0.0,
                  PALETTE[i % len(PALETTE)]) for i, (label, value) in enumerate(items)]
