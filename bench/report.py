"""Figures and tables for the benchmarks: order statistics and aligned columns."""

from __future__ import annotations

import gzip
import math

import brotli


def percentile(values: list[float], p: float) -> float:
    """The p-th percentile (0..100) by linear interpolation between closest ranks."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = (len(ordered) - 1) * p / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def median(values: list[float]) -> float:
    return percentile(values, 50)


def compressed_sizes(data: bytes) -> dict[str, int]:
    """Raw, gzip -9 and brotli q11 sizes: how a CDN or our server would send the file."""
    return {
        "raw": len(data),
        "gzip": len(gzip.compress(data, compresslevel=9, mtime=0)),
        "brotli": len(brotli.compress(data, quality=11, mode=brotli.MODE_TEXT)),
    }


def table(header: list[str], rows: list[list[str]]) -> str:
    """Columns aligned, the first to the left and the others to the right."""
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]

    def line(row: list[str]) -> str:
        cells = [str(row[0]).ljust(widths[0])]
        cells += [str(cell).rjust(width) for cell, width in zip(row[1:], widths[1:], strict=True)]
        return "  ".join(cells).rstrip()

    rule = "  ".join("-" * width for width in widths)
    return "\n".join([line(header), rule, *(line(row) for row in rows)])
