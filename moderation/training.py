"""Train the abuse model from labelled records. Needs scikit-learn (only here, not to score).

Use it like this::

    from moderation.training import read_records, train

    records = read_records("olid.jsonl") + read_records("hatexplain.jsonl")
    result = train(records, seed=0)
    result.model.save("abuse-model.nrm")
    result.figures        # validation AUC, suggested thresholds, counts

A record is a JSON object with ``text`` and ``abusive`` (true/false); ``split``
(``train``, ``val``, ``test``; default ``train``) and ``source`` are optional.
Where the people who labelled a text disagreed, how many called it abusive is
kept (``abusive_share``, 0-1, or read from HateXplain-style ``labels.annotator_labels``):
such a text is learned as partly abusive and partly clean, in those shares, so a
text everyone called abusive counts for more than one a single annotator did.
Records marked ``test`` are never trained on nor used to choose anything.
Thresholds are chosen on the ``val`` records; a source that has none gives a
fixed tenth of its training records (chosen by a hash of the text, so the same
data always splits the same way).

A record may also say which words made it abusive (``spans``: character offsets
``[start, end)`` into its text, as HateXplain's annotators marked them). Such a
record teaches twice more (Zaidan et al. 2007, "rationales"): its marked words
alone are an abusive example, and the text without them a clean one (at half
weight: the rest is often still rude). Both are groups of their own.

Each (source, label) group gets the same total weight: the public sets disagree
on how much of the world is abusive (83 % of one, 33 % of another), and the model
should learn what abuse looks like, not which source a text came from.

The features are TF-IDF weighted hashed n-grams scaled by their naive-Bayes
log-count ratio (Wang & Manning 2012, "NBSVM"), then a logistic regression; the
scaling is folded into the stored coefficients, so scoring is unchanged. Chosen on
validation data over plain TF-IDF (docs/model-card.md).

A site's own moderator decisions are learned from apart, on top of a trained model::

    from moderation.training import as_decisions, learn_from_site

    decisions = as_decisions(records)          # split by key (a comment id): split_for(key)
    result = learn_from_site(model, decisions)  # a stage on the model, if it beats the model on them
    result.model, result.chosen, result.figures # None/"base" when nothing did; the AUCs compared
"""

from __future__ import annotations

import hashlib
import platform
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from moderation.files import MAX_RECORD_BYTES, FileFormatError, json_lines, open_regular
from moderation.model import AbuseModel, Features, Stage, grams, prepare

VAL_SPLITS = {"val", "valid", "validation", "dev"}
TEST_SPLITS = {"test"}
# Chosen on validation data (OLID's held-out tenth and HateXplain's val split);
# see docs/model-card.md for the figures behind it.
DEFAULT_C = 1.0
# Annotator labels that mean "not abusive" (HateXplain's "normal"); any other label is a vote for abusive.
CLEAN_VOTES = {"normal", "clean", "none", "neither", "not", "not_offensive", "not offensive"}
# The share of clean validation comments the suggested hold threshold holds,
# and the one the suggested reject threshold may reject.
HOLD_CLEAN_RATE = 0.10
REJECT_CLEAN_RATE = 0.002
# The groups made from marked words, and the weight of the texts without them (chosen on validation: docs/model-card.md).
RATIONALES = "marked words"
CONTRASTS = "without the marked words"
CONTRAST_WEIGHT = 0.5


class TrainingError(ValueError):
    pass


class TooFewDecisions(TrainingError):
    """Too few of a site's own decisions held out to compare models on."""


@dataclass(frozen=True)
class Record:
    text: str
    abusive: bool
    split: str = "train"
    source: str = ""
    # The share of the people who labelled it that called it abusive, where they disagreed (None: all agreed).
    share: float | None = None
    # The words that made it abusive, as character offsets [start, end) into the text (abusive records only).
    spans: tuple[tuple[int, int], ...] = ()
    # Its weight within its (source, label) group.
    weight: float = 1.0
    # What names it where it came from (a site's decision: the comment's id), if anything does.
    key: str = ""


