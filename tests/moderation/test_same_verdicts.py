"""Speed work must not change a verdict, with the learned model on.

``test_same_decisions.py`` keeps the rules' actions and codes; this keeps every part of a verdict
with the shipped model: the action, each reason (code, score, message, spans), the scores and the
flags. The verdicts are in ``tests/moderation/data/verdicts-with-model.jsonl.gz``, recorded from the
filter before it was made faster (issue 28), over five streams: our labelled set through the
simulator's pipeline, a generated stream, the shipped public test comments (real posts, with their
evasions), comments of news-comment length built as ``bench/filter.py`` builds them, and the same
disguised with look-alike letters, accents and invisible characters (the paths beyond ASCII).
Re-record only for a change that means to decide differently:
``NEWSROOM_RECORD_DECISIONS=1 .venv/bin/python -m pytest tests/moderation/test_same_verdicts.py``.
"""

import gzip
import hashlib
import json
import math
import os
import random
import re
from dataclasses import replace
from functools import cache
from pathlib import Path

from articles.importer import parse_article
from moderation import Context, Conversation, Policy, Verdict, moderate
from moderation.model import AbuseModel
from moderation.training import read_records
from simulation.article import extract_facts
from simulation.evaluation import evaluate, load
from simulation.generate import Corpus, generate
from simulation.pipeline import Pipeline

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "articles" / "demo" / "us-seeks-pakistans-help.txt"
SNAPSHOT = Path(__file__).resolve().parent / "data" / "verdicts-with-model.jsonl.gz"
PUBLIC = ROOT / "moderation" / "data" / "public-test.jsonl"
MODEL = ROOT / "moderation" / "data" / "abuse-model.nrm"
LONG_COMMENTS = 600
# Scores are kept to this tolerance: summing the same figures in another order may move the last bits.
TOLERANCE = 1e-9


@cache
def model() -> AbuseModel:
    return AbuseModel.load(MODEL)


def long_comments(count: int, rng: random.Random) -> list[str]:
    """As bench/filter.py builds them: a labelled comment padded with civil ones to 50-1,500 characters."""
    rows = load(ROOT / "tests" / "data" / "eval_seed.txt")
    texts = [row["text"] for row in rows]
    civil = [row["text"] for row in rows if row["kind"] in {"on_topic", "oblique", "heated", "reply"}]
    comments = []
    for _ in range(count):
        target = rng.randint(50, 1500)
        parts = [rng.choice(texts)]
        while sum(len(p) + 1 for p in parts) < target:
            parts.append(rng.choice(civil))
        comments.append(" ".join(parts)[:target])
    return comments


DISGUISES = {"a": "а", "o": "ο", "e": "é", "c": "с", "i": "і", "u": "ü", "s": "ѕ"}


def disguised(text: str, rng: random.Random) -> str:
    """Some letters swapped for look-alikes or accented ones, an invisible character or two, a capital ℌ."""
    out = [DISGUISES[ch] if ch in DISGUISES and rng.random() < 0.15 else ch for ch in text]
    for _ in range(rng.randint(0, 3)):
        out.insert(rng.randrange(len(out) + 1), rng.choice(["\u200b", "\u00ad", "\ufeff"]))
    if rng.random() < 0.2:
        out.insert(rng.randrange(len(out) + 1), "ℌ")
    return "".join(out)


def as_record(stream: str, key: str, text: str, verdict: Verdict) -> dict[str, object]:
    return {
        "stream": stream,
        "id": key,
        "text": hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=6).hexdigest(),
        "action": verdict.action.value,
        "reasons": [[r.code, r.score, r.message, [list(s) for s in r.spans]] for r in verdict.reasons],
        "scores": verdict.scores,
        "flagged": [[r.code, r.score] for r in verdict.flagged],
        "findings": len(verdict.findings),
    }


