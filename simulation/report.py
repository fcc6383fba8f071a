"""The simulation report: what the policy did to the stream, and what it costs moderators."""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

from simulation.metrics import format_report, score
from simulation.pipeline import Decision
from simulation.queueing import QueueResult, percentile, simulate_queue

HOUR = 3600.0


def build_report(
    decisions: Sequence[Decision], *, moderators: int, review_seconds: float, label: str = ""
) -> dict[str, Any]:
    metrics = score(d.outcome for d in decisions)
    held = [d for d in decisions if d.verdict.action.value == "hold"]
    queue = simulate_queue([d.item.at for d in held], moderators=moderators, review_seconds=review_seconds)
    approved_waits = [
        wait for d, wait in zip(sorted(held, key=lambda d: d.item.at), queue.waits, strict=True) if d.item.truth.clean
    ]
    personas: dict[str, Counter[str]] = {}
    for d in decisions:
        personas.setdefault(d.item.persona or "-", Counter())[d.verdict.action.value] += 1
    span = max((d.item.at for d in decisions), default=0.0)
    arrivals_per_hour = Counter(int(d.item.at // HOUR) for d in decisions)
    held_per_hour = Counter(int(d.item.at // HOUR) for d in held)
    return {
        "label": label,
        **metrics.as_dict(),
        "personas": {name: dict(counts) for name, counts in sorted(personas.items())},
        "volume": [
            {"hour": h, "comments": arrivals_per_hour.get(h, 0), "held": held_per_hour.get(h, 0)}
            for h in range(int(span // HOUR) + 1)
        ],
        "workload": workload(queue, approved_waits),
    }


def workload(queue: QueueResult, approved_waits: list[float]) -> dict[str, Any]:
    waits = list(queue.waits)
    return {
        "moderators": queue.moderators,
        "review_seconds": queue.review_seconds,
        "held": len(waits),
        "moderator_hours": round(queue.moderator_hours, 2),
        "max_backlog": max((row["backlog"] for row in queue.timeline(HOUR)), default=0),
        "wait_median_minutes": round(statistics.median(waits) / 60, 1) if waits else 0.0,
        "wait_p90_minutes": round(percentile(waits, 0.9) / 60, 1),
        # Unknown (None) when no held comment is known to be clean: the labels must say so.
        "time_to_publish_median_minutes": round(statistics.median(approved_waits) / 60, 1) if approved_waits else None,
        "timeline": [
            {**row, "start_hour": row["start"] / HOUR, "mean_wait_minutes": row["mean_wait"] / 60}
            for row in queue.timeline(HOUR)
        ],
    }


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.1f}%"


def duration(seconds: float) -> str:
    """A time in the unit a person reads it in: "40 s", "12 min", "3.5 h", "2.4 days"."""
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 90 * 60:
        return f"{seconds / 60:.0f} min"
    if seconds < 36 * 3600:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} days"


def format_text(report: dict[str, Any], *, verbose: bool = False) -> str:
    """Tables for the terminal; the hour-by-hour one only when asked (``--verbose``)."""
    from simulation.metrics import Report

    metrics = Report.from_dict(report)
    lines = [format_report(metrics, title=report.get("label", ""))]
    lines.append("")
    lines.append(f"{'persona':<18}{'publish':>11}{'hold':>11}{'reject':>11}")
    for name, counts in report["personas"].items():
        cells = "".join(f"{counts.get(k, 0):>11,}" for k in ("publish", "hold", "reject"))
        lines.append(f"{name:<18}{cells}")
    w = report["workload"]
    to_publish = w["time_to_publish_median_minutes"]
    publish_wait = "unknown" if to_publish is None else duration(to_publish * 60)
    lines.append("")
    lines.append(
        f"moderators: {w['moderators']} at {w['review_seconds']:.0f}s a comment -> {w['held']} held comments, "
        f"{w['moderator_hours']} moderator-hours"
    )
    lines.append(
        f"wait for a decision: median {duration(w['wait_median_minutes'] * 60)}, "
        f"90th percentile {duration(w['wait_p90_minutes'] * 60)}; "
        f"time-to-publish of clean held comments: median {publish_wait}; "
        f"largest backlog {w['max_backlog']}"
    )
    hours = report["volume"]
    if not verbose:
        busiest = max(hours, key=lambda row: row["comments"], default=None)
        if busiest is not None:
            lines.append(
                f"{len(hours)} hours of traffic, busiest hour {busiest['hour']} with {busiest['comments']} comments "
                "(hour by hour: --verbose)"
            )
        return "\n".join(lines)
    lines.append("")
    lines.append(f"{'hour':>5}{'comments':>10}{'held':>8}{'backlog':>9}{'mean wait':>12}")
    timeline = {int(row["start_hour"]): row for row in w["timeline"]}
    for row in hours:
        q = timeline.get(row["hour"], {})
        lines.append(
            f"{row['hour']:>5}{row['comments']:>10,}{row['held']:>8,}{q.get('backlog', 0):>9,}"
            f"{duration(q.get('mean_wait_minutes', 0.0) * 60):>12}"
        )
    return "\n".join(lines)


def comparison_rows(a: dict[str, Any], b: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """(measure, policy a, policy b, change) for the side-by-side table, as text."""
    rows: list[tuple[str, Callable[[dict[str, Any]], Any], str]] = [
        ("published", lambda r: r["decisions"].get("publish", 0), "{:,}"),
        ("held", lambda r: r["decisions"].get("hold", 0), "{:,}"),
        ("rejected", lambda r: r["decisions"].get("reject", 0), "{:,}"),
        ("held share", lambda r: r["held_share"], "pct"),
        ("leak rate (abusive published)", lambda r: r["leak_rate"], "pct"),
        ("clean held or rejected", lambda r: r["clean_blocked_rate"], "pct"),
        ("abusive precision", lambda r: r["families"]["abusive"]["precision"], "pct"),
        ("abusive recall", lambda r: r["families"]["abusive"]["recall"], "pct"),
        ("off-topic precision", lambda r: r["families"]["off_topic"]["precision"], "pct"),
        ("off-topic recall", lambda r: r["families"]["off_topic"]["recall"], "pct"),
        ("spam precision", lambda r: r["families"]["spam"]["precision"], "pct"),
        ("spam recall", lambda r: r["families"]["spam"]["recall"], "pct"),
        ("moderator hours", lambda r: r["workload"]["moderator_hours"], "{:.2f}"),
        ("median wait", lambda r: r["workload"]["wait_median_minutes"] * 60, "duration"),
        ("largest backlog", lambda r: r["workload"]["max_backlog"], "{:,}"),
    ]
    table = []
    for name, get, fmt in rows:
        va, vb = get(a), get(b)

        def show(v: Any, fmt: str = fmt) -> str:
            if v is None:
                return "unknown"
            if fmt == "duration":
                return duration(v)
            return _pct(v) if fmt == "pct" else fmt.format(v)

        if va is None or vb is None:
            change = "-"
        elif fmt == "pct":
            change = f"{(vb - va) * 100:+.1f} pt"
        elif fmt == "duration":
            change = ("+" if vb >= va else "-") + duration(abs(vb - va))
        else:
            change = f"{vb - va:+.2f}" if isinstance(va, float) else f"{vb - va:+,}"
        table.append((name, show(va), show(vb), change))
    return table


def format_comparison(a: dict[str, Any], b: dict[str, Any]) -> str:
    width = max(len(a["label"]), len(b["label"]), 12) + 2
    lines = [f"{'':<32}{a['label']:>{width}}{b['label']:>{width}}{'change':>12}"]
    for name, va, vb, change in comparison_rows(a, b):
        lines.append(f"{name:<32}{va:>{width}}{vb:>{width}}{change:>12}")
    return "\n".join(lines)
