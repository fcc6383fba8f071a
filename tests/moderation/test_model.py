"""The learned abuse model: training, the file format, scoring, spans, and the shipped model's figures."""

from __future__ import annotations

import hashlib
import json
import random
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest

from moderation import Context, Policy, moderate
from moderation.model import MAGIC, AbuseModel, Features, ModelError, prepare, prepare_with_offsets
from moderation.training import (
    Record,
    TrainingError,
    rationale_records,
    read_records,
    roc_auc,
    split_records,
    train,
)

DATA = Path("moderation/data")
SHIPPED = DATA / "abuse-model.nrm"
SMALL = Features(word_bits=12, char_bits=12)

INSULTS = ["you are a worthless idiot", "shut up you pathetic moron", "what a disgusting clown you are",
           "go away you stupid loser", "you ignorant fool, nobody cares"]  # fmt: skip
CIVIL = ["the talks in doha may bring a ceasefire", "pakistan has influence over the taliban",
         "the envoy met the army chief on sunday", "a peace deal needs both sides at the table",
         "the prisoner release is the sticking point"]  # fmt: skip


def small_records(n: int = 60, seed: int = 1) -> list[Record]:
    rng = random.Random(seed)
    records = []
    for i in range(n):
        abusive = i % 2 == 0
        text = rng.choice(INSULTS if abusive else CIVIL) + " " + rng.choice(["today", "again", "indeed", "now"])
        records.append(Record(text, abusive, "val" if i % 5 == 0 else "train", "toy"))
    return records


@pytest.fixture(scope="module")
def toy() -> AbuseModel:
    return train(small_records(), features=SMALL, seed=3).model


@pytest.fixture(scope="module")
def shipped() -> AbuseModel:
    return AbuseModel.load(SHIPPED)


def test_training_is_deterministic_byte_for_byte() -> None:
    first = train(small_records(), features=SMALL, seed=3).model.to_bytes()
    second = train(small_records(), features=SMALL, seed=3).model.to_bytes()
    assert first == second
    other_data = train(small_records(seed=2), features=SMALL, seed=3).model.to_bytes()
    assert other_data != first


def test_a_toy_model_learns_the_difference(toy: AbuseModel) -> None:
    assert toy.score("you are a pathetic idiot") > 0.5 > toy.score("the ceasefire talks in doha")


def test_saved_model_reloads_to_the_same_scores(toy: AbuseModel, tmp_path: Path) -> None:
    path = tmp_path / "toy.nrm"
    toy.save(path)
    again = AbuseModel.load(path)
    texts = INSULTS + CIVIL + ["", "ünïcödé ж 😀", "x" * 5000]
    assert np.array_equal(toy.scores(texts), again.scores(texts))
    assert again.features == SMALL


def test_test_records_are_never_trained_on() -> None:
    records = small_records()
    poisoned = records + [Record("the ceasefire talks in doha", True, "test", "toy")] * 50
    with_test, without = train(poisoned, features=SMALL, seed=3).model, train(records, features=SMALL, seed=3).model
    assert np.array_equal(with_test.word_coef, without.word_coef) and with_test.intercept == without.intercept
    assert with_test.metadata["figures"]["records"]["test_left_out"] == 50


def test_a_source_without_val_lends_a_fixed_tenth() -> None:
    records = [Record(f"comment number {i}", i % 2 == 0, "train", "only") for i in range(1000)]
    train_rows, val_rows, test_rows = split_records(records)
    assert 60 < len(val_rows) < 140 and not test_rows
    assert split_records(records)[1] == val_rows


def test_training_needs_both_labels() -> None:
    with pytest.raises(TrainingError, match="both"):
        train([Record("a b c", False)] * 10, features=SMALL)


def test_reading_records_names_the_bad_line(tmp_path: Path) -> None:
    path = tmp_path / "data.jsonl"
    path.write_text('{"text": "fine", "abusive": false}\n{"text": "no label"}\n', encoding="utf-8")
    with pytest.raises(TrainingError, match="line 2: 'abusive'"):
        read_records(path)


