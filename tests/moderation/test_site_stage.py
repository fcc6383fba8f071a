"""Learning from a site's own decisions: the split by key, the stage on the model, and its place in the model file."""

from __future__ import annotations

import hashlib
import json
import struct
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from factories.learning import CIVIL, INSULTS, SENTENCES, SMALL
from moderation.model import MAGIC, AbuseModel, ModelError, Stage
from moderation.training import (
    DECISIONS_SOURCE,
    Record,
    TooFewDecisions,
    TrainingError,
    as_decisions,
    learn_from_site,
    read_decisions,
    split_for,
    train,
)


def public(n: int = 120) -> list[Record]:
    return [Record(f"{(INSULTS if i % 2 else CIVIL)[i % 3]} {i % 7}", i % 2 == 1, "train", "public") for i in range(n)]


def glorp_decisions(n: int = 300) -> list[Record]:
    """A site whose moderators reject "glorp" (a word no public set has), in sentences that are otherwise civil."""
    rows = []
    for i in range(n):
        abusive = i % 2 == 0
        sentence = SENTENCES[i % 3]
        text = f"glorp, {sentence}, glorp {i}" if abusive else f"well, {sentence}, point {i}"
        rows.append(Record(text, abusive, key=str(1000 + i)))
    return as_decisions(rows)


@pytest.fixture(scope="module")
def base() -> AbuseModel:
    return train(public(), features=SMALL, seed=3).model


@pytest.fixture(scope="module")
def learned(base: AbuseModel):
    return learn_from_site(base, glorp_decisions(), seed=0)


def test_the_split_is_fixed_by_the_key_alone() -> None:
    assert split_for(42) == split_for("42")
    assert [split_for(n) for n in range(8)] == [split_for(str(n)) for n in range(8)]
    # Fixed for ever: a decision held out once stays held out (a change of the hash would leak them).
    assert [split_for(n) for n in range(10)] == ["train"] * 8 + ["val", "test"]
    shares = Counter(split_for(n) for n in range(20_000))
    assert abs(shares["train"] / 20_000 - 0.70) < 0.015 and abs(shares["test"] / 20_000 - 0.15) < 0.015


def test_decisions_are_split_by_key_whatever_order_or_company() -> None:
    rows = glorp_decisions(60)
    again = as_decisions(list(reversed([Record(r.text, r.abusive, "test", "other", key=r.key) for r in rows])))
    assert {r.key: r.split for r in rows} == {r.key: r.split for r in again}
    assert {r.source for r in again} == {DECISIONS_SOURCE}
    unkeyed = as_decisions([Record("a comment without a key", False)])[0]
    assert unkeyed.key == "a comment without a key" and unkeyed.split == split_for("a comment without a key")


def test_decisions_read_from_json_lines_ignore_their_split_and_name_a_bad_line(tmp_path: Path) -> None:
    path = tmp_path / "own.jsonl"
    path.write_text(
        json.dumps({"text": "a fine remark", "abusive": False, "key": 7, "split": "train"})
        + "\n"
        + json.dumps({"text": "glorp", "abusive": True})
        + "\n",
        encoding="utf-8",
    )
    first, second = read_decisions(path)
    assert (first.key, first.split, first.source) == ("7", split_for(7), DECISIONS_SOURCE)
    assert (second.key, second.split) == ("glorp", split_for("glorp"))
    path.write_text('{"text": "fine", "abusive": false}\n{"text": "x", "abusive": true, "key": [1]}\n')
    with pytest.raises(TrainingError, match=r"own.jsonl, line 2: 'key' must be text or a whole number"):
        read_decisions(path)


def test_the_stage_learns_what_the_site_rejects(base: AbuseModel, learned) -> None:
    assert learned.chosen == "stage" and learned.model is not None
    model = learned.model
    glorp, plain = "glorp, the mayor spoke about the budget", "well, the mayor spoke about the budget"
    assert model.score(glorp) - model.score(plain) > 0.3
    assert abs(base.score(glorp) - base.score(plain)) < 0.1  # the base never saw the word
    figures = learned.figures
    assert figures["stage"]["val_auc"] > figures["base"]["val_auc"]
    assert figures["test_auc"]["new"] > figures["test_auc"]["base"]
    assert figures["decisions"] == {
        "train": sum(r.split == "train" for r in glorp_decisions()),
        "val": sum(r.split == "val" for r in glorp_decisions()),
        "test": sum(r.split == "test" for r in glorp_decisions()),
        "abusive": 150,
    }


def test_the_held_out_decisions_are_never_learned_from(base: AbuseModel) -> None:
    rows = glorp_decisions()
    # Flip every held-out label: a stage that learned from any of them would change.
    flipped = [Record(r.text, not r.abusive, r.split, r.source, key=r.key) if r.split == "test" else r for r in rows]
    first = learn_from_site(base, rows, seed=0).model
    second = learn_from_site(base, flipped, seed=0).model
    assert first is not None and second is not None
    assert first.to_bytes() == second.to_bytes()


def test_the_same_decisions_and_seed_give_the_same_bytes(base: AbuseModel, learned) -> None:
    again = learn_from_site(base, glorp_decisions(), seed=0).model
    assert again is not None and learned.model.to_bytes() == again.to_bytes()


