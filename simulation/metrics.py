"""Score a policy's decisions against ground truth.

Each labelled comment has a truth (abusive? on-topic? spam?) and a decision with
reason codes. A reason family (``abusive``, ``off_topic``, ``spam``) "fires" when
any of its codes is among the decision's reasons; its precision is the share of
firings on comments that truly are that, its recall the share of such comments it
caught.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
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


def score(outcomes: Iterable[Outcome]) -> Report:
    items = list(outcomes)
    decisions: Counter[str] = Counter(o.decision for o in items)
    families = {f: Confusion() for f in FAMILIES}
    codes: dict[str, Confusion] = {}
    all_codes = sorted({c for o in items for c in o.reasons if family_of(c) in FAMILIES})
    fired: Counter[str] = Counter()
    code_fired: Counter[str] = Counter()
    by_luck: Counter[str] = Counter()
    flagged: Counter[str] = Counter()
    flag_caught: Counter[str] = Counter()
    overall = Confusion()
    abusive_total = abusive_published = 0
    clean_total = clean_blocked = 0
    labelled = 0
    for o in items:
        held = o.decision != "publish"
        fired_here = {family_of(c) for c in o.reasons}
        flagged_here = {family_of(c) for c in o.flagged} - fired_here
        flagged.update(f for f in flagged_here if f in FAMILIES)
        fired.update(f for f in fired_here if f in FAMILIES)
        code_fired.update(c for c in set(o.reasons) if family_of(c) in FAMILIES)
        truths = {family: o.truth.has(family) for family in FAMILIES}
        for family, actual in truths.items():
            if actual is None:
                continue
            families[family].add(family in fired_here, actual)
            if actual and held and family not in fired_here:
                by_luck[family] += 1
            if actual and not held and family in flagged_here:
                flag_caught[family] += 1
        for code in all_codes:
            actual = truths[family_of(code)]
            if actual is not None:
                codes.setdefault(code, Confusion()).add(code in o.reasons, actual)
        if all(actual is not None for actual in truths.values()):  # only then is "clean" known
            labelled += 1
            clean = not any(truths.values())
            overall.add(held, not clean)
            if clean:
                clean_total += 1
                clean_blocked += held
        if truths[Family.ABUSIVE]:
            abusive_total += 1
            abusive_published += not held
    return Report(
        total=len(items),
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
    head = ("fired", "labelled", "TP", "FP", "FN", "by luck", "precision", "recall")
    widths = (9, 10, 8, 8, 8, 9, 11, 9)
    lines.append(f"{'reason':<22}" + "".join(f"{h:>{w}}" for h, w in zip(head, widths, strict=True)))

    def row(name: str, cells: tuple[str, ...]) -> str:
        return f"{name:<22}" + "".join(f"{c:>{w}}" for c, w in zip(cells, widths, strict=True))

    def known(c: Confusion, value: int) -> str:
        return f"{value:,}" if c.tp + c.fp + c.fn + c.tn else "-"

    for name, c in report.families.items():
        n = c.tp + c.fp + c.fn + c.tn
        cells = (
            f"{report.fired.get(name, 0):,}", f"{n:,}", known(c, c.tp), known(c, c.fp), known(c, c.fn),
            known(c, report.by_luck.get(name, 0)), _pct(c.precision), _pct(c.recall),
        )  # fmt: skip
        lines.append(row(name, cells))
        # A single code's recall would only be its share of its family: left out.
        for code, cc in sorted(report.codes.items()):
            if family_of(code) == name:
                cells = (
                    f"{report.code_fired.get(code, 0):,}", "", known(cc, cc.tp), known(cc, cc.fp), "", "",
                    _pct(cc.precision), "",
                )  # fmt: skip
                lines.append(row(f"  {code}", cells))
    o = report.overall
    cells = (
        f"{d.get('hold', 0) + d.get('reject', 0):,}", f"{report.labelled:,}", known(o, o.tp), known(o, o.fp),
        known(o, o.fn), "",
        _pct(o.precision), _pct(o.recall),
    )  # fmt: skip
    lines.append(row("any problem", cells))
    return "\n".join(lines)
