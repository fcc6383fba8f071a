"""Small SVG line charts drawn on the server: no JavaScript, no third-party code, CSP-safe."""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

WIDTH, HEIGHT, PAD = 640, 220, 40


def line_chart(points: Sequence[tuple[float, float]], *, title: str, x_label: str, y_label: str) -> SafeString:
    if not points:
        return format_html("<p>{}</p>", "Nothing to chart.")
    xs = [x for x, _ in points]
    ys = [y for _, y in points]
    x_max = max(xs) or 1.0
    y_max = max(ys) or 1.0

    def sx(x: float) -> float:
        return PAD + (WIDTH - 2 * PAD) * (x / x_max)

    def sy(y: float) -> float:
        return HEIGHT - PAD - (HEIGHT - 2 * PAD) * (y / y_max)

    path = " ".join(f"{sx(x):.1f},{sy(y):.1f}" for x, y in points)
    ticks = format_html_join(
        "",
        '<text x="{}" y="{}" font-size="11" text-anchor="end" fill="#555">{}</text>',
        ((PAD - 4, f"{sy(v):.1f}", f"{v:.0f}" if y_max >= 10 else f"{v:.1f}") for v in (0, y_max / 2, y_max)),
    )
    return format_html(
        '<figure class="nr-chart"><svg viewBox="0 0 {w} {h}" width="100%" role="img" aria-label="{title}">'
        '<line x1="{p}" y1="{b}" x2="{r}" y2="{b}" stroke="#888"/>'
        '<line x1="{p}" y1="{p}" x2="{p}" y2="{b}" stroke="#888"/>'
        "{ticks}"
        '<polyline fill="none" stroke="#b3261e" stroke-width="2" points="{path}"/>'
        '<text x="{cx}" y="{h2}" font-size="12" text-anchor="middle" fill="#333">{x_label} (0 to {x_max})</text>'
        '<text x="12" y="{cy}" font-size="12" fill="#333" transform="rotate(-90 12 {cy})" text-anchor="middle">'
        "{y_label}</text></svg><figcaption>{title}</figcaption></figure>",
        w=WIDTH,
        h=HEIGHT,
        p=PAD,
        b=HEIGHT - PAD,
        r=WIDTH - PAD,
        ticks=ticks,
        path=path,
        cx=WIDTH / 2,
        h2=HEIGHT - 8,
        cy=HEIGHT / 2,
        x_label=x_label,
        x_max=f"{x_max:.0f}",
        y_label=y_label,
        title=title,
    )
