"""Hold levels that travel: the learned model's hold level as a share of the site's recent comments.

The tests marked WIRED need ``policies.selectors.policy_from_record`` to return ``shares.with_shares(...)``:
they post through the real service and check the decision used the level read from the site's comments.
"""

import os
import subprocess
import sys

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from comments.models import Comment
from comments.services import comment_post
from factories import make_scored_comments, make_seed_article, spread
from lab.models import SimulationRun
from moderation import Policy
from policies import shares
from policies.models import ModerationPolicy
from policies.selectors import active_model, forget_active_policy, live_policy

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_policy")]


def test_the_level_of_a_share_is_the_lowest_score_of_that_top_share():
    scores = [i / 1000 for i in range(1000)]
    assert shares.level_for_share(scores, 0.1) == 0.9
    assert shares.share_held(scores, 0.9) == pytest.approx(0.1)
    assert shares.level_for_share(scores, 1.0) == shares.LOWEST_LEVEL  # everything, but never a level of 0
    assert shares.level_for_share(scores, 0.0001) == 0.999  # at least one comment
    assert shares.share_held([], 0.5) is None


def test_a_share_is_read_from_the_sites_recent_comments():
    make_scored_comments(spread(400))  # 0.000 ... 0.9975
    level = shares.hold_level(share=0.1, fixed=0.61)
    assert level.from_share and not level.fell_back
    assert level.comments == 400
    assert level.threshold == pytest.approx(0.9, abs=0.003)
    assert "top 10 % of comments" in level.describe() and "last 400 comments" in level.describe()
    assert shares.hold_level(share=0.0, fixed=0.61).threshold == 0.61  # no share: the fixed level, nothing read


def test_with_too_few_comments_the_fixed_level_holds_and_says_so():
    make_scored_comments(spread(shares.MIN_COMMENTS - 1))
    level = shares.hold_level(share=0.1, fixed=0.61)
    assert level.fell_back and level.threshold == 0.61
    assert f"a share needs {shares.MIN_COMMENTS}" in level.describe() and "fixed score of 0.610" in level.describe()


def test_simulated_old_and_unscored_comments_are_not_the_sites_traffic():
    make_scored_comments(spread(250, 0.0, 0.5))
    run = SimulationRun.objects.create(label="a storm of abuse")
    make_scored_comments([0.99] * 1000, simulation=run)  # the simulator's: never the site's traffic
    make_scored_comments([0.98] * 500, days_ago=shares.RECENT_DAYS + 1)  # older than the window
    make_scored_comments([0.97] * 100, key="abuse")  # posted while no model judged: no model score
    level = shares.hold_level(share=0.1, fixed=0.61)
    assert level.comments == 250
    assert level.threshold == pytest.approx(0.45, abs=0.003)


def test_only_the_latest_comments_count_when_there_are_many(monkeypatch):
    monkeypatch.setattr(shares, "RECENT_COMMENTS", 300)
    make_scored_comments([0.1] * 300)  # the latest
    make_scored_comments([0.9] * 300, days_ago=1)
    level = shares.hold_level(share=0.5, fixed=0.61)
    assert (level.comments, level.threshold) == (300, 0.1)


def test_the_recent_scores_are_read_once_then_come_from_the_cache(django_assert_num_queries):
    make_scored_comments(spread(300))
    first = shares.hold_level(share=0.2, fixed=0.61)
    make_scored_comments([0.999] * 300)  # a storm after the read: not seen until the cache expires
    with django_assert_num_queries(0):
        again = shares.hold_level(share=0.2, fixed=0.61)
        other = shares.hold_level(share=0.05, fixed=0.61)  # another share reads the same cached scores
    assert again == first and other.threshold > first.threshold
    shares.forget()
    assert shares.hold_level(share=0.2, fixed=0.61).threshold == 0.999


def test_with_shares_sets_the_model_hold_level_and_reads_nothing_without_a_share(django_assert_num_queries):
    make_scored_comments(spread(400))
    model = active_model()
    assert model is not None
    resolved = shares.with_shares(Policy(model_hold_share=0.1, model_hold=0.61, model=model))
    assert resolved.model_hold == pytest.approx(0.9, abs=0.003) and resolved.model_hold_share == 0.1
    assert shares.with_shares(resolved).model_hold == resolved.model_hold  # applied twice, the same
    with django_assert_num_queries(0):
        fixed = Policy(model_hold_share=0.0, model=model)
        assert shares.with_shares(fixed) is fixed
        unjudged = Policy(model_hold_share=0.1)  # no model: nothing to hold by
        assert shares.with_shares(unjudged) is unjudged


