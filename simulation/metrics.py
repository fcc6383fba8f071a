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


@dataclass
class Confusion:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0

    def add(self, predicted: bool, actual: bool) -> None:
        if predicted and actual:
            self.tp += 1
        elif predicted:
            self.fp += 1
        elif actual:
            self.fn += 1
        else:
            self.tn += 1

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
    total: int
    decisions: Counter[str]
    families: dict[str, Confusion]
    codes: dict[str, Confusion]
    overall: Confusion  # "should not simply be published" vs "was held or rejected"
    leak_rate: float | None  # abusive comments that were published
    clean_blocked_rate: float | None  # clean comments held or rejected
    labelled: int
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def held_share(self) -> float:
        return self.decisions.get("hold", 0) / self.total if self.total else 0.0

    @property
    def rejected_share(self) -> float:
        return self.decisions.get("reject", 0) / self.total if self.total else 0.0

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
            "families": {k: v.as_dict() for k, v in self.families.items()},
            # A code's recall would need ground truth per code (was it a threat?), which no stream has: its
            # recall and misses are left out, and its share of its family's catches is given instead.
            "codes": {
                k: {
                    **v.as_dict(),
                    "fn": None,
                    "tn": None,
                    "recall": None,
                    "share_of_family": (v.tp / family.tp)
                    if (family := self.families.get(family_of(k))) and family.tp
                    else None,
                }
                for k, v in self.codes.items()
            },
            **self.extra,
        }


def score(outcomes: Iterable[Outcome]) -> Report:
    items = list(outcomes)
    decisions: Counter[str] = Counter(o.decision for o in items)
    families = {f: Confusion() for f in FAMILIES}
    codes: dict[str, Confusion] = {}
    all_codes = sorted({c for o in items for c in o.reasons if family_of(c) in FAMILIES})
    overall = Confusion()
    abusive_total = abusive_published = 0
    clean_total = clean_blocked = 0
    labelled = 0
    for o in items:
        fired = {family_of(c) for c in o.reasons}
        for family in FAMILIES:
            actual = o.truth.has(family)
            if actual is not None:
                families[family].add(family in fired, actual)
        for code in all_codes:
            actual = o.truth.has(family_of(code))
            if actual is not None:
                codes.setdefault(code, Confusion()).add(code in o.reasons, actual)
        clean = o.truth.clean
        if clean is not None:
            labelled += 1
            overall.add(o.decision != "publish", not clean)
            if clean:
                clean_total += 1
                clean_blocked += o.decision != "publish"
        if o.truth.abusive:
            abusive_total += 1
            abusive_published += o.decision == "publish"
    return Report(
        total=len(items),
        decisions=decisions,
        families=families,
        codes=codes,
        overall=overall,
        leak_rate=abusive_published / abusive_total if abusive_total else None,
        clean_blocked_rate=clean_blocked / clean_total if clean_total else None,
        labelled=labelled,
    )


def _pct(value: float | None) -> str:
    return "   -  " if value is None else f"{value * 100:5.1f}%"


def format_report(report: Report, title: str = "") -> str:
    lines: list[str] = []
    if title:
        lines.append(title)
    d = report.decisions
    lines.append(
        f"comments: {report.total}   published {d.get('publish', 0)}   held {d.get('hold', 0)} "
        f"({_pct(report.held_share).strip()})   rejected {d.get('reject', 0)} ({_pct(report.rejected_share).strip()})"
    )
    lines.append(
        f"abusive published (leak rate): {_pct(report.leak_rate).strip()}   "
        f"clean comments held or rejected: {_pct(report.clean_blocked_rate).strip()}"
    )
    lines.append("")
    lines.append(f"{'reason':<22}{'fired':>7}{'TP':>6}{'FP':>6}{'FN':>6}{'precision':>11}{'recall':>9}")
    rows: Sequence[tuple[str, Confusion, bool]] = [
        *((name, c, True) for name, c in report.families.items()),
        # A single code's recall would only be its share of its family: left out.
        *((f"  {code}", c, False) for code, c in sorted(report.codes.items())),
    ]
    for name, c, whole in rows:
        recall = _pct(c.recall) if whole else ""
        misses = str(c.fn) if whole else ""
        lines.append(f"{name:<22}{c.tp + c.fp:>7}{c.tp:>6}{c.fp:>6}{misses:>6}{_pct(c.precision):>11}{recall:>9}")
    o = report.overall
    lines.append(
        f"{'any problem':<22}{o.tp + o.fp:>7}{o.tp:>6}{o.fp:>6}{o.fn:>6}{_pct(o.precision):>11}{_pct(o.recall):>9}"
    )
    return "\n".join(lines)
