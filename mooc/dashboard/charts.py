"""Charts as inline SVG, drawn on the server: no script, no external library, no CDN.

Each function returns Markup for an <svg> with a viewBox sized for a phone (320
units wide); CSS lets it scale to its container and caps it on wide screens, so a
chart never causes horizontal scrolling. Colours come from dashboard.css classes.
Every chart has a <title>/<desc> for screen readers, and every mark a <title>
tooltip; the pages also show the same numbers as text.
"""
from markupsafe import Markup, escape

WIDTH = 320


def _open(chart_id, height, title, desc):
    return [f'<svg class="chart" viewBox="0 0 {WIDTH} {height}" role="img" '
            f'aria-labelledby="{chart_id}-t {chart_id}-d" xmlns="http://www.w3.org/2000/svg" '
            f'preserveAspectRatio="xMidYMid meet">',
            f'<title id="{chart_id}-t">{escape(title)}</title>',
            f'<desc id="{chart_id}-d">{escape(desc)}</desc>']


def _clip(text, limit):
    text = str(text)
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _num(value):
    return f"{value:.1f}".rstrip("0").rstrip(".")


def hbar_chart(chart_id, rows, *, title, desc="", empty="暂无数据"):
    """Horizontal bars: rows of (label, fraction 0–1 or None, value text). Label above bar."""
    row_height, track = 38, WIDTH - 60
    height = max(row_height * len(rows), row_height) + 6
    parts = _open(chart_id, height, title, desc)
    if not rows:
        parts.append(f'<text x="0" y="24" class="chart-empty">{escape(empty)}</text>')
    for i, (label, fraction, text) in enumerate(rows):
        y = 4 + i * row_height
        parts.append(f'<text x="0" y="{y + 12}" class="chart-label">{escape(_clip(label, 22))}'
                     f'</text>')
        parts.append(f'<rect x="0" y="{y + 17}" width="{track}" height="14" rx="3" '
                     f'class="chart-track"/>')
        if fraction:
            width = max(1.0, track * max(0.0, min(1.0, fraction)))
            parts.append(f'<rect x="0" y="{y + 17}" width="{width:.1f}" height="14" rx="3" '
                         f'class="chart-bar"><title>{escape(label)}：{escape(text)}</title>'
                         f'</rect>')
        parts.append(f'<text x="{WIDTH}" y="{y + 29}" text-anchor="end" class="chart-value">'
                     f'{escape(text)}</text>')
    parts.append("</svg>")
    # Safe: every text and label above went through escape().
    return Markup("".join(parts))  # nosec B704


def column_chart(chart_id, bins, *, title, desc="", unit=""):
    """Vertical bars (a histogram): bins of (label, count)."""
    height, left, bottom, top = 190, 30, 34, 16
    plot_w, plot_h = WIDTH - left - 4, height - bottom - top
    peak = max([count for _label, count in bins] + [1])
    slot = plot_w / max(len(bins), 1)
    parts = _open(chart_id, height, title, desc)
    parts.append(f'<line x1="{left}" y1="{top + plot_h}" x2="{WIDTH - 4}" y2="{top + plot_h}" '
                 f'class="chart-axis"/>')
    parts.append(f'<text x="{left - 4}" y="{top + 4}" text-anchor="end" class="chart-tick">'
                 f'{peak}</text>')
    parts.append(f'<text x="{left - 4}" y="{top + plot_h}" text-anchor="end" '
                 f'class="chart-tick">0</text>')
    for i, (label, count) in enumerate(bins):
        bar_h = plot_h * count / peak
        x = left + i * slot + slot * 0.15
        y = top + plot_h - bar_h
        parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{slot * 0.7:.1f}" '
                     f'height="{max(bar_h, 0):.1f}" class="chart-bar"><title>{escape(label)}'
                     f'{escape(unit)}：{count}</title></rect>')
        if count:
            parts.append(f'<text x="{x + slot * 0.35:.1f}" y="{y - 3:.1f}" text-anchor="middle" '
                         f'class="chart-tick">{count}</text>')
        parts.append(f'<text x="{x + slot * 0.35:.1f}" y="{top + plot_h + 14}" '
                     f'text-anchor="middle" class="chart-tick">{escape(label)}</text>')
    if unit:
        parts.append(f'<text x="{WIDTH - 4}" y="{height - 2}" text-anchor="end" '
                     f'class="chart-tick">{escape(unit)}</text>')
    parts.append("</svg>")
    # Safe: every text and label above went through escape().
    return Markup("".join(parts))  # nosec B704


def line_chart(chart_id, points, *, title, desc=""):
    """A 0–100 % line over time: points of (x label, fraction 0–1, tooltip text)."""
    height, left, bottom, top = 180, 34, 30, 12
    plot_w, plot_h = WIDTH - left - 8, height - bottom - top
    parts = _open(chart_id, height, title, desc)
    for share in (0.0, 0.5, 1.0):
        y = top + plot_h * (1 - share)
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{WIDTH - 8}" y2="{y:.1f}" '
                     f'class="chart-grid"/>')
        parts.append(f'<text x="{left - 4}" y="{y + 4:.1f}" text-anchor="end" '
                     f'class="chart-tick">{int(share * 100)}%</text>')
    if points:
        step = plot_w / max(len(points) - 1, 1)
        coords = [(left + i * step, top + plot_h * (1 - max(0.0, min(1.0, fraction))))
                  for i, (_label, fraction, _tip) in enumerate(points)]
        area = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
        parts.append(f'<polygon points="{left:.1f},{top + plot_h:.1f} {area} '
                     f'{coords[-1][0]:.1f},{top + plot_h:.1f}" class="chart-area"/>')
        parts.append(f'<polyline points="{area}" class="chart-line"/>')
        label_every = max(1, len(points) // 4)
        for i, ((x, y), (label, _fraction, tip)) in enumerate(zip(coords, points)):
            parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" class="chart-dot">'
                         f'<title>{escape(tip)}</title></circle>')
            if i % label_every == 0 or i == len(points) - 1:
                anchor = "end" if i == len(points) - 1 else ("start" if i == 0 else "middle")
                parts.append(f'<text x="{x:.1f}" y="{top + plot_h + 16}" text-anchor="{anchor}" '
                             f'class="chart-tick">{escape(label)}</text>')
    parts.append("</svg>")
    # Safe: every text and label above went through escape().
    return Markup("".join(parts))  # nosec B704
