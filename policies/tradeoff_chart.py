"""The trade-off curve of ``policies.shares.tradeoff`` drawn for the staff pages (the policy lab, the quality page).

Kept apart from ``shares``, which every post reaches when it builds the live policy: only the pages that draw the
curve load the charting library.
"""

from __future__ import annotations

import base64
from collections.abc import Callable

import pygal
from django.utils.html import format_html
from django.utils.safestring import SafeString
from pygal.style import Style

from newsroom.charts import SCRIPT_RE, STYLE
from policies.shares import Point, Row, Tradeoff, as_percent


def tradeoff_chart(curve: Tradeoff) -> SafeString:
    """The curve as an ``<img>`` of an SVG, as ``newsroom.charts`` draws every staff chart: clean comments held
    (x) against abusive ones caught (y), per set, the live policy's points marked. The page's table holds
    the same numbers for those who cannot see it."""
    style = Style(**{**STYLE.to_dict(), "colors": ("#1f5f99", "#b3261e", "#111111")})
    chart = pygal.XY(
        style=style, width=760, height=360, js=[], disable_xml_declaration=True, legend_at_bottom=True,
        x_title="clean comments held, %", y_title="abusive comments caught, %", show_x_guides=True,
        show_y_guides=True, dots_size=3, range=(0, 100), xrange=(0, 100), truncate_legend=-1,
        value_formatter=lambda v: f"{v:,.1f}", x_value_formatter=lambda v: f"{v:,.0f}",
    )  # fmt: skip

    def points(series: Callable[[Row], Point]) -> list[tuple[float, float]]:
        found = [series(row) for row in curve.rows]
        return [
            (p.clean_held * 100, p.abuse_caught * 100)
            for p in found
            if p.clean_held is not None and p.abuse_caught is not None
        ]

    # Every series is added, an empty one too, so each keeps its colour (and its place in the legend).
    chart.add("This site's decisions", points(lambda row: row.site))
    chart.add("Public test sets", points(lambda row: row.public))
    live = curve.live_row
    marks = [
        (p.clean_held * 100, p.abuse_caught * 100)
        for p in (live.site, live.public)
        if p.clean_held is not None and p.abuse_caught is not None
    ]
    chart.add("The live policy", marks, stroke=False, dots_size=7)
    svg = SCRIPT_RE.sub("", chart.render(is_unicode=True))
    encoded = base64.b64encode(svg.encode()).decode("ascii")
    title = "Clean comments held against abusive comments caught, at each hold level of the learned model"
    summary = f"{title}. The live policy holds at {live.threshold:.3f}: " + "; ".join(
        f"{name} {as_percent(p.clean_held)} of clean held, {as_percent(p.abuse_caught)} of abusive caught"
        for name, p in (("on this site's decisions", live.site), ("on the public test sets", live.public))
        if p.clean_held is not None and p.abuse_caught is not None
    )
    return format_html(
        '<figure class="nr-chart" id="tradeoff-chart"><img src="data:image/svg+xml;base64,{}" alt="{}" width="760" '
        'height="360"><figcaption>{}</figcaption></figure>',
        encoded, summary, title,
    )  # fmt: skip