def test_the_shipped_default_holds_a_share_and_a_policy_file_names_it():
    assert Policy().model_hold_share == 0.15
    assert Policy.from_dict({"model_hold_share": 0.08}).model_hold_share == 0.08
    with pytest.raises(ValueError, match="model_hold_share is a chance between 0 and 1, not 1.5"):
        Policy.from_dict({"model_hold_share": 1.5})


CIVIL_BUT_SHARP = "The government lies to us again."  # the shipped model: about 0.43, under its fixed 0.61


def live_with_share(share):
    record, _ = ModerationPolicy.objects.get_or_create(name="default", defaults={"is_active": True})
    ModerationPolicy.objects.filter(pk=record.pk).update(
        model_hold_share=share, model_hold=0.61, off_topic_hold=1.0, off_topic_flag=1.0
    )
    forget_active_policy()


def post():
    return comment_post(
        article=make_seed_article(), author_name="Ana", author_email="ana@example.com", body=CIVIL_BUT_SHARP
    ).comment


def test_wired_a_post_is_held_at_the_level_its_share_reads_from_the_site():
    """WIRED: a calm site (every recent score under 0.4) holding its top 10 % holds from about 0.36: a comment
    the fixed 0.61 would publish is held, by the model, through the real service."""
    make_scored_comments(spread(400, 0.0, 0.4))
    live_with_share(0.1)
    assert live_policy().model_hold == pytest.approx(0.36, abs=0.003)
    comment = post()
    assert comment.status == Comment.Status.HELD
    assert comment.reasons == ["abusive.model"]
    assert 0.36 < comment.scores["model"] < 0.61


def test_wired_with_too_few_comments_a_post_is_judged_at_the_fixed_level():
    """WIRED (passes unwired too): the fallback is the fixed level."""
    make_scored_comments(spread(50, 0.0, 0.4))
    live_with_share(0.1)
    assert live_policy().model_hold == 0.61
    assert post().status == Comment.Status.PUBLISHED


def test_wired_a_policy_without_a_share_is_judged_at_its_fixed_level():
    make_scored_comments(spread(400, 0.0, 0.4))
    live_with_share(0.0)
    assert live_policy().model_hold == 0.61
    assert post().status == Comment.Status.PUBLISHED


def test_the_shipped_model_on_the_public_sets_holds_what_the_docs_say():
    """docs/moderation.md ("Hold levels that travel") argues the default from these, read as the pages read them."""
    model = active_model()
    assert model is not None
    public = shares.public_series(model)
    assert (len(public.clean), len(public.abusive)) == (1402, 1382)
    at_fixed = public.at(0.61)
    assert at_fixed.clean_held == pytest.approx(0.095, abs=5e-4) and at_fixed.abuse_caught == pytest.approx(
        0.618, abs=5e-4
    )
    assert shares.public_series(model) is public  # scored once per process and model


@pytest.mark.django_db(transaction=True)
def test_a_policy_saved_before_shares_keeps_its_fixed_level_and_a_new_one_holds_the_default_share():
    """Thresholds an editor set are left alone: the migration gives policies already stored a share of 0."""
    executor = MigrationExecutor(connection)
    executor.migrate([("policies", "0004_off_topic_flag_band")])
    old = executor.loader.project_state([("policies", "0004_off_topic_flag_band")]).apps
    old.get_model("policies", "ModerationPolicy").objects.create(name="ours", is_active=True, model_hold=0.7)
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    assert ModerationPolicy.objects.filter(name="ours").values_list("model_hold_share", "model_hold").get() == (
        0.0,
        0.7,
    )
    ModerationPolicy.objects.create(name="new-draft")
    assert ModerationPolicy.objects.filter(name="new-draft").values_list("model_hold_share", flat=True).get() == 0.15


def test_building_the_live_policy_never_loads_the_charting_library() -> None:
    # Every post builds the live policy (policies.selectors, policies.shares): the chart is the staff pages' alone.
    probe = (
        "import sys, django; django.setup(); import policies.selectors, policies.shares, comments.services; "
        "assert 'pygal' not in sys.modules, 'pygal loaded'; import policies.tradeoff_chart; "
        "assert 'pygal' in sys.modules"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "newsroom.settings", "DEBUG": "1"}
    done = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