def read_records(path: str | Path, *, source: str | None = None) -> list[Record]:
    """Records of a JSON-lines file; a malformed line is an error naming the line, and nothing is returned.

    Read as ``moderation.files`` reads every file it is given: a line longer than ``MAX_RECORD_BYTES``, not
    UTF-8, holding a lone surrogate or nested deeper than ``MAX_DEPTH`` is refused by number, without the
    whole line ever being held in memory.
    """
    path = Path(path)
    records = []
    try:
        handle = open_regular(path)
    except OSError as exc:
        raise TrainingError(f"{path}: cannot read it ({exc.strerror or exc})") from None
    except FileFormatError as exc:
        raise TrainingError(f"{path}: cannot read it ({exc})") from None
    with handle:
        try:
            for line in json_lines(handle, max_bytes=MAX_RECORD_BYTES):
                where = f"{path}, line {line.number}"
                if line.error is not None:
                    raise TrainingError(f"{where}: {line.error}")
                records.append(_record(line.value, where, source or path.stem))
        except OSError as exc:
            raise TrainingError(f"{path}: cannot read it ({exc.strerror or exc})") from None
    if not records:
        raise TrainingError(f"{path}: no records")
    return records


def _record(data: object, where: str, default_source: str) -> Record:
    if not isinstance(data, dict):
        raise TrainingError(f"{where}: a record must be a JSON object")
    text, abusive = data.get("text"), data.get("abusive")
    if not isinstance(text, str) or not text.strip():
        raise TrainingError(f"{where}: 'text' must be a non-empty string")
    if not isinstance(abusive, bool):
        raise TrainingError(f"{where}: 'abusive' must be true or false")
    split = data.get("split") or "train"
    if not isinstance(split, str):  # any other name is trained on (Davidson's "all")
        raise TrainingError(f"{where}: 'split' must be text such as train, val or test, not {split!r}")
    name = data.get("source") or default_source
    if not isinstance(name, str):
        raise TrainingError(f"{where}: 'source' must be text, not {name!r}")
    key = data.get("key", "")
    if isinstance(key, bool) or not isinstance(key, str | int):
        raise TrainingError(f"{where}: 'key' must be text or a whole number, not {key!r}")
    share = _share(data, abusive)
    spans = _spans(data.get("spans"), text, where) if abusive else ()
    return Record(text, abusive, split.lower(), name, share, spans, key=str(key))


def _share(data: dict[str, Any], abusive: bool) -> float | None:
    """How many labellers called it abusive (0-1), if the record says and they disagreed in a way that
    still agrees with its label; else None (the label alone counts)."""
    share = data.get("abusive_share")
    if share is None:
        votes = (data.get("labels") or {}).get("annotator_labels") if isinstance(data.get("labels"), dict) else None
        if isinstance(votes, list) and votes and all(isinstance(v, str) for v in votes):
            share = sum(v.strip().lower() not in CLEAN_VOTES for v in votes) / len(votes)
    if isinstance(share, bool) or not isinstance(share, int | float) or not 0 < share < 1:
        return None
    if (share >= 0.5) != abusive:
        return None  # the votes contradict the label: trust the label
    return float(share)