def verdicts() -> list[dict[str, object]]:
    policy = replace(Policy(), model=model())
    out = []
    parsed = parse_article(SEED.read_text(encoding="utf-8"))
    article = parsed.text
    _, judged = evaluate(load(ROOT / "tests" / "data" / "eval_seed.txt"), policy, model(), article_text=article)
    out += [as_record("eval", row["id"], row["text"], v) for row, v in judged]

    pipeline = Pipeline(article_text=article, policy=policy)
    for item in generate(extract_facts(parsed.headline, parsed.body), 1500, 3, Corpus.load(PUBLIC)):
        verdict = moderate(item.text, pipeline.context_for(item), policy)
        pipeline.observe(item, verdict)
        out.append(as_record("generated", item.id, item.text, verdict))

    for n, record in enumerate(read_records(PUBLIC)):
        out.append(as_record("public", str(n), record.text, moderate(record.text, Context(), policy)))

    rng = random.Random(1)
    comments = long_comments(LONG_COMMENTS, rng)
    context = Context(
        article_text=article,
        parent_text=comments[0],
        conversation=Conversation(comments[:200]).snapshot(),
        others_recent=tuple(comments[:20]),
    )
    for n, text in enumerate(comments):
        out.append(as_record("long", str(n), text, moderate(text, context, policy)))
    for n, text in enumerate(comments):
        text = disguised(text, rng)
        out.append(as_record("disguised", str(n), text, moderate(text, context, policy)))
    return out


def same(before: object, now: object) -> bool:
    """Equal, floats to TOLERANCE."""
    if isinstance(before, float) or isinstance(now, float):
        return (
            isinstance(before, int | float)
            and isinstance(now, int | float)
            and math.isclose(before, now, abs_tol=TOLERANCE)
        )
    if isinstance(before, list) and isinstance(now, list):
        return len(before) == len(now) and all(same(b, n) for b, n in zip(before, now, strict=True))
    if isinstance(before, dict) and isinstance(now, dict):
        return before.keys() == now.keys() and all(same(before[k], now[k]) for k in before)
    return before == now


def test_the_filter_with_its_model_decides_as_it_did():
    now = json.loads(json.dumps(verdicts()))  # as the file holds them: tuples as lists
    if os.environ.get("NEWSROOM_RECORD_DECISIONS"):
        SNAPSHOT.parent.mkdir(exist_ok=True)
        with gzip.GzipFile(SNAPSHOT, "wb", mtime=0) as raw:
            raw.write("".join(json.dumps(v, sort_keys=True) + "\n" for v in now).encode())
    with gzip.open(SNAPSHOT, "rt", encoding="utf-8") as handle:
        before = [json.loads(line) for line in handle]
    assert len(now) == len(before) > 5500
    changed = [(b, n) for b, n in zip(before, now, strict=True) if not same(b, n)]
    assert not changed, f"{len(changed)} verdicts changed, e.g. {changed[:2]}"
    assert {v["action"] for v in now} == {"publish", "hold", "reject"}
    assert sum(1 for v in now if any(r[0] == "abusive.model" for r in v["reasons"])) > 100


def test_a_batch_scores_as_one_at_a_time():
    """The simulator's path reads the batch's scores: they must be the figures ``score`` gives."""
    texts = long_comments(200, random.Random(2))
    texts += [disguised(t, random.Random(n)) for n, t in enumerate(texts[:100])]
    batch = model().scores(texts)
    assert all(math.isclose(b, model().score(t), abs_tol=TOLERANCE) for b, t in zip(batch, texts, strict=True))


def reference_profile(text):
    """``topic.profile`` as it was written before the speed work."""
    from collections import Counter

    from moderation import topic
    from moderation.normalize import fold

    counts: Counter[str] = Counter()
    specificity: dict[str, float] = {}
    for word in topic.WORD_RE.findall(fold(text)):
        if word in topic.STOPWORDS or len(word) < 3 or word.isdigit():
            continue
        stemmed, spec = topic.term(word)
        counts[stemmed] += 1
        if spec > specificity.get(stemmed, 0.0):
            specificity[stemmed] = spec
    names = {topic.stem(fold(m)) for m in re.findall(r"\b[A-Z][a-zA-Z'\-]{2,}", text)}
    weights = {}
    for stemmed, count in counts.items():
        spec = max(specificity[stemmed], 0.8 if stemmed in names else 0.0) - topic.EVERYDAY
        if spec > 0.0:
            weights[stemmed] = spec * (1.0 + math.log(count))
    return topic.Profile(weights, math.sqrt(sum(w * w for w in weights.values())))


