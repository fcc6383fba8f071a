"""The simulator's report says no more than the labels support, whatever labels a replayed file carries.

Six comments whose verdicts are plain (an insult held as abusive, self-promotion held as spam, two comments
about something else held as off-topic, two on-topic comments published) are replayed with every subset of
the three labels, and every figure is checked against a count made by hand. One comment labelled abusive is
held only as off-topic (a catch by luck), one labelled abusive is published (a leak).
"""

import io
import itertools
import json

import pytest
from django.core.management import call_command

from factories import make_seed_article

pytestmark = pytest.mark.django_db

#       text, what the filter does with it, labels (abusive, on_topic, spam)
ROWS = {
    "A": ("You are a brainless idiot and everyone here knows it about the Taliban talks.", (True, True, False)),
    "B": ("Subscribe to my channel for more videos every day!", (False, False, True)),
    "C": (
        "Pakistan has real leverage over the Taliban, so asking Islamabad to push the intra-Afghan talks makes sense.",
        (False, True, False),
    ),
    # Held as off-topic takes a comment entirely about something else, several sentences long (one sentence of
    # chatter is published and flagged).
    "D": (
        "My cat likes tuna and naps all day in the sun by the kitchen window. In the evening she chases moths around "
        "the lampshade and knocks the houseplants over. The vet says a tabby her age should eat less and play more. "
        "So I bought her a feather wand, a scratching post and a cardboard tunnel. She ignores them all and sleeps in "
        "the laundry basket instead. At midnight she purrs on my pillow and kneads the duvet with her paws.",
        (False, False, False),
    ),
    "E": (
        "My grandmother's apple pie recipe uses cinnamon, nutmeg and a pinch of salt. She peels tart cooking apples, "
        "slices them thinly and tosses them with brown sugar and lemon zest. The pastry is cold butter rubbed into "
        "flour with a splash of iced water. She crimps the edges with a fork and brushes the lid with beaten egg. It "
        "bakes until golden and bubbling, and we eat it warm with custard or vanilla ice cream.",
        (True, False, False),
    ),
    "F": ("Khalilzad met Bajwa in Rawalpindi to discuss the prisoner exchange and the Doha agreement.", (True, True, False)),
}  # fmt: skip
# What the default policy does with each (checked first, so that a change in the filter is told apart from a
# change in the report).
DECISIONS = {"A": "abusive", "B": "spam", "C": None, "D": "off_topic", "E": "off_topic", "F": None}
LABELS = ("abusive", "on_topic", "spam")


def replay(tmp_path, labels):
    path = tmp_path / "replay.jsonl"
    lines = []
    for key, (text, truth) in ROWS.items():
        record: dict[str, str | bool] = {"id": key, "text": text}
        record.update({name: value for name, value in zip(LABELS, truth, strict=True) if name in labels})
        lines.append(json.dumps(record))
    path.write_text("\n".join(lines) + "\n")
    out = io.StringIO()
    call_command(
        "simulate", "--replay", str(path), "--article", make_seed_article().slug, "--dry-run",
        "--json", str(tmp_path / "report.json"), "--decisions", str(tmp_path / "decisions.jsonl"), stdout=out,
    )  # fmt: skip
    decisions = [json.loads(line) for line in (tmp_path / "decisions.jsonl").read_text().splitlines()]
    return json.loads((tmp_path / "report.json").read_text()), out.getvalue(), decisions


@pytest.mark.parametrize(
    "labels", [set(c) for n in range(len(LABELS) + 1) for c in itertools.combinations(LABELS, n)], ids=repr
)
def test_every_figure_is_what_the_labels_support(tmp_path, labels):
    report, text, decisions = replay(tmp_path, labels)
    families_held = {d["id"]: {code.split(".")[0] for code in d["reasons"]} for d in decisions}
    assert families_held == {k: ({v} if v else set()) for k, v in DECISIONS.items()}

    # How often each family fired: on every comment, whatever the labels.
    assert {f: report["families"][f]["fired"] for f in ("abusive", "off_topic", "spam")} == {
        "abusive": 1,
        "off_topic": 2,
        "spam": 1,
    }
    abusive, off_topic, spam = (report["families"][f] for f in ("abusive", "off_topic", "spam"))
    if "abusive" in labels:  # A caught; E held as off-topic (by luck); F published; B, C, D clean of abuse
        assert (abusive["tp"], abusive["fp"], abusive["fn"], abusive["tn"]) == (1, 0, 2, 3)
        assert abusive["precision"] == 1.0 and abusive["recall"] == pytest.approx(1 / 3)
        assert abusive["by_luck"] == 1 and abusive["by_luck_share"] == pytest.approx(1 / 3)
        assert report["leak_rate"] == pytest.approx(1 / 3)
        assert "published 33.3% (leak rate), held as abusive 33.3%, held only for another reason 33.3%" in text
    else:
        assert abusive["labelled"] == 0 and abusive["precision"] is None and abusive["recall"] is None
        assert report["leak_rate"] is None and "leak rate is unknown" in text
    if "on_topic" in labels:  # off-topic: B, D, E; fired on D and E
        assert (off_topic["tp"], off_topic["fp"], off_topic["fn"], off_topic["tn"]) == (2, 0, 1, 3)
        assert off_topic["by_luck"] == 1  # B, held as spam
    else:
        assert off_topic["labelled"] == 0 and off_topic["precision"] is None
    if "spam" in labels:
        assert (spam["tp"], spam["fp"], spam["fn"], spam["tn"]) == (1, 0, 0, 5)
    else:
        assert spam["labelled"] == 0 and spam["recall"] is None

    if labels == set(LABELS):  # only then is a comment known to be clean: C alone
        assert report["labelled"] == 6
        overall = report["overall"]  # needs action: A, B, D, E, F; held: A, B, D, E
        assert (overall["tp"], overall["fp"], overall["fn"], overall["tn"]) == (4, 0, 1, 1)
        assert report["clean_blocked_rate"] == 0.0
    else:
        assert report["labelled"] == 0
        assert report["overall"]["precision"] is None and report["clean_blocked_rate"] is None
        assert "100.0%" not in text.split("any problem")[1].splitlines()[0]
        assert "none is known to be clean" in text
        assert report["workload"]["time_to_publish_median_minutes"] is None


def test_a_comment_published_and_flagged_is_listed_as_flagged_in_the_decisions_and_the_report(tmp_path):
    path = tmp_path / "replay.jsonl"
    text = "I made a lovely banana bread this weekend, the trick is really ripe bananas and cinnamon."
    path.write_text(json.dumps({"id": "t", "text": text, "on_topic": False}) + "\n")
    out = io.StringIO()
    call_command(
        "simulate", "--replay", str(path), "--article", make_seed_article().slug, "--dry-run",
        "--json", str(tmp_path / "report.json"), "--decisions", str(tmp_path / "decisions.jsonl"), stdout=out,
    )  # fmt: skip
    (decision,) = [json.loads(line) for line in (tmp_path / "decisions.jsonl").read_text().splitlines()]
    assert decision["decision"] == "publish" and decision["reasons"] == [] and decision["flagged"] == ["off_topic"]
    off_topic = json.loads((tmp_path / "report.json").read_text())["families"]["off_topic"]
    assert off_topic["fired"] == 0 and off_topic["flagged"] == 1 and off_topic["flag_caught"] == 1
    assert off_topic["recall"] == 0.0 and off_topic["held_or_flagged_share"] == 1.0
    assert "published and flagged for moderators as off_topic: 1" in out.getvalue()
