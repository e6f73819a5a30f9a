"""Small SVG bar charts rendered on the server: no JavaScript, no CDN, readable when printed."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

WIDTH = 640
BAR = 22
GAP = 8
LABEL = 190


def bar_chart(title: str, rows: Sequence[tuple[str, float]], unit: str = "") -> str:
    """Horizontal bars, one per (label, value); the numbers are written next to the bars."""
    biggest = max((value for _, value in rows), default=0) or 1
    height = max(1, len(rows)) * (BAR + GAP) + 30
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{escape(title)}" '
        f'viewBox="0 0 {WIDTH} {height}" width="100%" class="chart">',
        f"<title>{escape(title)}</title>",
    ]
    if not rows:
        parts.append(f'<text x="0" y="20" font-size="14">{escape("–")}</text>')
    for index, (label, value) in enumerate(rows):
        y = 10 + index * (BAR + GAP)
        length = (WIDTH - LABEL - 70) * value / biggest
        shown = f"{value:g}{unit}"
        parts.append(f'<text x="{LABEL - 8}" y="{y + BAR * 0.7:.0f}" font-size="13" text-anchor="end">'
                     f"{escape(label)}</text>")
        parts.append(f'<rect x="{LABEL}" y="{y}" width="{length:.1f}" height="{BAR}" fill="#0b5cad">'
                     f"<title>{escape(label)}: {escape(shown)}</title></rect>")
        parts.append(f'<text x="{LABEL + length + 6:.1f}" y="{y + BAR * 0.7:.0f}" font-size="13">'
                     f"{escape(shown)}</text>")
    parts.append("</svg>")
    return "".join(parts)