def reference_terms(text):
    """``topic.content_terms`` as it was written before the speed work (word by word)."""
    from moderation import topic
    from moderation.normalize import fold

    terms: dict[str, float] = {}
    for word in dict.fromkeys(topic.WORD_RE.findall(fold(text))):
        if word in topic.STOPWORDS or len(word) < 3 or word.isdigit():
            continue
        stemmed, specificity = topic.term(word)
        if specificity > terms.get(stemmed, 0.0):
            terms[stemmed] = specificity
    return terms


def test_the_faster_parts_compute_what_they_replace():
    """Each shortcut of the speed work against the plain computation it stands for."""
    import numpy as np

    from moderation import topic
    from moderation.model import grams, joined_slots, prepare

    rng = random.Random(4)
    texts = long_comments(60, rng)
    texts += [disguised(t, rng) for t in texts[:30]]
    alphabet = "aAbBZz'-_ 9.ÉéßΣσ\u200bxX,Q\n"
    texts += ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 60))) for _ in range(2000)]
    capital = re.compile(r"\b[A-Z][a-zA-Z'\-]{2,}")
    assert all(topic.CAPITAL_RE.findall(t) == capital.findall(t) for t in texts)
    for n in range(0, 60, 3):
        thread = tuple(texts[n : n + 1 + n % 5])
        assert topic._thread_profile(thread) == topic.profile("\n".join(thread)) == reference_profile("\n".join(thread))
    for text in texts[:200]:
        assert topic.content_terms(text) == reference_terms(text)
    features = model().features
    for text in texts[:100]:
        prepared = prepare(text)
        g = grams(prepared, features)
        expected = np.concatenate([g.word_slots, g.char_slots + np.uint32(1 << features.word_bits)])
        assert np.array_equal(np.sort(joined_slots(prepared, features)), np.sort(expected))


def test_the_model_reads_words_and_noise_as_its_patterns_do():
    from moderation.model import _NOISE_RE, _WORD_RE, _words, prepare
    from moderation.normalize import fold

    rng = random.Random(5)
    alphabet = "aZ_9 '-.\t\n@#&;:/hwtpsurlmgqoÉß\u200b"
    texts = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40))) for _ in range(5000)]
    texts += ["see http://x.io/a, www.b.com, @name, url &amp; #tag", "a_b c d9 ee"]
    assert all(_words(t) == _WORD_RE.findall(t) for t in texts)
    assert all(prepare(t) == " ".join(_NOISE_RE.sub(" ", fold(t)).split()) for t in texts)


def test_no_pitch_looks_at_a_comment_without_one_of_its_words_or_marks():
    from moderation.checks import promotion
    from moderation.normalize import word_set

    rng = random.Random(6)
    # Every word the module names (its word sets, the pitches' openers, the sales phrases' second words), and marks.
    named = {w for v in vars(promotion).values() if isinstance(v, frozenset) for w in v if isinstance(w, str)}
    named |= {w for p in promotion.PITCHES for w in p.openers} | {w for v in promotion._SALES_NEXT.values() for w in v}
    vocabulary = sorted(named) + ["the", "a", "you", "4", "$5", "100%", "thumbs", "x"]
    for _ in range(20000):
        folded = " ".join(rng.choice(vocabulary) for _ in range(rng.randint(1, 6)))
        found_words = word_set(folded)
        gate = not promotion.ANY_PITCH_WORDS.isdisjoint(found_words) or any(
            mark in folded for mark in promotion.ANY_PITCH_MARKS
        )
        for pitch in promotion.PITCHES:  # (the goods alone, TOPICS, are looked for only beside a pitch)
            assert gate or not pitch.may_match(folded, found_words), (pitch.code, folded)
