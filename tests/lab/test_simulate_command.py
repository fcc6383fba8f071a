import datetime as dt
import io
import json
import re

import pytest
from django.core.management import CommandError, call_command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from comments.models import Comment, ModerationEvent
from factories import make_seed_article
from lab.models import SimulationRun
from policies.models import ModerationPolicy

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def development_site(settings):
    # pytest-django runs with DEBUG off; simulate writes to the database only on a development site
    # (or with --allow-live-database), which is where these runs belong.
    settings.DEBUG = True


def simulate(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("simulate", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def slug():
    return make_seed_article().slug


def test_dry_run_writes_nothing_and_reports(slug, tmp_path):
    out, _ = simulate(
        "--article", slug, "--comments", "300", "--seed", "4", "--dry-run", "--json", str(tmp_path / "r.json")
    )
    assert Comment.objects.count() == 0 and SimulationRun.objects.count() == 0
    assert "precision" in out and "leak rate" in out and "moderator-hours" in out
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["total"] == 300
    assert set(report["families"]) == {"abusive", "off_topic", "spam"}
    assert report["workload"]["moderators"] == 2


def test_same_seed_same_report(slug, tmp_path):
    for name in ("a", "b"):
        simulate(
            "--article", slug, "--comments", "200", "--seed", "9", "--dry-run", "--json", str(tmp_path / f"{name}.json")
        )
    assert (tmp_path / "a.json").read_text() == (tmp_path / "b.json").read_text()


def test_database_path_goes_through_the_service_and_fills_the_queue(slug, tmp_path, client, admin_user):
    simulate(
        "--article", slug, "--comments", "200", "--seed", "4", "--dry-run", "--decisions", str(tmp_path / "dry.jsonl")
    )
    simulate("--article", slug, "--comments", "200", "--seed", "4", "--decisions", str(tmp_path / "db.jsonl"))
    run = SimulationRun.objects.get()
    comments = Comment.objects.filter(simulation=run)
    assert comments.count() == 200
    assert ModerationEvent.objects.filter(comment__simulation=run, action="auto").count() == 200
    assert comments.filter(status="held").exists() and comments.exclude(ground_truth={}).count() == 200
    # The database path and the dry run decide alike: one pipeline.
    dry = [json.loads(line) for line in (tmp_path / "dry.jsonl").read_text().splitlines()]
    db = [json.loads(line) for line in (tmp_path / "db.jsonl").read_text().splitlines()]
    assert [d["decision"] for d in dry] == [d["decision"] for d in db]
    assert [d["id"] for d in db] == [f"sim-4-{n}" for n in range(1, 201)]  # input order
    assert run.report["total"] == 200

    client.force_login(admin_user)
    queue = client.get(f"/admin/desk/reviewqueueitem/?simulation__id__exact={run.pk}").content.decode()
    assert "ground_truth" not in queue and "abusive&quot;: true" not in queue
    page = client.get(f"/staff/simulations/{run.pk}/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "Review queue length" in html and 'id="confusion"' in html
    # Charts drawn by pygal, as SVG images: axis titles and gridlines inside, no script anywhere on the page.
    import base64

    charts = re.findall(r'src="data:image/svg\+xml;base64,([^"]+)"', html)
    assert len(charts) == 3
    svg = base64.b64decode(charts[0]).decode()
    assert "<script" not in svg and "<script" not in html.split("</footer>")[0].split("<main")[-1]
    assert "hours after publication" in svg and 'class="guides"' in svg and "pygal" in svg
    assert 'id="ground-truth"' in html and "public-test.jsonl" in html
    assert client.get("/staff/simulations/").status_code == 200


def test_report_page_is_for_staff_only(client, slug):
    simulate("--article", slug, "--comments", "50")
    run = SimulationRun.objects.get()
    response = client.get(f"/staff/simulations/{run.pk}/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_replay_reports_bad_records_and_keeps_the_rest(slug, tmp_path):
    path = tmp_path / "real.jsonl"
    path.write_text(
        "\n".join(
            [
                json.dumps(
                    {"id": "1", "text": "Khalilzad is right to lean on Islamabad.", "abusive": False, "on_topic": True}
                ),
                "{broken",
                json.dumps({"id": "2", "text": "You are a brainless idiot.", "parent_id": "1", "abusive": True}),
                json.dumps({"id": "3", "text": "Orphan reply", "parent_id": "99"}),
            ]
        )
    )
    out, err = simulate("--replay", str(path), "--article", slug, "--dry-run", "--decisions", str(tmp_path / "d.jsonl"))
    assert "line 2: not valid JSON" in err and "line 4: parent_id '99'" in err
    decisions = [json.loads(line) for line in (tmp_path / "d.jsonl").read_text().splitlines()]
    assert [d["id"] for d in decisions] == ["1", "2"]
    assert decisions[1]["decision"] != "publish" and "abusive.insult" in decisions[1]["reasons"]
    with pytest.raises(CommandError, match="line 2"):
        simulate("--replay", str(path), "--article", slug, "--dry-run", "--strict")


def test_replay_judges_against_each_records_own_article(tmp_path):
    path = tmp_path / "other.csv"
    path.write_text(
        "id,text,article_title,article_text\n"
        '1,"The river barriers at Clifton Bridge were never tested this hard, the agency admits.",'
        'Floods in York,"The River Ouse rose 40 centimetres near Clifton Bridge, the Environment Agency said."\n'
    )
    _, err = simulate("--replay", str(path), "--dry-run", "--decisions", str(tmp_path / "d.jsonl"))
    assert err == ""
    (decision,) = [json.loads(line) for line in (tmp_path / "d.jsonl").read_text().splitlines()]
    assert decision["decision"] == "publish" and decision["scores"]["off_topic"] < 0.3


def test_compare_two_policies_side_by_side(slug, tmp_path):
    ModerationPolicy.objects.create(name="lenient", abuse_hold=0.9, abuse_reject=0.99, off_topic_hold=0.95)
    strict = tmp_path / "strict.json"
    strict.write_text(json.dumps({"abuse_hold": 0.3, "off_topic_hold": 0.4, "hold_first_comments": 1}))
    out, _ = simulate("--article", slug, "--comments", "300", "--compare", "lenient", str(strict))
    assert "lenient" in out and "strict" in out and "leak rate" in out and "moderator hours" in out
    assert Comment.objects.count() == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--comments", "10"], "--article SLUG is required"),
        (["--article", "nope"], "no article with slug 'nope'"),
        (["--article", "{slug}", "--policy", "missing"], "no policy named 'missing'"),
        (["--article", "{slug}", "--moderators", "0"], "--moderators must be at least 1"),
        (["--replay", "/nonexistent.jsonl", "--dry-run"], "no such file"),
    ],
)
def test_bad_arguments_are_clear_errors(slug, args, message):
    with pytest.raises(CommandError, match=message):
        simulate(*[a.format(slug=slug) for a in args])


def test_training_page_scores_moderators(slug, client, django_user_model, tmp_path):
    from comments.services import comment_approve
    from desk.roles import ensure_moderators_group

    # A policy that holds every comment, so the queue has clean comments in it beside abusive ones: the filter
    # seldom holds a genuine comment, and which ones it holds moves with each recalibration of its checks.
    strict = tmp_path / "strict.json"
    strict.write_text(json.dumps({"mode": "hold_all"}))
    simulate("--article", slug, "--comments", "150", "--seed", "2", "--policy", str(strict))
    mod = django_user_model.objects.create_user("trainee", password="x-long-password", is_staff=True)
    mod.groups.add(ensure_moderators_group())
    held = list(Comment.objects.filter(status="held"))
    abusive = [c for c in held if c.ground_truth.get("abusive")]
    clean = [c for c in held if not c.ground_truth.get("abusive") and c.ground_truth.get("on_topic")
             and not c.ground_truth.get("spam")]  # fmt: skip
    assert abusive and clean
    comment_approve(comment=abusive[0], actor=mod)  # a false approval of abuse
    comment_approve(comment=clean[0], actor=mod)  # right
    # The second decision came 12 s after the first: that is the time per decision, not 0.
    ModerationEvent.objects.filter(comment=clean[0], action="approve").update(
        created_at=ModerationEvent.objects.get(comment=abusive[0], action="approve").created_at
        + dt.timedelta(seconds=12)
    )
    client.force_login(mod)
    html = client.get("/staff/training/").content.decode()
    assert "trainee" in html
    row = html[html.index("trainee") :].split("</tr>")[0]
    assert "50%" in row and ">12.0<" in row
    # Each disagreement is listed, with what the moderator did and what the comment truly was.
    listed = html[html.index("Where trainee and the ground truth differ (1)") :]
    assert f"#{abusive[0].pk}" in listed and "approved" in listed and "abusive" in listed
    assert f"#{clean[0].pk}" not in listed


def test_replayed_text_is_cleaned_before_storing(slug, tmp_path):
    path = tmp_path / "dirty.jsonl"
    path.write_text(
        json.dumps({"id": "1", "text": "Doha\u0000 talks\u202e matter for Kabul and Islamabad.", "author": "A" * 120})
        + "\n"
    )
    simulate("--replay", str(path), "--article", slug)
    comment = Comment.objects.get()
    assert comment.body == "Doha talks matter for Kabul and Islamabad."
    assert comment.author_name == "A" * 50
    assert ModerationEvent.objects.get(comment=comment).action == "auto"


def test_by_default_the_abusive_comments_are_real_and_the_report_says_so(slug, tmp_path):
    out, _ = simulate(
        "--article", slug, "--comments", "300", "--seed", "4", "--dry-run", "--json", str(tmp_path / "r.json")
    )
    report = json.loads((tmp_path / "r.json").read_text())
    assert "public-test.jsonl (hatexplain, olid2019)" in report["ground_truth"]
    assert "Ground truth: abusive comments and a fifth of the clean ones are real" in out
    out, _ = simulate("--article", slug, "--comments", "300", "--seed", "4", "--dry-run", "--corpus", "none")
    assert "Ground truth: generated" in out


def test_a_bad_corpus_is_a_clear_error(slug, tmp_path):
    bad = tmp_path / "c.jsonl"
    bad.write_text("not json\n", encoding="utf-8")
    with pytest.raises(CommandError, match="line 1: not valid JSON"):
        simulate("--article", slug, "--dry-run", "--corpus", str(bad))


def test_train_filter_learns_from_the_sites_own_moderators(slug, tmp_path, admin_user):
    from articles.models import Article
    from comments.services import comment_approve, comment_post, comment_reject
    from moderation.model import AbuseModel
    from policies.models import ModerationPolicy
    from policies.services import policy_activate

    article = Article.objects.get(slug=slug)
    policy_activate(policy=ModerationPolicy.objects.create(name="hold-all", mode="hold_all"))

    def post(body, n):
        return comment_post(article=article, author_name=f"R{n}", author_email=f"r{n}@example.com", body=body).comment

    for n in range(12):
        comment_approve(comment=post(f"The Doha talks need Pakistan at the table, point {n}.", n), actor=admin_user)
        comment_reject(
            comment=post(f"Shut up you worthless clown number {n}.", 100 + n), actor=admin_user, reason="abusive"
        )
    comment_reject(comment=post("Buy watches here now.", 300), actor=admin_user, reason="spam")  # says nothing of abuse
    post("Nobody has looked at this one yet, you clown.", 301)  # unreviewed: left out
    simulate("--article", slug, "--comments", "30")  # simulated comments are never used
    data = tmp_path / "data.jsonl"
    data.write_text(
        "".join(
            json.dumps({"text": f"civil remark {i} about the talks", "abusive": i % 2 == 1}) + "\n" for i in range(40)
        ),
        encoding="utf-8",
    )
    out = io.StringIO()
    call_command("train_filter", "--data", str(data), "--from-decisions", "--out", str(tmp_path / "m.nrm"), stdout=out)
    assert "24 moderator decisions added (12 abusive)." in out.getvalue()
    model = AbuseModel.load(tmp_path / "m.nrm")
    assert set(model.metadata["trained_on"]) == {"data.jsonl", "site-decisions"}
    assert "site-decisions abusive" in model.metadata["figures"]["records"]["train_by_source"]


def test_train_filter_writes_nothing_on_bad_input(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "fine", "abusive": false}\n{"text": "x", "abusive": "yes"}\n', encoding="utf-8")
    with pytest.raises(CommandError, match="line 2"):
        call_command("train_filter", "--data", str(bad), "--out", str(tmp_path / "m.nrm"), stdout=io.StringIO())
    assert not (tmp_path / "m.nrm").exists()


def test_a_policy_file_with_a_typo_or_nan_is_refused(tmp_path, slug):
    for content, fragment in [
        ('{"abuse_hodl": 0.3}', "did you mean 'abuse_hold'"),
        ('{"abuse_hold": NaN}', "abuse_hold must be a number"),
    ]:
        policy = tmp_path / "p.json"
        policy.write_text(content, encoding="utf-8")
        with pytest.raises(CommandError, match=fragment):
            simulate("--article", slug, "--comments", "20", "--policy", str(policy), "--dry-run")


def test_times_read_in_sensible_units():
    from simulation.report import duration

    assert [duration(s) for s in (12, 600, 3 * 3600 + 1800, 3510.7 * 60)] == ["12 s", "10 min", "3.5 h", "2.4 days"]


def test_the_hour_by_hour_table_only_when_asked(slug):
    short, _ = simulate("--article", slug, "--comments", "400", "--dry-run")
    assert "hour by hour: --verbose" in short and "mean wait" not in short
    assert re.search(r"wait for a decision: median \d+(\.\d)? (s|min|h|days),", short)  # not "3510.7 min"
    long, _ = simulate("--article", slug, "--comments", "400", "--dry-run", "--verbose")
    assert "mean wait" in long and len(long.splitlines()) > len(short.splitlines())


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_is_one_updating_bar_on_a_terminal_and_silent_elsewhere():
    from lab.management.commands.simulate import Progress

    screen, log = Terminal(), io.StringIO()
    for stream in (screen, log):
        progress = Progress(5000, stream, enabled=True)
        for done in range(500, 5001, 500):
            progress(done)
    assert log.getvalue() == ""
    shown = screen.getvalue()
    assert "5.00k/5.00k" in shown and "comments/s" in shown and shown.count("\n") <= 1  # one line, redrawn


def test_a_reason_codes_row_has_no_recall_it_cannot_know(slug, tmp_path):
    out = tmp_path / "report.json"
    simulate("--article", slug, "--comments", "400", "--dry-run", "--json", str(out))
    report = json.loads(out.read_text())
    abusive = report["families"]["abusive"]
    codes = {k: v for k, v in report["codes"].items() if k.startswith("abusive.")}
    assert codes and all(v["recall"] is None and v["fn"] is None for v in codes.values())
    # Shares of the family's catches: each code's correct firings over the family's.
    assert all(v["share_of_family"] == pytest.approx(v["tp"] / abusive["tp"]) for v in codes.values())
    assert abusive["recall"] == pytest.approx(abusive["tp"] / (abusive["tp"] + abusive["fn"]))


# --- Hostile files (issue 23): one clear line and a non-zero exit, never a traceback; nothing half-written ---

HOSTILE_LINES = [
    (b"[" * 100_000, "nested too deeply"),
    (b'{"text": "\\ud800", "abusive": true}', "lone surrogate"),
    (b'{"text": "caf\xe9", "abusive": true}', "not UTF-8"),
    (b'{"text": "' + b"x" * 2_500_000 + b'", "abusive": true}', "the record is longer than 2,000,000 bytes"),
]


@pytest.mark.parametrize(("line", "fragment"), HOSTILE_LINES)
def test_train_filter_refuses_a_hostile_line_by_number_and_writes_nothing(tmp_path, line, fragment):
    data = tmp_path / "d.jsonl"
    data.write_bytes(b'{"text": "fine", "abusive": false}\n' + line + b"\n")
    with pytest.raises(CommandError, match=f"line 2: .*{fragment}.*; nothing was written"):
        call_command("train_filter", "--data", str(data), "--out", str(tmp_path / "m.nrm"), stdout=io.StringIO())
    assert [p.name for p in tmp_path.iterdir()] == ["d.jsonl"]


@pytest.mark.parametrize(("line", "fragment"), HOSTILE_LINES)
def test_simulate_replay_skips_a_hostile_line_or_stops_on_it_when_strict(slug, tmp_path, line, fragment):
    path = tmp_path / "r.jsonl"
    path.write_bytes(b'{"text": "A fine comment on Doha."}\n' + line + b"\n")
    _, err = simulate("--replay", str(path), "--article", slug, "--dry-run")
    assert "line 2: " in err and fragment in err and "skipped" in err
    with pytest.raises(CommandError, match=f"line 2: .*{fragment}.*stopped"):
        simulate("--replay", str(path), "--article", slug, "--dry-run", "--strict")


def test_simulate_refuses_a_folder_as_a_replay_and_a_deep_policy_file(slug, tmp_path):
    with pytest.raises(CommandError, match="not a regular file; nothing was run"):
        simulate("--replay", str(tmp_path), "--article", slug, "--dry-run")
    policy = tmp_path / "p.json"
    policy.write_bytes(b'{"mode": ' + b"[" * 100_000)
    with pytest.raises(CommandError, match="policy file .*nested too deeply"):
        simulate("--article", slug, "--comments", "20", "--policy", str(policy), "--dry-run")


def test_a_failed_report_write_leaves_no_half_file(slug, tmp_path):
    target = tmp_path / "missing-folder" / "r.json"
    with pytest.raises(CommandError, match="cannot write"):
        simulate("--article", slug, "--comments", "20", "--dry-run", "--json", str(target))
    assert not target.parent.exists()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=200))
def test_train_filter_on_random_bytes_is_a_model_or_one_clear_error(tmp_path, data):
    path, out = tmp_path / "d.jsonl", tmp_path / "m.nrm"
    path.write_bytes(data)
    try:
        call_command("train_filter", "--data", str(path), "--out", str(out), stdout=io.StringIO())
    except CommandError as exc:
        assert "\n" not in str(exc) and not out.exists()
