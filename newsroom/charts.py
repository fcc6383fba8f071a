"""Line charts for the staff pages, drawn on the server by pygal as SVG.

Each chart is an ``<img>`` of a ``data:`` SVG: pygal's own styles live inside the
image, so the page's strict Content-Security-Policy (no inline style or script)
holds, and there is no JavaScript at all (pygal's tooltips script is turned off;
by default it would be fetched from a CDN).
"""

from __future__ import annotations

import base64
import re
from collections.abc import Sequence

import pygal
from django.utils.html import format_html
from django.utils.safestring import SafeString
from pygal.style import Style

SCRIPT_RE = re.compile(r"<script\b[^>]*>.*?</script>", re.S)
STYLE = Style(
    background="#ffffff",
    plot_background="#ffffff",
    foreground="#333333",
    foreground_strong="#111111",
    foreground_subtle="#d0d0d0",
    colors=("#b3261e",),
    font_family="system-ui, sans-serif",
    label_font_size=12,
    major_label_font_size=12,
    title_font_size=15,
)


def line_chart(points: Sequence[tuple[float, float]], *, title: str, x_label: str, y_label: str) -> SafeString:
    if not points:
        return format_html("<p>{}</p>", "Nothing to chart.")
    chart = pygal.XY(
        style=STYLE, width=760, height=300, show_legend=False, js=[], disable_xml_declaration=True,
        x_title=x_label, y_title=y_label, show_x_guides=True, show_y_guides=True, dots_size=2,
        include_x_axis=True, x_labels_major_count=8, show_minor_x_labels=False, truncate_label=-1,
        value_formatter=lambda v: f"{v:,.1f}", x_value_formatter=lambda v: f"{v:,.0f}",
    )  # fmt: skip
    chart.add(y_label, [(float(x), float(y)) for x, y in points])
    # pygal writes its tooltip configuration as a script even with no tooltip code; an image never runs
    # scripts, and none is wanted in the page's source either.
    svg = SCRIPT_RE.sub("", chart.render(is_unicode=True))
    encoded = base64.b64encode(svg.encode()).decode("ascii")
    low, high = min(y for _, y in points), max(y for _, y in points)
    summary = f"{title}: from {low:,.1f} to {high:,.1f} {y_label} over {len(points)} points"
    return format_html(
        '<figure class="nr-chart"><img src="data:image/svg+xml;base64,{}" alt="{}" width="760" height="300">'
        "<figcaption>{}</figcaption></figure>",
        encoded, summary, title,
    )  # fmt: skip
