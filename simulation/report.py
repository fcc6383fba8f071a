"""The simulation report: what the policy did to the stream, and what it costs moderators."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any

from simulation.metrics import Tally, format_report, table
from simulation.pipeline import Decision
from simulation.queueing import QueueModel

HOUR = 3600.0


class ReportBuilder:
    """The report, built as the decisions stream by: running counts and bounded samples, nothing kept per
    comment (``metrics.Tally``, ``queueing.QueueModel``), so memory stays flat at any size.

    The figures are those of going over every decision at the end, except past 100,000 held comments,
    where the median and 90th percentile waits are read from a uniform sample of 100,000 of them
    (``queueing.Sample``): the report says so (``waits_sampled``)."""

    def __init__(self, *, moderators: int, review_seconds: float, label: str = "") -> None:
        self.label = label
        self.tally = Tally()
        self.queue = QueueModel(moderators=moderators, review_seconds=review_seconds, step=HOUR)
        self.personas: Counter[tuple[str, str]] = Counter()
        self.arrivals_per_hour: Counter[int] = Counter()
        self.held_per_hour: Counter[int] = Counter()
        self.span = 0.0

    def add(self, decision: Decision) -> None:
        item, verdict = decision.item, decision.verdict
        action = verdict.action.value
        self.tally.add(decision.outcome)
        self.personas[item.persona or "-", action] += 1
        hour = int(item.at // HOUR)
        self.arrivals_per_hour[hour] += 1
        self.span = max(self.span, item.at)
        if action == "hold":
            self.held_per_hour[hour] += 1
            self.queue.add(item.at, clean=item.truth.clean)

    def report(self) -> dict[str, Any]:
        personas: dict[str, dict[str, int]] = {}
        for (name, action), count in sorted(self.personas.items()):
            personas.setdefault(name, {})[action] = count
        return {
            "label": self.label,
            **self.tally.report().as_dict(),
            "personas": personas,
            "volume": [
                {"hour": h, "comments": self.arrivals_per_hour.get(h, 0), "held": self.held_per_hour.get(h, 0)}
                for h in range(int(self.span // HOUR) + 1)
            ],
            "workload": workload(self.queue),
        }


def build_report(
    decisions: Iterable[Decision], *, moderators: int, review_seconds: float, label: str = ""
) -> dict[str, Any]:
    builder = ReportBuilder(moderators=moderators, review_seconds=review_seconds, label=label)
    for decision in decisions:
        builder.add(decision)
    return builder.report()


def workload(queue: QueueModel) -> dict[str, Any]:
    timeline = queue.timeline()
    median = queue.waits.median()
    to_publish = queue.approved_waits.median()
    return {
        "moderators": queue.moderators,
        "review_seconds": queue.review_seconds,
        "held": queue.held,
        "moderator_hours": round(queue.held * queue.review_seconds / 3600, 2),
        "max_backlog": max((row["backlog"] for row in timeline), default=0),
        "wait_median_minutes": round(median / 60, 1) if median is not None else 0.0,
        "wait_p90_minutes": round(queue.waits.percentile(0.9) / 60, 1),
        # Unknown (None) when no held comment is known to be clean: the labels must say so.
        "time_to_publish_median_minutes": round(to_publish / 60, 1) if to_publish is not None else None,
        # Past 100,000 held comments the percentiles above come from a uniform sample of them.
        "waits_sampled": not queue.waits.exact,
        "timeline": [
            {**row, "start_hour": row["start"] / HOUR, "mean_wait_minutes": row["mean_wait"] / 60} for row in timeline
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
    lines.extend(
        table(
            ("persona", "publish", "hold", "reject"),
            ((name, *(f"{counts.get(k, 0):,}" for k in ("publish", "hold", "reject")))
             for name, counts in report["personas"].items()),
        )
    )  # fmt: skip
    w = report["workload"]
    to_publish = w["time_to_publish_median_minutes"]
    publish_wait = "unknown" if to_publish is None else duration(to_publish * 60)
    lines.append("")
    lines.append(
        f"moderators: {w['moderators']:,} at {w['review_seconds']:.0f}s a comment -> {w['held']:,} held comments, "
        f"{w['moderator_hours']:,} moderator-hours"
    )
    lines.append(
        f"wait for a decision: median {duration(w['wait_median_minutes'] * 60)}, "
        f"90th percentile {duration(w['wait_p90_minutes'] * 60)}; "
        f"time-to-publish of clean held comments: median {publish_wait}; "
        f"largest backlog {w['max_backlog']:,}"
        + (" (percentiles from a uniform sample of 100,000 held comments)" if w.get("waits_sampled") else "")
    )
    hours = report["volume"]
    if not verbose:
        busiest = max(hours, key=lambda row: row["comments"], default=None)
        if busiest is not None:
            lines.append(
                f"{len(hours):,} hours of traffic, busiest hour {busiest['hour']:,} with {busiest['comments']:,} comments "
                "(hour by hour: --verbose)"
            )
        return "\n".join(lines)
    lines.append("")
    timeline = {int(row["start_hour"]): row for row in w["timeline"]}
    rows = []
    for row in hours:
        q = timeline.get(row["hour"], {})
        rows.append((
            f"{row['hour']:,}", f"{row['comments']:,}", f"{row['held']:,}", f"{q.get('backlog', 0):,}",
            duration(q.get("mean_wait_minutes", 0.0) * 60),
        ))  # fmt: skip
    lines.extend(table(("hour", "comments", "held", "backlog", "mean wait"), rows, left=False))
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
    return "\n".join(table(("", a["label"], b["label"], "change"), comparison_rows(a, b)))
