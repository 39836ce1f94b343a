"""Small bar charts drawn on the server as SVG: no chart library in the browser, no CDN.

The title and the legend are HTML, so they keep the page's large type on a phone; the SVG
holds the bars, their labels and each bar's value, drawn narrow enough that its text stays
readable when the chart shrinks to a 360 px screen.
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape

WIDTH, BAR_GAP, LABEL_H, VALUE_H, HEIGHT = 480, 6, 26, 20, 200
COLOURS = ("#b3261e", "#1b5e20")
# Above this many bars the values would overlap; the tooltips still carry them.
MAX_VALUE_LABELS = 12


def bar_chart(series: list[tuple[str, list[int]]], labels: list[str], title: str,
              unit: str = "", shown: Callable[[int], str] = "{:,}".format,
              data_label: str = "") -> str:
    """Grouped bars: `series` are (name, values) with one value per label. Values are exact
    integers (fen, minutes); `shown` writes one for people (yuan with fen, hours)."""
    peak = max([1, *(abs(v) for _, values in series for v in values)])
    groups = max(len(labels), 1)
    group_w = WIDTH / groups
    bar_w = max((group_w - BAR_GAP) / max(len(series), 1), 2)
    show_values = groups * len(series) <= MAX_VALUE_LABELS
    top = VALUE_H if show_values else 4
    parts = [f'<figure class="chart"><figcaption>{escape(title)}</figcaption>',
             f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="100%" '
             f'viewBox="0 0 {WIDTH} {top + HEIGHT + LABEL_H}" aria-label="{escape(title)}">']
    for g, label in enumerate(labels):
        x0 = g * group_w + BAR_GAP / 2
        for s, (_name, values) in enumerate(series):
            value = values[g] if g < len(values) else 0
            h = HEIGHT * abs(value) / peak
            x = x0 + s * bar_w
            y = top + HEIGHT - h
            parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w - 1:.1f}" '
                         f'height="{h:.1f}" fill="{COLOURS[s % len(COLOURS)]}">'
                         f'<title>{escape(label)}: {escape(shown(value))}{escape(unit)}</title>'
                         '</rect>')
            if show_values and value:
                parts.append(f'<text x="{x + bar_w / 2:.1f}" y="{y - 4:.1f}" font-size="15" '
                             f'text-anchor="middle">{escape(shown(value))}</text>')
        parts.append(f'<text x="{x0 + group_w / 2 - BAR_GAP / 2:.1f}" '
                     f'y="{top + HEIGHT + 19}" font-size="16" '
                     f'text-anchor="middle">{escape(label)}</text>')
    parts.append("</svg>")
    if any(name for name, _values in series):
        parts.append('<ul class="legend">')
        for s, (name, _values) in enumerate(series):
            # A class, not a style attribute: the pages' CSP allows no inline styles.
            parts.append(f'<li><span class="swatch swatch-{s % len(COLOURS)}"></span>'
                         f'{escape(name)}</li>')
        parts.append("</ul>")
    if data_label:  # every figure exactly, for those who cannot hover a bar or read a bar
        parts.append(f'<details class="chart-data"><summary>{escape(data_label)}</summary>'
                     '<table class="grid"><thead><tr><th></th>')
        parts += [f"<th>{escape(name)}</th>" for name, _values in series]
        parts.append("</tr></thead><tbody>")
        for g, label in enumerate(labels):
            parts.append(f"<tr><th>{escape(label)}</th>")
            parts += [f'<td class="amount">{escape(shown(values[g] if g < len(values) else 0))}'
                      "</td>" for _name, values in series]
            parts.append("</tr>")
        parts.append("</tbody></table></details>")
    parts.append("</figure>")
    return "".join(parts)
