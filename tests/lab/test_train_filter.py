"""``manage.py train_filter`` learning from the site's own decisions: from the database or a file, split by comment
id, kept only when it beats the base model on decisions held out, and saying by how much.

The site here rejects "glorp", a word no public set has, in sentences that are otherwise civil; the base is a small
model of a few insults and civil remarks (the shipped one would do, but writing its 16 MB takes 20 seconds).
"""

from __future__ import annotations

import io
import json
import re
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from django.core.management import CommandError, call_command

from comments.models import Comment
from comments.services import comment_approve, comment_reject
from factories import HOLD_ALL, make_comment, make_seed_article
from factories.learning import CIVIL, INSULTS, SENTENCES, SMALL
from lab.management.commands.train_filter import decision_records
from moderation.model import AbuseModel
from moderation.training import DECISIONS_SOURCE, Record, read_decisions, split_for, train

GLORP = "Glorp, the mayor spoke about the budget."
PLAIN = "Well, the mayor spoke about the budget."


def glorp(n: int, abusive: bool) -> str:
    sentence = SENTENCES[n % len(SENTENCES)]
    return f"Glorp, {sentence}, glorp {n}." if abusive else f"Well, {sentence}, point {n}."


def write_lines(path: Path, rows: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


def glorp_file(path: Path, n: int = 240) -> Path:
    return write_lines(path, [{"text": glorp(i, i % 2 == 0), "abusive": i % 2 == 0, "key": f"d{i}"} for i in range(n)])


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Path:
    rows = [Record(f"{(INSULTS if i % 2 else CIVIL)[i % 3]} {i % 7}", i % 2 == 1) for i in range(120)]
    path: Path = tmp_path_factory.mktemp("base") / "base.nrm"
    model = train(rows, features=SMALL, seed=3).model
    model.metadata["name"] = "small base"
    model.save(path)
    return path


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("train_filter", *args, stdout=out)
    return out.getvalue()


def test_own_decisions_from_a_file_teach_a_stage_and_the_command_says_by_how_much(tmp_path, base):
    out = run(
        "--decisions", str(glorp_file(tmp_path / "own.jsonl")), "--base", str(base), "--out", str(tmp_path / "m.nrm")
    )
    splits = Counter(split_for(f"d{i}") for i in range(240))
    assert (
        f"240 own decisions (120 abusive), split by comment id: {splits['train']} to learn from, "
        f"{splits['val']} to choose on, {splits['test']} held out." in out
    )
    assert re.search(
        rf"AUC on the {splits['val']} decisions held out to choose on: base 0\.\d+; retrained with the public data "
        r"not tried \(give the public data with --data\); stage on the base 1\.000\.",
        out,
    ), out
    assert f"AUC on all {splits['train'] + splits['val']} of them, each scored by a stage" in out
    assert "Chosen: the stage on the base" in out
    found = re.search(
        rf"AUC on the {splits['test']} decisions never learned from nor chosen on: base (\S+), new (\S+) ", out
    )
    assert found and float(found[2]) > float(found[1]), out

    model, small = AbuseModel.load(tmp_path / "m.nrm"), AbuseModel.load(base)
    assert model.stage is not None and model.name == "m"
    assert model.score(GLORP) - small.score(GLORP) > 0.3  # learned in the direction the moderators decided
    assert model.score(GLORP) - model.score(PLAIN) > 0.3
    assert np.array_equal(model.without_stage().word_coef, small.word_coef)
    assert model.metadata["base"]["name"] == "small base"
    assert set(model.metadata["trained_on"]) == {"own.jsonl", "base: base.nrm"}
    assert model.metadata["site"]["chosen"] == "stage"


def test_a_bad_decisions_line_is_named_by_number_and_nothing_is_written(tmp_path, base):
    bad = write_lines(tmp_path / "own.jsonl", [{"text": "fine", "abusive": False}, {"text": "x", "abusive": "yes"}])
    with pytest.raises(CommandError, match=r"own\.jsonl, line 2: 'abusive' must be true or false; nothing was written"):
        run("--decisions", str(bad), "--base", str(base), "--out", str(tmp_path / "m.nrm"))
    assert list(tmp_path.iterdir()) == [bad]


def test_nothing_is_written_when_no_candidate_beats_the_base(tmp_path, base):
    """Decisions the base already ranks perfectly: a stage cannot do better, so the site keeps its model."""
    rows = [
        {"text": f"{(INSULTS if i % 2 else CIVIL)[i % 3]} {i}", "abusive": i % 2 == 1, "key": i} for i in range(200)
    ]
    own = write_lines(tmp_path / "own.jsonl", rows)
    out = io.StringIO()
    with pytest.raises(CommandError, match="Neither candidate beats the base model .small base.*nothing was written"):
        call_command("train_filter", "--decisions", str(own), "--base", str(base), "--out", str(tmp_path / "m.nrm"),
                     stdout=out)  # fmt: skip
    assert "base 1.000" in out.getvalue() and not (tmp_path / "m.nrm").exists()


def test_too_few_decisions_are_an_error_alone_and_one_more_source_beside_public_data(tmp_path, base):
    own = glorp_file(tmp_path / "own.jsonl", n=12)
    with pytest.raises(CommandError, match="too few own decisions to choose by validation.*nothing was written"):
        run("--decisions", str(own), "--base", str(base), "--out", str(tmp_path / "m.nrm"))
    public = write_lines(tmp_path / "public.jsonl", [{"text": f"remark {i}", "abusive": i % 2 == 1} for i in range(40)])
    out = run("--data", str(public), "--decisions", str(own), "--base", str(base), "--out", str(tmp_path / "m.nrm"))
    assert "Nothing compared: too few own decisions" in out and "Trained as before instead" in out
    model = AbuseModel.load(tmp_path / "m.nrm")
    assert (
        model.stage is None and f"{DECISIONS_SOURCE} abusive" in model.metadata["figures"]["records"]["train_by_source"]
    )


def test_the_base_must_be_a_model(tmp_path):
    with pytest.raises(CommandError, match="the base model cannot be used.*nothing was written"):
        run("--decisions", str(glorp_file(tmp_path / "own.jsonl")), "--base", str(tmp_path / "none.nrm"),
            "--out", str(tmp_path / "m.nrm"))  # fmt: skip


# --- From the database ----------------------------------------------------------------------------------------


def decide(admin_user, *, enough: int = 8) -> list[Comment]:
    """Held comments decided by a moderator through the real services, "glorp" ones rejected as abusive, until the
    part held out to choose on has ``enough`` of each (the split is the comment id's, so the count varies)."""
    article = make_seed_article()
    decided: list[Comment] = []
    val: Counter[bool] = Counter()
    for n in range(600):
        abusive = n % 2 == 0
        comment = make_comment(article, body=glorp(n, abusive), policy=HOLD_ALL)
        if abusive:
            comment_reject(comment=comment, actor=admin_user, reason="abusive")
        else:
            comment_approve(comment=comment, actor=admin_user)
        decided.append(comment)
        val[abusive] += split_for(comment.pk) == "val"
        if min(val[True], val[False]) >= enough and len(decided) >= 120:
            return decided
    raise AssertionError("too few comments landed in the part held out to choose on")


@pytest.mark.django_db
def test_the_sites_decisions_carry_their_comment_id_and_its_split(admin_user):
    decided = decide(admin_user, enough=1)
    article = decided[0].article
    comment_reject(comment=make_comment(article, body="Buy watches.", policy=HOLD_ALL), actor=admin_user, reason="spam")
    make_comment(article, body="Nobody has looked at this glorp yet.", policy=HOLD_ALL)  # unreviewed: left out
    records = decision_records()
    assert sorted(r.key for r in records) == sorted(str(c.pk) for c in decided)
    assert all(r.split == split_for(r.key) == split_for(int(r.key)) for r in records)
    assert {r.source for r in records} == {DECISIONS_SOURCE}
    by_key = {r.key: r for r in records}
    assert all(by_key[str(c.pk)].abusive == c.body.startswith("Glorp") for c in decided)


@pytest.mark.django_db
def test_from_decisions_learns_a_stage_from_the_database(tmp_path, base, admin_user):
    decided = decide(admin_user)
    out = run("--from-decisions", "--base", str(base), "--out", str(tmp_path / "m.nrm"), "--name", "site")
    assert f"{len(decided)} moderator decisions added ({(len(decided) + 1) // 2} abusive)." in out
    assert "stage on the base 1.000" in out and "never learned from nor chosen on: base" in out
    model = AbuseModel.load(tmp_path / "m.nrm")
    assert model.name == "site" and model.stage is not None
    assert model.score(GLORP) > model.score(PLAIN) + 0.3


@pytest.mark.django_db
def test_exported_decisions_read_back_as_the_same_records(tmp_path, admin_user):
    decide(admin_user, enough=1)
    out = run("--export-decisions", str(tmp_path / "own.jsonl"))
    assert re.search(r"Wrote \d+ decisions \(\d+ abusive\) to ", out)
    assert sorted(read_decisions(tmp_path / "own.jsonl"), key=str) == sorted(decision_records(), key=str)


@pytest.mark.django_db
def test_own_decisions_in_the_background_reach_the_worker(tmp_path, base):
    own = glorp_file(tmp_path / "own.jsonl")
    out = run("--decisions", str(own), "--base", str(base), "--out", str(tmp_path / "m.nrm"), "--background")
    assert "Queued as task" in out and AbuseModel.load(tmp_path / "m.nrm").stage is not None  # run at once here
    with pytest.raises(CommandError, match="no such file; nothing was queued"):
        run("--decisions", str(tmp_path / "gone.jsonl"), "--out", str(tmp_path / "m.nrm"), "--background")
