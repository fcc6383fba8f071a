"""How well the off-topic check separates related from unrelated comments, and its calibration.

    .venv/bin/python bench/topic.py [--data ../shared/data/abuse/olid2019.jsonl] [--seed 0]

We have no public set of news comments paired with their articles, so this builds
one from real posts nobody here wrote: OLID 2019 tweets grouped by topic hashtag
(Kavanaugh, guns, Brexit, #MeToo, antifa, QAnon, Canadian politics). For each
topic, half its posts play the article (25 posts) and the conversation (the rest);
each post of the other half is a genuine probe, and as many posts drawn from the
other topics are foreign probes (hashtags, mentions and links removed). The
logistic map from evidence ratio to probability is fitted on the even-numbered
topics and measured on the others: these are the figures behind
``topic.CALIBRATION``. Then the labelled set in ``tests/data/eval_seed.txt``
(written here, so kinder to the check) for comparison.
"""

from __future__ import annotations

import argparse
import collections
import json
import random
import re
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import _results  # noqa: E402
import numpy as np  # noqa: E402

from moderation import Conversation, Policy, topic  # noqa: E402
from moderation.normalize import fold  # noqa: E402
from moderation.training import roc_auc  # noqa: E402

GROUPS = {
    "kavanaugh": {"kavanaugh", "confirmkavanaugh", "christineblaseyford", "kavanaughconfirmation", "stopkavanaugh"},
    "brexit": {"brexit", "tories", "labour", "ge2017", "theresamay", "brexitshambles"},
    "guns": {"2a", "guncontrol", "nra", "secondamendment", "gunsense"},
    "metoo": {"metoo", "believesurvivors", "timesup"},
    "antifa": {"antifa"},
    "qanon": {"qanon", "wwg1wga", "greatawakening"},
    "canada": {"cdnpoli", "onpoli", "trudeau"},
}


def _clean(text: str) -> str:
    return " ".join(re.sub(r"@USER|URL|#", "", text).split())


