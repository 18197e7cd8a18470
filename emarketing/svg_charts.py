"""Bar charts drawn on the server as SVG: for pages and documents that run no script (the PDF reports).

The dashboards in the browser draw with Chart.js; a PDF cannot. One small drawer, no library: grouped vertical bars
with their values written above them, the labels under them, a legend when there is more than one series. For
right-to-left languages the bars run from the right, as the reader reads; numbers are written in the reader's
digits (``emarketing.digits.localize_digits``). Every text is escaped.
"""

from collections.abc import Sequence
from decimal import Decimal

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from emarketing.digits import localize_digits

WIDTH, HEIGHT = 640, 260
TOP, BOTTOM, SIDE = 24, 56, 16
COLOURS = ("#2563eb", "#f59e0b", "#10b981", "#ef4444", "#8b5cf6")
LABEL_CHARS = 18

Number = int | float | Decimal | None


def _short(text: str) -> str:
    return text if len(text) <= LABEL_CHARS else text[: LABEL_CHARS - 1] + "…"


def _value_text(value: Number, language: str, suffix: str) -> str:
    if value is None:
        return "—"
    number = float(value)
    text = f"{number:,.0f}" if number == int(number) or abs(number) >= 100 else f"{number:,.2f}"
    return str(localize_digits(text + suffix, language))


def bar_chart(
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[Number]]],
    *,
    title: str,
    language: str = "en",
    rtl: bool = False,
    suffix: str = "",
) -> SafeString:
    """An SVG of grouped bars: one group per label, one bar per series; ``suffix`` follows each value ("%")."""
    values = [float(v) for _name, data in series for v in data if v is not None]
    top = max([*values, 0.0]) or 1.0
    legend = len(series) > 1
    plot_h = HEIGHT - TOP - BOTTOM - (18 if legend else 0)
    group_w = (WIDTH - 2 * SIDE) / max(len(labels), 1)
    bar_w = group_w * 0.7 / max(len(series), 1)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" '
        f'height="{HEIGHT}" role="img" aria-label="{escape(title)}" font-size="11">',
        f'<line x1="{SIDE}" y1="{TOP + plot_h}" x2="{WIDTH - SIDE}" y2="{TOP + plot_h}" stroke="#9ca3af"/>',
    ]
    for i, label in enumerate(labels):
        slot = len(labels) - 1 - i if rtl else i
        left = SIDE + slot * group_w + group_w * 0.15
        for j, (_name, data) in enumerate(series):
            value = data[i] if i < len(data) else None
            height = 0.0 if value is None else max(float(value), 0.0) / top * plot_h
            k = len(series) - 1 - j if rtl else j
            x = left + k * bar_w
            y = TOP + plot_h - height
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w * 0.92:.1f}" height="{height:.1f}" '
                f'fill="{COLOURS[j % len(COLOURS)]}"/>'
            )
            parts.append(
                f'<text x="{x + bar_w * 0.46:.1f}" y="{y - 4:.1f}" text-anchor="middle" font-size="9">'
                f"{escape(_value_text(value, language, suffix))}</text>"
            )
        parts.append(
            f'<text x="{SIDE + slot * group_w + group_w / 2:.1f}" y="{TOP + plot_h + 16}" text-anchor="middle">'
            f"{escape(_short(str(label)))}</text>"
        )
    if legend:
        step = (WIDTH - 2 * SIDE) / len(series)
        for j, (name, _data) in enumerate(series):
            k = len(series) - 1 - j if rtl else j
            x = SIDE + k * step
            parts.append(f'<rect x="{x:.1f}" y="{HEIGHT - 16}" width="10" height="10" fill="{COLOURS[j % 5]}"/>')
            parts.append(f'<text x="{x + 14:.1f}" y="{HEIGHT - 7}">{escape(_short(str(name)))}</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308  (every text above is escaped)
