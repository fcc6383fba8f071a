"""Generated comments never reach readers or the live counts, and a run can be deleted as a whole."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from comments.models import Comment, CommentReport, ModerationEvent
from comments.selectors import comment_section
from comments.services import Simulated, comment_post, comment_post_simulated, comment_report
from factories import PUBLISH_ALL, comment_form_data, make_comment, make_seed_article
from lab.models import SimulationRun
from moderation import Context
from policies.models import ModerationPolicy
from policies.selectors import forget_active_policy

pytestmark = pytest.mark.django_db
QUEUE = "/admin/desk/reviewqueueitem/"


@pytest.fixture(autouse=True)
def development_site(settings):
    # pytest-django runs with DEBUG off; simulate writes to the database only on a development site
    # (or with --allow-live-database), which is where these runs belong.
    settings.DEBUG = True


def simulated(article, run, body, *, status=Comment.Status.PUBLISHED, parent=None, email="sim@sim.example"):
    comment = comment_post_simulated(
        article=article, author_name="Sim", author_email=email, body=body, parent=parent,
        simulated=Simulated(run_id=run.pk, created_at=timezone.now(), policy=PUBLISH_ALL, context=Context()),
    ).comment  # fmt: skip
    if comment.status != status:
        Comment.objects.filter(pk=comment.pk).update(status=status)
        comment.status = status
    return comment


@pytest.fixture
def world():
    article = make_seed_article()
    real = make_comment(article, body="A reader's own remark on the Doha talks.")
    run = SimulationRun.objects.create(article=article, label="test run")
    sim_top = simulated(article, run, "GENERATED top-level comment")
    sim_reply = simulated(article, run, "GENERATED reply to a reader", parent=real)
    sim_held = simulated(article, run, "GENERATED held comment", status=Comment.Status.HELD)
    comment_report(comment=sim_top, reason="spam")
    return article, real, run, sim_top, sim_reply, sim_held


def test_the_article_page_and_its_count_show_readers_only(client, world):
    article, real, *_ = world
    html = client.get(article.get_absolute_url()).content.decode()
    assert "A reader&#x27;s own remark" in html
    assert "GENERATED" not in html
    section = comment_section(article=article)
    assert section.count == 1
    assert [e.comment.pk for thread in section.threads for e in thread] == [real.pk]
    for sort in ("newest", "replies"):
        assert "GENERATED" not in client.get(f"{article.get_absolute_url()}?sort={sort}").content.decode()


def test_the_authors_held_view_never_shows_a_simulated_comment(world):
    article, _, _, _, _, sim_held = world
    assert comment_section(article=article, own_comment_ids=[sim_held.pk]).own_pending == []


def test_readers_cannot_reply_to_or_report_a_simulated_comment(client, world):
    article, _, _, sim_top, *_ = world
    html = client.get(f"{article.get_absolute_url()}?reply_to={sim_top.pk}").content.decode()
    assert "Sim" not in html.split('id="replying-to-name"')[1][:40]
    response = client.post(f"/articles/{article.slug}/comments/", comment_form_data(parent=str(sim_top.pk)))
    assert "no longer published" in response.content.decode() or "not on this article" in response.content.decode()
    assert client.post(f"/comments/{sim_top.pk}/report/", {"reason": "abusive"}).status_code == 404


def test_live_context_ignores_simulated_comments(world):
    article, *_ = world
    ModerationPolicy.objects.update_or_create(name="default", defaults={"is_active": True, "hold_first_comments": 1})
    forget_active_policy()
    # The simulator published under this address; the reader is still new here.
    result = comment_post(
        article=article, author_name="Sim", author_email="sim@sim.example",
        body="Pakistan's influence over the Taliban is what makes the Doha talks work.",
    )  # fmt: skip
    assert "new_commenter" in result.comment.reasons
    forget_active_policy()


def test_the_admin_counts_and_queue_are_readers_by_default(admin_client, world):
    article, real, run, sim_top, sim_reply, sim_held = world
    held_real = make_comment(article, body="A real held comment.", status=Comment.Status.HELD)
    index = admin_client.get("/admin/").content.decode()
    assert '<strong class="held-count">1</strong>' in index
    assert '<strong class="reported-count">0</strong>' in index
    queue = admin_client.get(QUEUE).content.decode()
    assert "A real held comment." in queue and "GENERATED" not in queue
    simulated_view = admin_client.get(QUEUE + "?traffic=simulated").content.decode()
    assert "GENERATED held comment" in simulated_view and "A real held comment." not in simulated_view
    by_run = admin_client.get(QUEUE + f"?simulation__id__exact={run.pk}").content.decode()
    assert "GENERATED held comment" in by_run
    assert held_real.pk


def test_a_superuser_deletes_a_run_with_everything_it_generated(admin_client, client, django_user_model, world):
    article, real, run, *_ = world
    confirm = admin_client.get(f"/admin/lab/simulationrun/{run.pk}/delete/").content.decode()
    assert "Cannot delete" not in confirm
    response = admin_client.post(f"/admin/lab/simulationrun/{run.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not SimulationRun.objects.exists()
    assert list(Comment.objects.all()) == [real]
    assert not CommentReport.objects.exists()
    assert set(ModerationEvent.objects.values_list("comment_id", flat=True)) == {real.pk}


def test_only_a_superuser_can_delete_a_run(client, django_user_model, world):
    from desk.roles import ensure_moderators_group

    *_, run, _, _, _ = world
    moderator = django_user_model.objects.create_user("mod", password="pw-for-tests-only", is_staff=True)
    moderator.groups.add(ensure_moderators_group())
    client.force_login(moderator)
    assert client.post(f"/admin/lab/simulationrun/{run.pk}/delete/", {"post": "yes"}).status_code == 403
    assert SimulationRun.objects.filter(pk=run.pk).exists()


def test_the_readmes_queue_filling_recipe_leaves_the_public_page_untouched(client):
    article = make_seed_article()
    make_comment(article, body="A reader's own remark on the Doha talks.")
    before = client.get(article.get_absolute_url()).content.decode()
    call_command("simulate", "--article", article.slug, "--comments", "120", "--seed", "3", stdout=io.StringIO(),
                 stderr=io.StringIO())  # fmt: skip
    assert Comment.objects.filter(simulation__isnull=False).count() == 120
    after = client.get(article.get_absolute_url()).content.decode()
    strip = lambda html: html.split('name="csrfmiddlewaretoken"')[0]  # noqa: E731
    assert strip(after) == strip(before)
    assert comment_section(article=article).count == 1


def test_simulate_refuses_a_live_database_unless_told(settings):
    article = make_seed_article()
    settings.DEBUG = False
    with pytest.raises(CommandError, match="--allow-live-database"):
        call_command("simulate", "--article", article.slug, "--comments", "10", stdout=io.StringIO())
    assert not Comment.objects.exists()
    call_command("simulate", "--article", article.slug, "--comments", "10", "--allow-live-database",
                 stdout=io.StringIO(), stderr=io.StringIO())  # fmt: skip
    assert Comment.objects.filter(simulation__isnull=False).count() == 10
    call_command("simulate", "--article", article.slug, "--comments", "10", "--dry-run", stdout=io.StringIO())
