"""Small bar charts drawn on the server as SVG: no chart library in the browser, no CDN."""

from __future__ import annotations

from html import escape

WIDTH, BAR_GAP, LABEL_H, HEIGHT = 640, 8, 36, 220
COLOURS = ("#b3261e", "#1b5e20")


def bar_chart(series: list[tuple[str, list[int]]], labels: list[str], title: str,
              unit: str = "") -> str:
    """Grouped bars: `series` are (name, values) with one value per label."""
    peak = max([1, *(abs(v) for _, values in series for v in values)])
    groups = max(len(labels), 1)
    group_w = (WIDTH - 40) / groups
    bar_w = max((group_w - BAR_GAP) / max(len(series), 1), 2)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="100%" '
             f'viewBox="0 0 {WIDTH} {HEIGHT + LABEL_H + 24}" aria-label="{escape(title)}">',
             f'<text x="4" y="16" font-size="14">{escape(title)}</text>']
    for g, label in enumerate(labels):
        x0 = 30 + g * group_w
        for s, (_name, values) in enumerate(series):
            value = values[g] if g < len(values) else 0
            h = HEIGHT * abs(value) / peak
            x = x0 + s * bar_w
            y = 24 + HEIGHT - h
            parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w - 1:.1f}" '
                         f'height="{h:.1f}" fill="{COLOURS[s % len(COLOURS)]}">'
                         f'<title>{escape(label)}: {value}{escape(unit)}</title></rect>')
        parts.append(f'<text x="{x0 + group_w / 2:.1f}" y="{24 + HEIGHT + 16}" font-size="11" '
                     f'text-anchor="middle">{escape(label)}</text>')
    for s, (name, _values) in enumerate(series):
        parts.append(f'<rect x="{30 + s * 120}" y="{HEIGHT + LABEL_H + 8}" width="10" '
                     f'height="10" fill="{COLOURS[s % len(COLOURS)]}"/>'
                     f'<text x="{44 + s * 120}" y="{HEIGHT + LABEL_H + 17}" font-size="11">'
                     f'{escape(name)}</text>')
    parts.append("</svg>")
    return "".join(parts)