def test_nothing_beats_a_base_that_is_already_right(base: AbuseModel) -> None:
    rows = as_decisions(
        Record(f"{(INSULTS if i % 2 else CIVIL)[i % 3]} {i % 7}", i % 2 == 1, key=str(i)) for i in range(200)
    )
    result = learn_from_site(base, rows, seed=0)
    assert result.chosen == "base" and result.model is None
    assert result.figures["base"]["val_auc"] == 1.0


def test_too_few_decisions_to_compare_on_is_a_clear_error(base: AbuseModel) -> None:
    with pytest.raises(TooFewDecisions, match="too few own decisions to choose by validation"):
        learn_from_site(base, glorp_decisions(20), seed=0)


def test_the_retrained_candidate_is_compared_too(base: AbuseModel) -> None:
    result = learn_from_site(base, glorp_decisions(), public=public(), seed=0, retrain_weights=(1.0, 4.0))
    retrained = result.figures["retrain"]
    assert set(retrained["val_auc_by_weight"]) == {"1.0", "4.0"} and retrained["weight"] in (1.0, 4.0)
    assert result.chosen in ("stage", "retrain") and result.model is not None


def test_a_stage_is_kept_apart_in_the_file_and_folded_to_score(base: AbuseModel, learned, tmp_path: Path) -> None:
    model = learned.model
    path = tmp_path / "site.nrm"
    model.save(path)
    loaded = AbuseModel.load(path)
    texts = [r.text for r in glorp_decisions(40)] + ["", "ünïcödé ж 😀"]
    assert np.array_equal(loaded.scores(texts), model.scores(texts))
    assert [loaded.score(t) for t in texts] == pytest.approx(loaded.scores(texts).tolist(), abs=1e-9)
    assert loaded.explain("glorp, the mayor spoke")  # the stage's words are highlighted like the model's
    assert _header(path.read_bytes())["format"] == 4
    # The model under the stage is the base, byte for byte: the next stage replaces this one.
    assert loaded.without_stage().to_bytes() == base.to_bytes()
    assert loaded.metadata["base"] == base.metadata
    assert loaded.stage is not None
    restaged = loaded.with_stage(loaded.stage, {"name": "again"})
    assert restaged.without_stage().to_bytes() == base.to_bytes()
    assert np.array_equal(restaged.scores(texts), model.scores(texts))
    # Learning again, the site's model is what to beat (and here nothing does: it has these decisions right).
    again = learn_from_site(loaded, glorp_decisions(), seed=0)
    assert again.chosen == "base" and again.figures["base"]["name"] == model.name


def test_a_model_without_a_stage_is_written_as_before(base: AbuseModel) -> None:
    """Format 3, which versions before stages read; the shipped file, written so, reloads byte for byte (checked
    by hand: compressing its 16 MB takes 20 seconds)."""
    data = base.to_bytes()
    assert _header(data)["format"] == 3 and "stage" not in _header(data)
    assert AbuseModel.from_bytes(data).to_bytes() == data


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        (lambda h: h["stage"].update(base_weight=1e9), "base weight is 1e\\+09, outside"),
        (lambda h: h["stage"].update(intercept="x"), "stage's intercept is not a number"),
        (lambda h: h.update(format=3), "not described as this version writes one"),
        (lambda h: h["stage"].update(word_terms=-1), "word_terms is not a count"),
    ],
)
def test_a_damaged_stage_is_refused(learned, tmp_path: Path, change, fragment: str) -> None:
    data = learned.model.to_bytes()
    header = _header(data)
    change(header)
    with pytest.raises(ModelError, match=fragment):
        AbuseModel.from_bytes(_with_header(data, header))


def test_stage_slots_out_of_order_or_range_are_refused(base: AbuseModel) -> None:
    for slots in ([5, 3], [1 << 12]):
        stage = Stage(
            1.0,
            0.0,
            np.array(slots, dtype=np.uint32),
            np.zeros(len(slots), dtype=np.float32),
            np.zeros(0, dtype=np.uint32),
            np.zeros(0, dtype=np.float32),
        )
        with pytest.raises(ModelError, match="word slots are not distinct slots in order"):
            base.with_stage(stage, {"name": "bad"})  # as loading one from a file is: it builds the same model


def test_a_stage_that_would_push_a_coefficient_past_its_range_is_refused(base: AbuseModel) -> None:
    slot = int(np.argmax(base.word_coef))
    assert base.word_coef[slot] > 0
    stage = Stage(
        1.0,
        0.0,
        np.array([slot], dtype=np.uint32),
        np.array([100.0], dtype=np.float32),  # within range alone, past it with the model's own weight
        np.zeros(0, dtype=np.uint32),
        np.zeros(0, dtype=np.float32),
    )
    with pytest.raises(ModelError, match="word_coef with the stage holds values outside"):
        AbuseModel.from_bytes(base.with_stage(stage, {"name": "nudged"}).to_bytes())


def _header(data: bytes) -> dict[str, Any]:
    (length,) = struct.unpack("<Q", data[len(MAGIC) : len(MAGIC) + 8])
    header: dict[str, Any] = json.loads(data[len(MAGIC) + 8 : len(MAGIC) + 8 + length])
    return header


def _with_header(data: bytes, header: dict[str, Any]) -> bytes:
    (length,) = struct.unpack("<Q", data[len(MAGIC) : len(MAGIC) + 8])
    payload = data[len(MAGIC) + 8 + length : -32]
    head = json.dumps(header, sort_keys=True, separators=(",", ":")).encode()
    body = MAGIC + struct.pack("<Q", len(head)) + head + payload
    return body + hashlib.sha256(body).digest()