@pytest.mark.parametrize(
    "damage",
    [
        lambda b: b[:-1] + bytes([b[-1] ^ 1]),  # the checksum
        lambda b: b[:100] + bytes([b[100] ^ 1]) + b[101:],  # the header
        lambda b: b[: len(b) // 2] + bytes([b[len(b) // 2] ^ 1]) + b[len(b) // 2 + 1 :],  # the weights
        lambda b: b[: len(b) // 2],  # cut short
        lambda b: b"\x80\x04\x95" + b,  # a pickle's opening
        lambda b: b"",
    ],
)
def test_a_tampered_or_foreign_file_is_refused(toy: AbuseModel, tmp_path: Path, damage: object) -> None:
    path = tmp_path / "bad.nrm"
    path.write_bytes(damage(toy.to_bytes()))  # type: ignore[operator]
    with pytest.raises(ModelError, match=str(path)):
        AbuseModel.load(path)


def rewrite(data: bytes, header_change: dict[str, object], payload: bytes) -> bytes:
    """A model file with its header changed and another payload, signed again: only the content is wrong."""
    (length,) = struct.unpack("<Q", data[len(MAGIC) : len(MAGIC) + 8])
    header = json.loads(data[len(MAGIC) + 8 : len(MAGIC) + 8 + length])
    header.update(header_change)
    header = {k: v for k, v in header.items() if v is not None}
    head = json.dumps(header).encode()
    body = MAGIC + struct.pack("<Q", len(head)) + head + payload
    return body + hashlib.sha256(body).digest()


def arrays_of(data: bytes) -> bytes:
    (length,) = struct.unpack("<Q", data[len(MAGIC) : len(MAGIC) + 8])
    return zlib.decompress(data[len(MAGIC) + 8 + length : -32])


def test_a_compressed_file_that_inflates_past_its_arrays_is_refused(toy: AbuseModel, tmp_path: Path) -> None:
    data = toy.to_bytes()
    bomb = rewrite(data, {}, zlib.compress(arrays_of(data) + bytes(50_000_000), 9))
    assert len(bomb) < 200_000  # small on disk, 50 MB more once inflated
    path = tmp_path / "bomb.nrm"
    path.write_bytes(bomb)
    with pytest.raises(ModelError, match="do not decompress to the size"):
        AbuseModel.load(path)
    path.write_bytes(rewrite(data, {}, b"not zlib at all" * 10))
    with pytest.raises(ModelError, match="cannot be decompressed"):
        AbuseModel.load(path)


def test_a_model_file_of_the_first_format_still_loads(toy: AbuseModel, tmp_path: Path) -> None:
    data = toy.to_bytes()
    path = tmp_path / "old.nrm"
    path.write_bytes(rewrite(data, {"format": 1, "compression": None}, arrays_of(data)))
    texts = INSULTS + CIVIL
    assert np.array_equal(AbuseModel.load(path).scores(texts), toy.scores(texts))


def test_a_file_from_before_stems_scores_without_them(tmp_path: Path) -> None:
    old_features = Features(word_bits=12, char_bits=12, word_stems=False)
    old = train(small_records(), features=old_features, seed=3).model
    data = old.to_bytes()
    (length,) = struct.unpack("<Q", data[len(MAGIC) : len(MAGIC) + 8])
    features = json.loads(data[len(MAGIC) + 8 : len(MAGIC) + 8 + length])["features"]
    del features["word_stems"]  # as format 2 wrote them
    path = tmp_path / "format2.nrm"
    path.write_bytes(rewrite(data, {"format": 2, "features": features}, data[len(MAGIC) + 8 + length : -32]))
    loaded = AbuseModel.load(path)
    assert loaded.features.word_stems is False
    texts = INSULTS + CIVIL
    assert np.array_equal(loaded.scores(texts), old.scores(texts))
    path.write_bytes(
        rewrite(data, {"features": {**features, "word_stems": "yes"}}, data[len(MAGIC) + 8 + length : -32])
    )
    with pytest.raises(ModelError, match="word_stems must be true or false"):
        AbuseModel.load(path)


def test_words_of_one_stem_share_a_feature() -> None:
    from moderation.model import grams

    def words(text: str, features: Features) -> set[int]:
        return set(grams(text, features).word_slots.tolist())

    assert words("insulting", SMALL) & words("insults", SMALL)
    assert not words("insulting", Features(word_bits=12, char_bits=12, word_stems=False)) & words(
        "insults", Features(word_bits=12, char_bits=12, word_stems=False)
    )


def test_the_word_hash_memory_stays_bounded_and_changes_no_score(shipped: AbuseModel, monkeypatch) -> None:
    from moderation import model as model_module

    texts = INSULTS + CIVIL
    before = shipped.scores(texts)
    monkeypatch.setattr(model_module, "_WORD_HASHES", {})
    monkeypatch.setattr(model_module, "WORD_HASHES_KEPT", 20)
    assert np.array_equal(shipped.scores(texts, batch=2), before)
    assert 0 < len(model_module._WORD_HASHES) <= 20
    assert [shipped.score(t) for t in texts] == pytest.approx(before.tolist(), abs=1e-9)


def test_marked_words_are_read_and_a_bad_span_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "spans.jsonl"
    rows = [
        {"text": "you are vermin and so is he", "abusive": True, "spans": [[8, 14]]},
        {"text": "a calm remark", "abusive": False, "spans": [[0, 1]]},  # a clean record's marks mean nothing
        {"text": "no marks here, you clown", "abusive": True},
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    assert [r.spans for r in read_records(path)] == [((8, 14),), (), ()]
    path.write_text(
        json.dumps({"text": "you are vermin", "abusive": True, "spans": [[8, 11], [10, 14], [0, 3]]}) + "\n"
    )
    assert read_records(path)[0].spans == ((0, 3), (8, 14))  # sorted, the overlapping ones as one
    for bad in ([[8, 99]], [[5, 2]], "8-14", [[8]], [[True, 3]]):
        path.write_text(json.dumps({"text": "you are vermin", "abusive": True, "spans": bad}) + "\n", encoding="utf-8")
        with pytest.raises(TrainingError, match="line 1: 'spans'"):
            read_records(path)


def test_marked_words_teach_the_model_which_words_were_abusive() -> None:
    text = "those people are vermin from across the border"
    marked = Record(text, True, "train", "toy", spans=((17, 23),))
    assert [(r.text, r.abusive, r.source) for r in rationale_records([marked, Record(text, False)])] == [
        ("vermin", True, "toy marked words"),
        ("those people are from across the border", False, "toy without the marked words"),
    ]
    records = small_records()
    plain = train([*records, Record(text, True, "train", "toy")] * 3, features=SMALL, seed=3, refit=False).model
    taught = train([*records, marked] * 3, features=SMALL, seed=3, refit=False).model
    # The marked word carries more of the abuse, the words around it less.
    assert taught.score("vermin") > plain.score("vermin")
    assert taught.score("people from across the border") < plain.score("people from across the border")


def test_split_votes_are_kept_as_a_share(tmp_path: Path) -> None:
    path = tmp_path / "votes.jsonl"
    rows = [
        {"text": "a", "abusive": True, "labels": {"annotator_labels": ["hatespeech", "normal", "offensive"]}},
        {"text": "b", "abusive": True, "labels": {"annotator_labels": ["hatespeech", "offensive", "offensive"]}},
        {"text": "c", "abusive": False, "labels": {"annotator_labels": ["normal", "normal", "offensive"]}},
        {"text": "d", "abusive": True, "labels": {"annotator_labels": ["normal", "normal", "offensive"]}},
        {"text": "e", "abusive": False, "abusive_share": 0.25},
        {"text": "f", "abusive": False, "abusive_share": "lots"},
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    shares = [r.share for r in read_records(path)]
    # Unanimous votes and votes that contradict the label leave the label alone.
    assert shares == [pytest.approx(2 / 3), None, pytest.approx(1 / 3), None, 0.25, None]


def test_a_text_the_labellers_split_on_counts_for_less() -> None:
    records = small_records()
    probe = "the envoy met the army chief on sunday"
    unanimous = train([*records, Record(probe, True)] * 2, features=SMALL, seed=3, refit=False).model
    split = train([*records, Record(probe, True, share=0.5)] * 2, features=SMALL, seed=3, refit=False).model
    assert split.score(probe) < unanimous.score(probe)


def test_a_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="cannot read the model file"):
        AbuseModel.load(tmp_path / "nothing.nrm")


def test_prepare_and_its_offsets_agree() -> None:
    for text in [
        "Hello   @USER  you IDIOT http://x.example/y",
        "  Ünïcödé  ＦＵＬＬ width\u200b here ",
        "#tag&amp;more",
    ]:
        prepared, offsets = prepare_with_offsets(text)
        assert prepared == prepare(text)
        assert len(offsets) == len(prepared)


def test_spans_point_at_real_words(shipped: AbuseModel) -> None:
    text = "Honestly, you are a disgusting little idiot and everyone here knows it."
    spans = shipped.explain(text)
    assert spans
    words = [text[s:e] for s, e in spans]
    assert all(w.isalpha() for w in words)
    assert "idiot" in words or "disgusting" in words


def test_spans_survive_disguises(shipped: AbuseModel) -> None:
    text = "Ｙｏｕ  are   an  IDIOT!!"
    for start, end in shipped.explain(text):
        assert text[start:end].strip() and not text[start:end].startswith(" ")


def test_the_model_is_a_check_in_the_verdict(shipped: AbuseModel) -> None:
    verdict = moderate("you people are disgusting animals, every last one of you", Context(), Policy(model=shipped))
    assert "model" in verdict.scores
    reason = next(r for r in verdict.findings if r.code == "abusive.model")
    assert reason.spans and reason.score >= Policy().model_hold
    civil = moderate("The talks in Doha will decide whether the ceasefire holds.", Context(), Policy(model=shipped))
    assert "abusive.model" not in civil.codes and civil.scores["model"] < Policy().model_hold


def test_model_thresholds_come_from_the_policy(shipped: AbuseModel) -> None:
    text = "you people are disgusting animals, every last one of you"
    assert (
        moderate(
            text, Context(), Policy(model_hold=0.99, model_reject=0.999, abuse_hold=2, abuse_reject=2, model=shipped)
        ).action
        == "publish"
    )
    assert moderate(text, Context(), Policy(model_hold=0.01, model_reject=0.02, model=shipped)).action == "reject"


def test_without_a_model_the_rules_alone_decide() -> None:
    verdict = moderate("You are a brainless idiot.", Context(), Policy())
    assert "model" not in verdict.scores and verdict.action != "publish"


def test_roc_auc_matches_the_definition() -> None:
    labels = [True, False, True, False, True]
    scores = [0.9, 0.1, 0.4, 0.4, 0.8]
    pairs = [
        (p, n)
        for p, yp in zip(scores, labels, strict=True)
        for n, yn in zip(scores, labels, strict=True)
        if yp and not yn
    ]
    expected = sum(1.0 if p > n else 0.5 if p == n else 0.0 for p, n in pairs) / len(pairs)
    assert roc_auc(labels, scores) == pytest.approx(expected)


# The figures a plain scikit-learn model (word 1-2-grams + char 2-5-grams, TF-IDF, logistic
# regression) reached on the same test splits, as measured in issue 9: the shipped model must beat them.
BASELINE_AUC = {"olid2019": 0.77, "hatexplain": 0.83}
# "Beat both clearly": by at least this much on each (docs/model-card.md gives the margins measured).
CLEAR_MARGIN = 0.015


def test_the_shipped_model_beats_the_baseline_on_the_public_test_splits(shipped: AbuseModel) -> None:
    rows = [json.loads(line) for line in (DATA / "public-test.jsonl").read_text(encoding="utf-8").splitlines()]
    assert {r["split"] for r in rows} == {"test"}
    for source, baseline in BASELINE_AUC.items():
        mine = [r for r in rows if r["source"] == source]
        auc = roc_auc([r["abusive"] for r in mine], shipped.scores(r["text"] for r in mine).tolist())
        assert auc >= baseline + CLEAR_MARGIN, (source, auc)


def test_the_shipped_model_says_what_it_was_trained_on(shipped: AbuseModel) -> None:
    meta = shipped.metadata
    assert set(meta["trained_on"]) == {"olid2019.jsonl", "hatexplain.jsonl"}
    assert meta["figures"]["records"]["test_left_out"] > 0
    assert "scikit-learn" in meta["libraries"]


def test_batch_scores_are_the_single_scores(shipped: AbuseModel) -> None:
    texts = INSULTS + CIVIL + ["", "  ", "ünïcödé ж 😀 idiot", "x" * 3000, "a\nb", "@USER URL #tag &amp; you moron"]
    single = np.array([shipped.score(t) for t in texts])
    assert np.allclose(shipped.scores(texts, batch=4), single, rtol=0, atol=1e-9)
    # More than 4,096 texts at once: each (text, slot) no longer fits 32 bits, and 64 are used.
    many = (texts * 400)[:4200]
    assert np.allclose(shipped.scores(many, batch=5000)[: len(texts)], single, rtol=0, atol=1e-9)
    scorer = shipped.batch(texts[:3])
    assert scorer.score(texts[0]) == pytest.approx(single[0], abs=1e-9)
    assert scorer.score("not in the batch, you idiot") == shipped.score("not in the batch, you idiot")
    assert scorer.explain(INSULTS[0]) == shipped.explain(INSULTS[0])


def test_no_ngram_runs_across_two_texts_of_a_batch() -> None:
    from moderation.model import grams

    joined = grams(["abc", "def"], SMALL)
    apart = [grams("abc", SMALL), grams("def", SMALL)]
    assert sorted(joined.char_slots.tolist()) == sorted(apart[0].char_slots.tolist() + apart[1].char_slots.tolist())
    assert sorted(joined.word_slots.tolist()) == sorted(apart[0].word_slots.tolist() + apart[1].word_slots.tolist())
    assert joined.char_docs.tolist().count(0) == len(apart[0].char_slots)