def _spans(value: object, text: str, where: str) -> tuple[tuple[int, int], ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(
        isinstance(pair, list)
        and len(pair) == 2
        and all(isinstance(n, int) and not isinstance(n, bool) for n in pair)
        and 0 <= pair[0] < pair[1] <= len(text)
        for pair in value
    ):
        raise TrainingError(f"{where}: 'spans' must be a list of [start, end] character offsets into 'text'")
    merged: list[tuple[int, int]] = []
    for start, end in sorted((a, b) for a, b in value):
        if merged and start <= merged[-1][1]:  # overlapping or touching: one span
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return tuple(merged)


def rationale_records(rows: Iterable[Record]) -> list[Record]:
    """For each abusive record with marked words: those words alone (abusive), and the text without them (clean)."""
    extra = []
    for row in rows:
        if not row.abusive or not row.spans:
            continue
        marked = " ".join(row.text[a:b] for a, b in row.spans)
        ends = [0] + [b for _, b in row.spans]
        starts = [a for a, _ in row.spans] + [len(row.text)]
        without = " ".join(" ".join(row.text[b:a] for b, a in zip(ends, starts, strict=True)).split())
        if marked.strip():
            extra.append(Record(marked, True, row.split, f"{row.source} {RATIONALES}"))
        if without:
            extra.append(Record(without, False, row.split, f"{row.source} {CONTRASTS}", weight=CONTRAST_WEIGHT))
    return extra


def split_records(records: Iterable[Record]) -> tuple[list[Record], list[Record], list[Record]]:
    """(train, val, test). Sources without val records lend a fixed tenth of their training records."""
    records = list(records)
    with_val = {r.source for r in records if r.split in VAL_SPLITS}
    train, val, test = [], [], []
    for record in records:
        if record.split in TEST_SPLITS:
            test.append(record)
        elif record.split in VAL_SPLITS:
            val.append(record)
        elif record.source not in with_val and hashlib.sha256(record.text.encode()).digest()[0] < 26:
            val.append(record)  # 26/256: about a tenth
        else:
            train.append(record)
    return train, val, test


@dataclass
class TrainingResult:
    model: AbuseModel
    figures: dict[str, Any] = field(default_factory=dict)


def _matrix(texts: list[str], features: Features) -> tuple[Any, Any]:
    """Word and character count matrices (scipy CSR) of hashed n-grams, as the model computes them."""
    from scipy.sparse import csr_matrix

    blocks: dict[str, tuple[list[int], list[np.ndarray], list[np.ndarray]]] = {
        "word": ([0], [], []),
        "char": ([0], [], []),
    }
    for text in texts:
        g = grams(prepare(text), features)
        for kind, slots in (("word", g.word_slots), ("char", g.char_slots)):
            indptr, indices, data = blocks[kind]
            unique, counts = np.unique(slots, return_counts=True)
            indices.append(unique.astype(np.int64))
            data.append(counts.astype(np.float64))
            indptr.append(indptr[-1] + len(unique))
    word, char = (
        csr_matrix((np.concatenate(data), np.concatenate(indices), indptr), shape=(len(texts), 1 << bits))
        for (indptr, indices, data), bits in (
            (blocks["word"], features.word_bits),
            (blocks["char"], features.char_bits),
        )
    )
    return word, char


def roc_auc(labels: Sequence[bool], scores: Sequence[float]) -> float:
    """Area under the ROC curve (scikit-learn's); NaN when only one label is present, as nothing can be ranked."""
    from sklearn.metrics import roc_auc_score

    if len(set(labels)) < 2:
        return float("nan")
    return float(roc_auc_score(labels, scores))


def auc_by_source(model: AbuseModel, records: Sequence[Record]) -> dict[str, float]:
    """The model's ROC AUC on each source's records (sources with both labels)."""
    figures = {}
    for source in sorted({r.source for r in records}):
        rows = [r for r in records if r.source == source]
        if len({r.abusive for r in rows}) == 2:
            figures[source] = round(roc_auc([r.abusive for r in rows], model.scores(r.text for r in rows).tolist()), 4)
    return figures


def _idf(counts: Any) -> np.ndarray:
    """Smoothed inverse document frequency, as scikit-learn's TfidfTransformer computes it."""
    documents = counts.shape[0]
    df = np.bincount(counts.indices, minlength=counts.shape[1])
    return np.asarray(np.log((1.0 + documents) / (1.0 + df)) + 1.0, dtype=np.float64)


def _tfidf(counts: Any, idf: np.ndarray) -> Any:
    from sklearn.preprocessing import normalize

    weighted = counts.copy()
    weighted.data = (1.0 + np.log(weighted.data)) * idf[weighted.indices]
    return normalize(weighted, norm="l2", copy=False)


def _threshold_for_clean_rate(scores: np.ndarray, labels: np.ndarray, rate: float) -> float:
    """The lowest score that holds at most ``rate`` of the clean comments."""
    clean = np.sort(scores[~labels])[::-1]
    if not len(clean):
        return 0.5
    allowed = int(rate * len(clean))
    return float(np.nextafter(clean[allowed], 1.0)) if allowed < len(clean) else 0.0


def _soft_labels(x: Any, rows: list[Record], weights: np.ndarray) -> tuple[Any, np.ndarray, np.ndarray]:
    """Rows whose labellers disagreed appear twice: as abusive with the share of votes that said so, and as
    clean with the rest, each with that part of its weight."""
    from scipy.sparse import vstack

    labels = np.array([r.abusive for r in rows], dtype=bool)
    split = np.array([i for i, r in enumerate(rows) if r.share is not None], dtype=np.int64)
    if not len(split):
        return x, labels, weights
    own = np.array([rows[i].share if rows[i].abusive else 1 - rows[i].share for i in split])
    weights = weights.copy()
    other = weights[split] * (1 - own)
    weights[split] *= own
    return vstack([x, x[split]]).tocsr(), np.concatenate([labels, ~labels[split]]), np.concatenate([weights, other])


def _nb_ratio(x: Any, labels: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Each feature's naive-Bayes log-count ratio: how much likelier it is present in abusive than in clean rows."""
    present = x.copy()
    present.data[:] = 1.0
    abusive = np.asarray(present[labels].T @ weights[labels]).ravel() + 1.0
    clean = np.asarray(present[~labels].T @ weights[~labels]).ravel() + 1.0
    return np.asarray(np.log((abusive / abusive.sum()) / (clean / clean.sum())), dtype=np.float64)


def _fit(
    rows: list[Record], *, features: Features, c: float, seed: int, source_weights: dict[str, float] | None = None
) -> AbuseModel:
    from scipy.sparse import hstack
    from sklearn.linear_model import LogisticRegression

    rows = rows + rationale_records(rows)
    groups = Counter((r.source, r.abusive) for r in rows)
    more = source_weights or {}
    weights = np.array(
        [r.weight * len(rows) / (len(groups) * groups[(r.source, r.abusive)]) * more.get(r.source, 1.0) for r in rows]
    )
    word_counts, char_counts = _matrix([r.text for r in rows], features)
    word_idf, char_idf = _idf(word_counts), _idf(char_counts)
    x = hstack([_tfidf(word_counts, word_idf), _tfidf(char_counts, char_idf)]).tocsr()
    x, labels, weights = _soft_labels(x, rows, weights)
    ratio = _nb_ratio(x, labels, weights)
    classifier = LogisticRegression(C=c, solver="liblinear", max_iter=5000, random_state=seed)
    classifier.fit(x.multiply(ratio).tocsr(), labels, sample_weight=weights)
    coef = classifier.coef_[0] * ratio  # scoring multiplies the TF-IDF vector by coef: the ratio folds in
    split_at = 1 << features.word_bits
    return AbuseModel(
        features=features,
        word_idf=word_idf.astype(np.float32),
        word_coef=coef[:split_at].astype(np.float32),
        char_idf=char_idf.astype(np.float32),
        char_coef=coef[split_at:].astype(np.float32),
        intercept=float(classifier.intercept_[0]),
    )


def train(
    records: Iterable[Record],
    *,
    seed: int = 0,
    c: float = DEFAULT_C,
    features: Features | None = None,
    sources: dict[str, str] | None = None,
    refit: bool = True,
    source_weights: dict[str, float] | None = None,
) -> TrainingResult:
    """Fit the model on the training records, choose thresholds on the validation records.

    ``sources`` names the input files and their SHA-256, kept in the model's metadata.
    ``source_weights`` multiplies the weight of a source's groups (a site's own decisions among the public sets).
    """
    import sklearn

    features = features or Features()
    train_rows, val_rows, test_rows = split_records(records)
    if len({r.abusive for r in train_rows}) < 2:
        raise TrainingError("the training records need both abusive and clean examples")
    groups = Counter((r.source, r.abusive) for r in train_rows)

    model = _fit(train_rows, features=features, c=c, seed=seed, source_weights=source_weights)
    figures: dict[str, Any] = {
        "records": {
            "train": len(train_rows),
            "val": len(val_rows),
            "test_left_out": len(test_rows),
            "with_marked_words": sum(1 for r in train_rows if r.abusive and r.spans),
            "train_by_source": {f"{s} {'abusive' if a else 'clean'}": n for (s, a), n in sorted(groups.items())},
        },
    }
    if val_rows and len({r.abusive for r in val_rows}) == 2:
        val_scores = model.scores(r.text for r in val_rows)
        val_labels = np.array([r.abusive for r in val_rows], dtype=bool)
        hold = _threshold_for_clean_rate(val_scores, val_labels, HOLD_CLEAN_RATE)
        reject = max(hold, _threshold_for_clean_rate(val_scores, val_labels, REJECT_CLEAN_RATE))
        figures["val"] = {
            "auc": round(roc_auc(val_labels.tolist(), val_scores.tolist()), 4),
            "by_source": auc_by_source(model, val_rows),
            "recall_at_hold": round(float((val_scores[val_labels] >= hold).mean()), 4),
        }
        figures["thresholds"] = {"hold": round(hold, 3), "reject": round(reject, 3)}
        if refit:
            # Thresholds and figures are the held-out model's; the shipped one also learns from the val records.
            model = _fit(train_rows + val_rows, features=features, c=c, seed=seed, source_weights=source_weights)
            figures["refit_on_train_and_val"] = True
    model.metadata = {
        "name": "abuse model",
        "trained_on": sources or {},
        "seed": seed,
        "c": c,
        "sample_weighting": "each (source, label) group the same total weight; split labellers' votes as shares",
        "rationales": (
            f"an abusive record's marked words alone as abusive; the text without them as clean, "
            f"weight {CONTRAST_WEIGHT}"
        ),
        "features_scaled_by": "naive-Bayes log-count ratio (folded into the coefficients)",
        "libraries": {
            "scikit-learn": sklearn.__version__,
            "numpy": np.__version__,
            "python": platform.python_version(),
        },
        "figures": figures,
    }
    if source_weights:  # only when given: the same data and seed give the same bytes as before
        model.metadata["source_weights"] = source_weights
    return TrainingResult(model, figures)


# --- A site's own decisions --------------------------------------------------------------------------

# The source of a site's own moderator decisions, whether read from its database or from a file.
DECISIONS_SOURCE = "site-decisions"
# Own decisions are split by a hash of their key, out of 100: below 70 learned from, below 85 chosen on,
# the rest held out (never learned from nor chosen on: the figure a newsroom can trust).
TRAIN_BELOW, VAL_BELOW = 70, 85
# Too few held-out decisions of either label and no comparison means anything: nothing is written.
MIN_VAL_EACH = 5
# The stage is measured, and its regularisation chosen, by cross-validation on the train and val decisions in
# STAGE_FOLDS parts (by a hash of their key), each held out in turn. On the val part alone (150 of 1,000
# decisions) the choice was too noisy: in one draw of three it picked too strong a penalty, or found the stage
# worse than the base, and the lift on the site's other comments fell from about +0.04 to 0 (bench/learning.py).
STAGE_C = (0.3, 1.0, 3.0, 10.0, 30.0)
STAGE_FOLDS = 3
# The base model's log-odds enter the stage multiplied by this, so the penalty barely touches their weight:
# the stage shrinks towards "the base model, rescaled", not towards nothing.
STAGE_BASE_SCALE = 10.0
# How much the site's decisions weigh, against a public group, when the whole model is retrained with them.
# Less than a group, not more: at a group's weight each of a thousand decisions already weighs as much as 20
# public posts, and is learned by heart (bench/learning.py --retrain 1000: +0.006 AUC at a group's weight,
# +0.037 at a tenth; four times a group's weight lost AUC).
RETRAIN_WEIGHTS = (0.1, 0.3, 1.0)


def _bucket(name: str) -> int:
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big")


def split_for(key: str | int) -> str:
    """``train``, ``val`` or ``test`` for the own decision with this key (a comment id; 42 and "42" are one):
    fixed for ever, so a decision held out once is held out in every later run, and a page can compare two
    models on the ``test`` ones knowing neither learned from them."""
    bucket = _bucket(f"decision {key}") % 100
    return "train" if bucket < TRAIN_BELOW else "val" if bucket < VAL_BELOW else "test"


def as_decisions(records: Iterable[Record]) -> list[Record]:
    """Records as a site's own decisions: their own source, split by their key (their text, if they have none)."""
    own = []
    for record in records:
        key = record.key or record.text
        own.append(replace(record, key=key, split=split_for(key), source=DECISIONS_SOURCE))
    return own


def read_decisions(path: str | Path) -> list[Record]:
    """A site's decisions from JSON lines (``text``, ``abusive``, optional ``key``), exactly as its database gives
    them; a ``split`` or ``source`` on a line is ignored. Errors as :func:`read_records`."""
    return as_decisions(read_records(path))


def _blocks(model: AbuseModel, texts: list[str]) -> tuple[Any, np.ndarray]:
    """The TF-IDF vectors a model without a stage scores ``texts`` by (word block, then character block), and
    its log-odds: the same figures as ``model.scores``, before the sigmoid."""
    from scipy.sparse import hstack

    assert model.stage is None
    word_counts, char_counts = _matrix(texts, model.features)
    x = hstack([_tfidf(word_counts, model.word_idf), _tfidf(char_counts, model.char_idf)]).tocsr()
    coef = np.concatenate([model.word_coef, model.char_coef]).astype(np.float64)
    return x, np.asarray(x @ coef + model.intercept, dtype=np.float64)


class _StageData:
    """The decisions' vectors and the base model's log-odds, computed once for every fit of a stage."""

    def __init__(self, base: AbuseModel, rows: Sequence[Record]) -> None:
        self.base = base
        self.x, self.logits = _blocks(base, [r.text for r in rows])
        self.labels = np.array([r.abusive for r in rows], dtype=bool)

    def fit(self, rows: np.ndarray, *, c: float, seed: int) -> Stage:
        """A stage fitted on the decisions at ``rows`` (indices)."""
        from scipy.sparse import csr_matrix, hstack
        from sklearn.linear_model import LogisticRegression

        x = self.x[rows]
        present = np.unique(x.indices)  # fit on the n-grams the decisions hold: the rest would stay 0
        design = hstack([csr_matrix(self.logits[rows, None] * STAGE_BASE_SCALE), x[:, present]]).tocsr()
        classifier = LogisticRegression(C=c, solver="liblinear", intercept_scaling=10.0, random_state=seed)
        classifier.fit(design, self.labels[rows])
        coef = classifier.coef_[0]
        word_slots = 1 << self.base.features.word_bits
        is_word = present < word_slots
        return Stage(
            base_weight=float(coef[0] * STAGE_BASE_SCALE),
            intercept=float(classifier.intercept_[0]),
            word_slots=present[is_word].astype(np.uint32),
            word_coef=coef[1:][is_word].astype(np.float32),
            char_slots=(present[~is_word] - word_slots).astype(np.uint32),
            char_coef=coef[1:][~is_word].astype(np.float32),
        )

    def cross_validated(self, folds: np.ndarray, *, c: float, seed: int) -> np.ndarray:
        """Each decision's log-odds by a stage fitted on the other folds (a fold whose others hold one label
        only, which a few dozen decisions can give, scores as the base model does)."""
        out = self.logits.copy()
        for fold in np.unique(folds):
            inside = np.flatnonzero(folds != fold)
            if len(set(self.labels[inside].tolist())) == 2:
                out[folds == fold] = self.logits_with(self.fit(inside, c=c, seed=seed), np.flatnonzero(folds == fold))
        return out

    def logits_with(self, stage: Stage, rows: np.ndarray) -> np.ndarray:
        """What the base model with ``stage`` scores the decisions at ``rows`` (log-odds)."""
        word_slots = 1 << self.base.features.word_bits
        coef = np.zeros(self.x.shape[1], dtype=np.float64)
        coef[stage.word_slots.astype(np.int64)] = stage.word_coef
        coef[word_slots + stage.char_slots.astype(np.int64)] = stage.char_coef
        x = self.x[rows]
        return np.asarray(stage.base_weight * self.logits[rows] + stage.intercept + x @ coef, dtype=np.float64)


@dataclass
class SiteResult:
    """What :func:`learn_from_site` chose: ``model`` is None when nothing beat the given model."""

    model: AbuseModel | None
    chosen: str  # "base", "stage" or "retrain"
    figures: dict[str, Any] = field(default_factory=dict)


def learn_from_site(
    model: AbuseModel,
    decisions: Sequence[Record],
    *,
    public: Sequence[Record] = (),
    seed: int = 0,
    stage_c: Sequence[float] = STAGE_C,
    retrain_weights: Sequence[float] = RETRAIN_WEIGHTS,
) -> SiteResult:
    """Learn from a site's own decisions (:func:`as_decisions`), keeping only what beats ``model`` on them.

    Two candidates:

    - a *stage* on ``model`` (on the model under its stage, if it has one): the model's log-odds and the
      decisions' n-grams (over the model's own TF-IDF) in a logistic regression fitted on the decisions
      alone; seconds, whatever the public data. It is measured on the ``train`` and ``val`` decisions by
      cross-validation, each scored by a stage fitted without it (``STAGE_FOLDS`` parts by a hash of its
      key), which also chooses its regularisation from ``stage_c``; it must beat ``model`` there.
    - a *retrain* on ``public`` and the ``train`` decisions, which weigh ``retrain_weights`` times a public
      group (only when ``public`` is given; minutes a weight). Measured on the ``val`` decisions, it must
      beat ``model`` and the stage there.

    The one kept is refitted on the ``train`` and ``val`` decisions and returned; the ``test`` decisions are
    only measured. Nothing is returned when neither beats ``model``. Why a stage, and how much it gains by
    the number of decisions: docs/model-card.md, bench/learning.py.
    """
    train_rows = [r for r in decisions if r.split == "train"]
    val_rows = [r for r in decisions if r.split in VAL_SPLITS]
    test_rows = [r for r in decisions if r.split in TEST_SPLITS]
    val_counts = Counter(r.abusive for r in val_rows)
    if len({r.abusive for r in train_rows}) < 2 or min(val_counts[True], val_counts[False]) < MIN_VAL_EACH:
        raise TooFewDecisions(
            f"too few own decisions to choose by validation: {len(val_rows)} held out to choose on "
            f"({val_counts[True]} abusive, {val_counts[False]} clean), and at least {MIN_VAL_EACH} of each "
            f"are needed, with both kinds among the {len(train_rows)} to learn from"
        )
    rows = train_rows + val_rows
    is_val = np.arange(len(rows)) >= len(train_rows)
    base_scores = model.scores(r.text for r in rows)
    labels = np.array([r.abusive for r in rows], dtype=bool)
    figures: dict[str, Any] = {
        "decisions": {
            "train": len(train_rows),
            "val": len(val_rows),
            "test": len(test_rows),
            "abusive": sum(r.abusive for r in decisions),
        },
        "base": {
            "name": model.name,
            "auc": _rounded_auc(labels, base_scores),
            "val_auc": _rounded_auc(labels[is_val], base_scores[is_val]),
        },
    }

    # The stage, cross-validated: every fit reuses the vectors of all the decisions, computed once.
    data = _StageData(model.without_stage(), rows)
    folds = np.array([_bucket(f"fold {r.key or r.text}") % STAGE_FOLDS for r in rows])
    held_in_turn = {c: data.cross_validated(folds, c=c, seed=seed) for c in stage_c}
    by_c = {c: _rounded_auc(labels, logits) for c, logits in held_in_turn.items()}
    best_c = max(stage_c, key=lambda c: (by_c[c], -c))  # a tie goes to the stronger penalty: the simpler stage
    figures["stage"] = {
        "auc": by_c[best_c],
        "val_auc": _rounded_auc(labels[is_val], held_in_turn[best_c][is_val]),
        "c": best_c,
        "folds": STAGE_FOLDS,
        "cross_validated_auc_by_c": {str(c): v for c, v in by_c.items()},
    }

    with_public = [*public, *train_rows, *val_rows]
    if public:
        by_weight = {}
        for weight in retrain_weights:
            result = train(with_public, seed=seed, refit=False, source_weights={DECISIONS_SOURCE: weight})
            by_weight[weight] = float(result.figures["val"]["by_source"].get(DECISIONS_SOURCE, float("nan")))
        best_weight = max(retrain_weights, key=lambda w: (by_weight[w], -w))
        figures["retrain"] = {
            "val_auc": by_weight[best_weight],
            "weight": best_weight,
            "val_auc_by_weight": {str(w): v for w, v in by_weight.items()},
        }

    chosen = "stage" if figures["stage"]["auc"] > figures["base"]["auc"] else "base"  # a tie keeps the site's
    if "retrain" in figures and figures["retrain"]["val_auc"] > figures[chosen]["val_auc"]:
        chosen = "retrain"
    figures["chosen"] = chosen
    if chosen == "base":
        figures["test_auc"] = {"base": _auc(model, test_rows)}
        return SiteResult(None, "base", figures)

    if chosen == "stage":
        stage = data.fit(np.arange(len(rows)), c=best_c, seed=seed)
        new = model.with_stage(stage, {"name": "site stage"})
        figures["stage"] |= {
            "base_weight": round(stage.base_weight, 4),
            "terms": len(stage.word_slots) + len(stage.char_slots),
        }
        # Thresholds as ``train`` suggests them, on the decisions each scored by a stage that had not seen it.
        scores = 1.0 / (1.0 + np.exp(-held_in_turn[best_c]))
        hold = _threshold_for_clean_rate(scores, labels, HOLD_CLEAN_RATE)
        reject = max(hold, _threshold_for_clean_rate(scores, labels, REJECT_CLEAN_RATE))
        figures["thresholds"] = {"hold": round(hold, 3), "reject": round(reject, 3)}
    else:
        result = train(with_public, seed=seed, source_weights={DECISIONS_SOURCE: figures["retrain"]["weight"]})
        new = result.model
        figures["thresholds"] = result.figures.get("thresholds")
    figures["test_auc"] = {"base": _auc(model, test_rows), "new": _auc(new, test_rows)}
    return SiteResult(new, chosen, figures)


def _rounded_auc(labels: np.ndarray, scores: np.ndarray) -> float | None:
    if len(set(labels.tolist())) < 2:
        return None
    return round(roc_auc(labels.tolist(), scores.tolist()), 4)


def _auc(model: AbuseModel, rows: Sequence[Record]) -> float | None:
    """The model's AUC on these records, rounded; None when they cannot be ranked (one label, or none)."""
    if len({r.abusive for r in rows}) < 2:
        return None
    return round(roc_auc([r.abusive for r in rows], model.scores(r.text for r in rows).tolist()), 4)