def probes(path: Path, seed: int) -> list[tuple[str, str, dict[str, int], str, bool]]:
    """(topic, article, conversation, probe, is_off_topic) for every probe."""
    by_topic: dict[str, list[str]] = collections.defaultdict(list)
    for line in path.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        tags = {t.lower() for t in re.findall(r"#(\w+)", record["text"])}
        hits = [name for name, group in GROUPS.items() if tags & group]
        if len(hits) == 1:
            by_topic[hits[0]].append(_clean(record["text"]))
    rng = random.Random(seed)
    for texts in by_topic.values():
        rng.shuffle(texts)
    cases = []
    for name, texts in sorted(by_topic.items()):
        context, own = texts[: len(texts) // 2], texts[len(texts) // 2 :]
        article = " ".join(context[:25])
        conversation = Conversation(context[25:]).snapshot()
        others = [t for other, v in sorted(by_topic.items()) if other != name for t in v[len(v) // 2 :]]
        cases += [(name, article, conversation, text, False) for text in own]
        cases += [(name, article, conversation, text, True) for text in rng.sample(others, min(len(own), len(others)))]
    return cases


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "abuse" / "olid2019.jsonl")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    if not args.data.is_file():
        sys.exit(f"{args.data}: no such file (the OLID 2019 JSON lines; see docs/model-card.md).")
    from sklearn.linear_model import LogisticRegression

    cases = probes(args.data, args.seed)
    names = sorted({c[0] for c in cases})
    fit_on = set(names[::2])
    results = [
        (name, topic.off_topic_score(fold(text), article_text=article, conversation=conversation, original=text), off)
        for name, article, conversation, text, off in cases
    ]
    fit = [(r.ratio, off) for name, r, off in results if r.judged and name in fit_on]
    held_out = [(name, r, off) for name, r, off in results if name not in fit_on]
    model = LogisticRegression(C=1e6).fit(np.array([[x] for x, _ in fit]), np.array([y for _, y in fit]))
    print(f"{len(cases)} probes from {len(names)} topics ({', '.join(names)}); fitted on {', '.join(sorted(fit_on))}")
    print(
        f"fitted map: slope {model.coef_[0][0]:.2f}, intercept {model.intercept_[0]:.2f}  (in use: {topic.CALIBRATION})"
    )
    judged = [(r, off) for _, r, off in held_out if r.judged]
    print(f"held-out topics: {len(held_out)} probes, {len(judged)} judged (the rest too short to judge)")
    auc = roc_auc([o for _, o in judged], [r.ratio for r, _ in judged])
    print(f"  AUC of the evidence ratio (judged probes): {auc:.3f}")
    threshold = Policy().off_topic_hold
    flag_at = Policy().off_topic_flag
    genuine = [r for _, r, off in held_out if not off]
    foreign = [r for _, r, off in held_out if off]

    def held(results: list[topic.TopicResult]) -> float:
        return sum(r.judged and r.probability >= threshold for r in results) / len(results)

    def flagged(results: list[topic.TopicResult]) -> float:
        return sum(r.judged and flag_at <= r.probability < threshold for r in results) / len(results)

    figures: dict[str, Any] = {
        "probes": len(cases),
        "topics": names,
        "fitted_on": sorted(fit_on),
        "fitted_map": {"slope": float(model.coef_[0][0]), "intercept": float(model.intercept_[0])},
        "in_use": list(topic.CALIBRATION),
        "held_out": {
            "probes": len(held_out),
            "judged": len(judged),
            "auc": auc,
            "threshold": threshold,
            "flag_at": flag_at,
            "prior": topic.OFF_TOPIC_PRIOR,
            "genuine_held": held(genuine),
            "foreign_held": held(foreign),
            "genuine_flagged": flagged(genuine),
            "foreign_flagged": flagged(foreign),
            "reliability": [],
        },
    }
    print(
        f"  at the default policy (hold at P(off-topic) >= {threshold}, flag from {flag_at}, prior "
        f"{topic.OFF_TOPIC_PRIOR:.0%}): genuine held {held(genuine):.1%} and flagged {flagged(genuine):.1%}, "
        f"foreign held {held(foreign):.1%} and flagged {flagged(foreign):.1%}"
    )
    odds = (1 - topic.OFF_TOPIC_PRIOR) / topic.OFF_TOPIC_PRIOR  # back from the prior to even odds
    even = [(odds * p / (odds * p + 1 - p), o) for r, o in judged if (p := topic.probability(r.ratio)) is not None]
    print("  reliability at even odds (predicted vs observed share off-topic):")
    for low in (0.0, 0.2, 0.4, 0.6, 0.8):
        inside = [(p, o) for p, o in even if low <= p < low + 0.2 or (low == 0.8 and p == 1.0)]
        if inside:
            predicted, observed = float(np.mean([p for p, _ in inside])), float(np.mean([o for _, o in inside]))
            figures["held_out"]["reliability"].append(
                {"low": low, "high": round(low + 0.2, 1), "probes": len(inside), "predicted": predicted,
                 "observed": observed}
            )  # fmt: skip
            print(
                f"    {low:.1f}-{low + 0.2:.1f}: {len(inside):>3} probes, predicted {np.mean([p for p, _ in inside]):.2f}, "
                f"observed {np.mean([o for _, o in inside]):.2f}"
            )

    sys.path.insert(0, str(ROOT / "bench"))
    from articles.importer import parse_article
    from simulation.evaluation import evaluate, load

    rows = load(ROOT / "tests" / "data" / "eval_seed.txt")
    seed = ROOT / "articles" / "demo" / "us-seeks-pakistans-help.txt"
    _, verdicts = evaluate(rows, Policy(), article_text=parse_article(seed.read_text(encoding="utf-8")).text)
    on = [(row, v) for row, v in verdicts if row["truth"].on_topic]
    off = [(row, v) for row, v in verdicts if row["truth"].on_topic is False and not row["truth"].spam]
    scores = [(v.scores["off_topic"], False) for _, v in on] + [(v.scores["off_topic"], True) for _, v in off]
    genuine_held = sum("off_topic" in v.codes for _, v in on) / len(on)
    own_auc = roc_auc([o for _, o in scores], [s for s, _ in scores])
    chatter_held = sum("off_topic" in v.codes for _, v in off) / len(off)
    chatter_flagged = sum(any(r.code == "off_topic" for r in v.flagged) for _, v in off) / len(off)
    print(
        f"our own set (written here): AUC {own_auc:.3f}, "
        f"genuine held for topic {genuine_held:.1%} of {len(on)}, off-topic chatter held "
        f"{chatter_held:.1%} and flagged {chatter_flagged:.1%} of {len(off)}"
    )
    figures["own_set"] = {
        "auc": own_auc,
        "genuine": len(on),
        "genuine_held": genuine_held,
        "off_topic": len(off),
        "off_topic_held": chatter_held,
        "off_topic_flagged": chatter_flagged,
    }
    _results.write("topic", args, figures)


if __name__ == "__main__":
    main()
