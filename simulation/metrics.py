"""Score a policy's decisions against ground truth.

Each labelled comment has a truth (abusive? on-topic? spam?) and a decision with
reason codes. A reason family (``abusive``, ``off_topic``, ``spam``) "fires" when
any of its codes is among the decision's reasons; its precision is the share of
firings on comments that truly are that, its recall the share of such comments it
caught.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from moderation.reasons import JUDGED, Family, family_of

FAMILIES = tuple(family.value for family in JUDGED)


@dataclass(frozen=True)
class Truth:
    abusive: bool | None = None
    on_topic: bool | None = None
    spam: bool | None = None

    def has(self, family: str) -> bool | None:
        if family == Family.ABUSIVE:
            return self.abusive
        if family == Family.OFF_TOPIC:
            return None if self.on_topic is None else not self.on_topic
        if family == Family.SPAM:
            return self.spam
        raise ValueError(family)

    @property
    def clean(self) -> bool | None:
        """Neither abusive, off-topic nor spam: a comment that should simply be published."""
        values = [self.has(f) for f in FAMILIES]
        if any(v is None for v in values):
            return None if not any(values) else False
        return not any(values)


@dataclass(frozen=True)
class Outcome:
    decision: str  # publish / hold / reject
    reasons: tuple[str, ...]
    truth: Truth
    flagged: tuple[str, ...] = ()  # published, but listed for a moderator (likely off-topic)


@dataclass
class Confusion:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0

    def add(self, predicted: bool, actual: bool, times: int = 1) -> None:
        if predicted and actual:
            self.tp += times
        elif predicted:
            self.fp += times
        elif actual:
            self.fn += times
        else:
            self.tn += times

    @property
    def precision(self) -> float | None:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    @property
    def recall(self) -> float | None:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else None

    def as_dict(self) -> dict[str, Any]:
        return {
            "tp": self.tp,
            "fp": self.fp,
            "fn": self.fn,
            "tn": self.tn,
            "precision": self.precision,
            "recall": self.recall,
        }


@dataclass
class Report:
    """What a policy did to a stream, and how it measures against whatever the stream's labels say.

    Every figure is counted over the comments whose labels can support it, and is None (shown "unknown") when
    none can: a file labelled only for abuse says nothing about the off-topic check's precision, nor whether a
    comment not labelled abusive is clean. How often each reason fired is counted on every comment, whatever
    its labels.
    """

    total: int
    decisions: Counter[str]
    families: dict[str, Confusion]  # TP: held for that family; FN: not (published, or held for another reason)
    codes: dict[str, Confusion]
    overall: Confusion  # "should not simply be published" vs "was held or rejected", on fully labelled comments
    leak_rate: float | None  # abusive comments that were published
    clean_blocked_rate: float | None  # clean comments held or rejected
    labelled: int  # comments labelled for every family
    fired: dict[str, int] = field(default_factory=dict)  # each family: how often it fired, on any comment
    code_fired: dict[str, int] = field(default_factory=dict)  # each reason code: the same
    by_luck: dict[str, int] = field(default_factory=dict)  # truly that family, held only for another reason
    flagged: dict[str, int] = field(default_factory=dict)  # each family: published and flagged for it, any comment
    flag_caught: dict[str, int] = field(default_factory=dict)  # truly that family, published and flagged for it
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def held_share(self) -> float:
        return self.decisions.get("hold", 0) / self.total if self.total else 0.0

    @property
    def rejected_share(self) -> float:
        return self.decisions.get("reject", 0) / self.total if self.total else 0.0

    def caught_share(self, family: str) -> float | None:
        """Of the comments labelled as this family, the share held or rejected for it."""
        return self.families[family].recall

    def held_or_flagged_share(self, family: str) -> float | None:
        """Of the comments labelled as this family, the share held for it or published and flagged for it."""
        c = self.families[family]
        return (c.tp + self.flag_caught.get(family, 0)) / (c.tp + c.fn) if c.tp + c.fn else None

    def by_luck_share(self, family: str) -> float | None:
        """Of the comments labelled as this family, the share held or rejected only for another reason."""
        c = self.families[family]
        return self.by_luck.get(family, 0) / (c.tp + c.fn) if c.tp + c.fn else None

    def as_dict(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "labelled": self.labelled,
            "decisions": dict(self.decisions),
            "held_share": self.held_share,
            "rejected_share": self.rejected_share,
            "leak_rate": self.leak_rate,
            "clean_blocked_rate": self.clean_blocked_rate,
            "overall": self.overall.as_dict(),
            "families": {
                k: {
                    **v.as_dict(),
                    "fired": self.fired.get(k, 0),
                    "labelled": v.tp + v.fp + v.fn + v.tn,
                    "by_luck": self.by_luck.get(k, 0),
                    "by_luck_share": self.by_luck_share(k),
                    "flagged": self.flagged.get(k, 0),
                    "flag_caught": self.flag_caught.get(k, 0),
                    "held_or_flagged_share": self.held_or_flagged_share(k),
                }
                for k, v in self.families.items()
            },
            # A code's recall would need ground truth per code (was it a threat?), which no stream has: its
            # recall and misses are left out, and its share of its family's catches is given instead.
            "codes": {
                k: {
                    **v.as_dict(),
                    "fn": None,
                    "tn": None,
                    "recall": None,
                    "fired": self.code_fired.get(k, 0),
                    "share_of_family": (v.tp / family.tp)
                    if (family := self.families.get(family_of(k))) and family.tp
                    else None,
                }
                for k, v in self.codes.items()
            },
            **self.extra,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Report:
        """Back from ``as_dict`` (a report stored as JSON), for printing."""

        def confusion(v: dict[str, Any]) -> Confusion:
            return Confusion(v["tp"], v["fp"], v["fn"] or 0, v["tn"] or 0)

        families = data["families"]
        return cls(
            total=data["total"],
            decisions=Counter(data["decisions"]),
            families={k: confusion(v) for k, v in families.items()},
            codes={k: confusion(v) for k, v in data["codes"].items()},
            overall=confusion(data["overall"]),
            leak_rate=data["leak_rate"],
            clean_blocked_rate=data["clean_blocked_rate"],
            labelled=data["labelled"],
            fired={k: v.get("fired", v["tp"] + v["fp"]) for k, v in families.items()},
            code_fired={k: v.get("fired", v["tp"] + v["fp"]) for k, v in data["codes"].items()},
            by_luck={k: v.get("by_luck", 0) for k, v in families.items()},
            flagged={k: v.get("flagged", 0) for k, v in families.items()},
            flag_caught={k: v.get("flag_caught", 0) for k, v in families.items()},
        )


class Tally:
    """The counts behind a :class:`Report`, kept as outcomes stream by: a million comments cost what a thousand do.

    A stream repeats itself (the same decision, reasons and labels over and over), so each distinct outcome is
    counted once with how often it came, and the report is worked out from those counts at the end: the same
    figures, to the last digit, as going through every comment again.
    """

    def __init__(self) -> None:
        self.seen: Counter[Outcome] = Counter()

    def add(self, outcome: Outcome, times: int = 1) -> None:
        self.seen[outcome] += times

    def report(self) -> Report:
        seen = self.seen
        decisions: Counter[str] = Counter()
        families = {f: Confusion() for f in FAMILIES}
        fired: Counter[str] = Counter()
        code_fired: Counter[str] = Counter()
        code_hits: dict[str, list[int]] = {}  # code -> [on comments truly of its family, on the others]
        labelled_as: dict[str, list[int]] = {f: [0, 0] for f in FAMILIES}  # family -> [truly that, truly not]
        by_luck: Counter[str] = Counter()
        flagged: Counter[str] = Counter()
        flag_caught: Counter[str] = Counter()
        overall = Confusion()
        abusive_total = abusive_published = 0
        clean_total = clean_blocked = 0
        labelled = 0
        for o, n in seen.items():
            decisions[o.decision] += n
            held = o.decision != "publish"
            fired_here = {family_of(c) for c in o.reasons}
            flagged_here = {family_of(c) for c in o.flagged} - fired_here
            for f in flagged_here:
                if f in FAMILIES:
                    flagged[f] += n
            for f in fired_here:
                if f in FAMILIES:
                    fired[f] += n
            truths = {family: o.truth.has(family) for family in FAMILIES}
            for code in set(o.reasons):
                of = family_of(code)
                if of not in FAMILIES:
                    continue
                code_fired[code] += n
                hits = code_hits.setdefault(code, [0, 0])
                truly = truths[of]
                if truly is not None:
                    hits[0 if truly else 1] += n
            for family, actual in truths.items():
                if actual is None:
                    continue
                labelled_as[family][0 if actual else 1] += n
                families[family].add(family in fired_here, actual, n)
                if actual and held and family not in fired_here:
                    by_luck[family] += n
                if actual and not held and family in flagged_here:
                    flag_caught[family] += n
            if all(actual is not None for actual in truths.values()):  # only then is "clean" known
                labelled += n
                clean = not any(truths.values())
                overall.add(held, not clean, n)
                if clean:
                    clean_total += n
                    clean_blocked += n if held else 0
            if truths[Family.ABUSIVE]:
                abusive_total += n
                abusive_published += 0 if held else n
        # A code is judged on every comment labelled for its family, those it did not fire on too.
        codes: dict[str, Confusion] = {}
        for code in sorted(code_hits):
            positive, negative = labelled_as[family_of(code)]
            if positive + negative:
                tp, fp = code_hits[code]
                codes[code] = Confusion(tp, fp, positive - tp, negative - fp)
        return Report(
            total=sum(seen.values()),
            decisions=decisions,
            families=families,
            codes=codes,
            overall=overall,
            leak_rate=abusive_published / abusive_total if abusive_total else None,
            clean_blocked_rate=clean_blocked / clean_total if clean_total else None,
            labelled=labelled,
            fired=dict(fired),
            code_fired=dict(code_fired),
            by_luck=dict(by_luck),
            flagged=dict(flagged),
            flag_caught=dict(flag_caught),
        )


def score(outcomes: Iterable[Outcome]) -> Report:
    tally = Tally()
    for outcome in outcomes:
        tally.add(outcome)
    return tally.report()


def _pct(value: float | None) -> str:
    return "unknown" if value is None else f"{value * 100:.1f}%"


def format_report(report: Report, title: str = "") -> str:
    lines: list[str] = []
    if title:
        lines.append(title)
    d = report.decisions
    lines.append(
        f"comments: {report.total:,}   published {d.get('publish', 0):,}   held {d.get('hold', 0):,} "
        f"({_pct(report.held_share)})   rejected {d.get('reject', 0):,} ({_pct(report.rejected_share)})"
    )
    abusive = report.families[Family.ABUSIVE]
    if abusive.tp + abusive.fn:
        lines.append(
            f"abusive comments ({abusive.tp + abusive.fn:,} labelled): published {_pct(report.leak_rate)} (leak rate),"
            f" held as abusive {_pct(report.caught_share(Family.ABUSIVE))},"
            f" held only for another reason {_pct(report.by_luck_share(Family.ABUSIVE))} (by luck)"
        )
    else:
        lines.append("abusive comments: none labelled abusive, so the leak rate is unknown")
    lines.append(
        f"clean comments held or rejected: {_pct(report.clean_blocked_rate)}"
        + ("" if report.labelled else " (no comment is labelled for every problem, so none is known to be clean)")
    )
    for family, count in sorted(report.flagged.items()):
        share = report.held_or_flagged_share(family)
        lines.append(
            f"published and flagged for moderators as {family}: {count:,}"
            + ("" if share is None else f"   (of those labelled {family}, held or flagged for it: {_pct(share)})")
        )
    lines.append("")
    head = ("reason", "fired", "labelled", "TP", "FP", "FN", "by luck", "precision", "recall")
    rows: list[tuple[str, ...]] = []

    def known(c: Confusion, value: int) -> str:
        return f"{value:,}" if c.tp + c.fp + c.fn + c.tn else "-"

    for name, c in report.families.items():
        n = c.tp + c.fp + c.fn + c.tn
        rows.append((
            name, f"{report.fired.get(name, 0):,}", f"{n:,}", known(c, c.tp), known(c, c.fp), known(c, c.fn),
            known(c, report.by_luck.get(name, 0)), _pct(c.precision), _pct(c.recall),
        ))  # fmt: skip
        # A single code's recall would only be its share of its family: left out.
        for code, cc in sorted(report.codes.items()):
            if family_of(code) == name:
                rows.append((
                    f"  {code}", f"{report.code_fired.get(code, 0):,}", "", known(cc, cc.tp), known(cc, cc.fp), "",
                    "", _pct(cc.precision), "",
                ))  # fmt: skip
    o = report.overall
    rows.append((
        "any problem", f"{d.get('hold', 0) + d.get('reject', 0):,}", f"{report.labelled:,}", known(o, o.tp),
        known(o, o.fp), known(o, o.fn), "", _pct(o.precision), _pct(o.recall),
    ))  # fmt: skip
    lines.extend(table(head, rows))
    return "\n".join(lines)


def table(head: Sequence[str], rows: Iterable[Sequence[str]], *, left: bool = True) -> list[str]:
    """Lines of a table, each column as wide as its widest cell and two spaces from the next, so figures of any
    size (``1,000,000``) never run into each other: the first column to the left (unless ``left`` is False),
    the others to the right."""
    lines = [tuple(head), *(tuple(row) for row in rows)]
    widths = [max(len(row[i]) for row in lines) for i in range(len(head))]
    first = "<" if left else ">"
    return [
        (
            f"{row[0]:{first}{widths[0]}}"
            + "".join(f"{cell:>{width + 2}}" for cell, width in zip(row[1:], widths[1:], strict=True))
        ).rstrip()
        for row in lines
    ]
