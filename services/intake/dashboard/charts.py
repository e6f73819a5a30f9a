"""Small SVG bar charts rendered on the server: no JavaScript, no CDN, readable when printed.

A chart is drawn for the eye only (``aria-hidden``): a screen reader would get an SVG image's name
and nothing of its labels and numbers (review 13, F1). The same rows go into :func:`figure_table`,
which the page offers under each chart.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

BARS = 450  # room for the bars and the numbers beside them
BAR = 22
GAP = 8
LABEL = 190  # the label column at least; wider for longer labels (German ones are long)
# An SVG's text is not measured before it is drawn: a character of 13 px sans-serif is at most
# about 7.5 px wide on average ("Keine Mentorin/kein Mentor in Reichweite" fits in 300 px).
CHAR = 7.5


def label_width(rows: Sequence[tuple[str, float]]) -> int:
    """The label column's width: the longest label's, so none is cut off at the left edge."""
    return max(LABEL, int(max((len(label) for label, _ in rows), default=0) * CHAR) + 16)


def _shown(value: float, unit: str) -> str:
    return f"{value:g}{unit}"


def figure_table(title: str, rows: Sequence[tuple[str, float]], unit: str = "") -> str:
    """A chart's rows as a table, each label a row header: what a screen reader reads, and what a
    phone shows larger than the chart's scaled-down text."""
    body = "".join(f'<tr><th scope="row">{escape(label)}</th><td>{escape(_shown(value, unit))}</td></tr>'
                   for label, value in rows) or "<tr><td>–</td></tr>"
    return f'<table class="figure-table"><caption>{escape(title)}</caption><tbody>{body}</tbody></table>'


def bar_chart(title: str, rows: Sequence[tuple[str, float]], unit: str = "") -> str:
    """Horizontal bars, one per (label, value); the numbers are written next to the bars."""
    biggest = max((value for _, value in rows), default=0) or 1
    height = max(1, len(rows)) * (BAR + GAP) + 30
    column = label_width(rows)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" aria-hidden="true" focusable="false" '
        f'viewBox="0 0 {column + BARS} {height}" width="100%" class="chart">',
        f"<title>{escape(title)}</title>",
    ]
    if not rows:
        parts.append(f'<text x="0" y="20" font-size="14">{escape("–")}</text>')
    for index, (label, value) in enumerate(rows):
        y = 10 + index * (BAR + GAP)
        length = (BARS - 70) * value / biggest
        shown = _shown(value, unit)
        parts.append(f'<text x="{column - 8}" y="{y + BAR * 0.7:.0f}" font-size="13" text-anchor="end">'
                     f"{escape(label)}</text>")
        parts.append(f'<rect x="{column}" y="{y}" width="{length:.1f}" height="{BAR}" fill="#0b5cad">'
                     f"<title>{escape(label)}: {escape(shown)}</title></rect>")
        parts.append(f'<text x="{column + length + 6:.1f}" y="{y + BAR * 0.7:.0f}" font-size="13">'
                     f"{escape(shown)}</text>")
    parts.append("</svg>")
    return "".join(parts)
