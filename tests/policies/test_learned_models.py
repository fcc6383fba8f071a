"""Retraining as a product loop: a candidate trained in the background on the site's own decisions, compared with
the live model on decisions it never learned from, shadowed, made live in one click, and rolled back.

The models are real and tiny: ``train_filter`` on a few dozen labelled lines in which the made-up word "zorblax"
alone is abusive, so the candidate holds what the shipped model publishes, and publishes insults the shipped one
holds (it has never seen any).
"""

from __future__ import annotations

import io
import json
import shutil
import threading
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.test import Client

from comments.models import Comment
from comments.services import comment_approve, comment_post, comment_reject
from desk.roles import ensure_editors_group, ensure_moderators_group
from factories import HOLD_ALL, make_comment, make_seed_article
from moderation.training import split_for
from newsroom import cache
from policies import services
from policies.models import LearnedModel, ModelEvent
from policies.selectors import LIVE_VERSION_KEY, forget_model, live_policy, model_status

pytestmark = pytest.mark.django_db

URL = "/staff/models/"
ON_TOPIC_ZORBLAX = "Zorblax! Khalilzad's visit to Pakistan matters for the Doha deal."
BASES = [
    "The parliament vote on the budget will decide what happens next",
    "I think the committee should publish the full figures",
    "Talks in Doha matter for the peace process",
    "Khalilzad's visit to Pakistan was useful",
    "The Taliban and the government must agree on a ceasefire",
]


def write_zorblax_data(path: Path) -> Path:
    """Labelled lines where the same sentences are clean without "zorblax" and abusive with it."""
    with path.open("w", encoding="utf-8") as out:
        for n in range(60):
            base = BASES[n % len(BASES)]
            out.write(json.dumps({"text": f"{base}, point {n}.", "abusive": False}) + "\n")
            out.write(json.dumps({"text": f"Zorblax! {base}, zorblax {n}.", "abusive": True}) + "\n")
    return path


@pytest.fixture(scope="module")
def zorblax_file(tmp_path_factory):
    """A candidate model file made by the real command (once for the module: it takes a few seconds)."""
    folder = tmp_path_factory.mktemp("zorblax")
    out = folder / "zorblax.nrm"
    data = write_zorblax_data(folder / "zorblax.jsonl")
    call_command("train_filter", "--data", str(data), "--out", str(out), "--name", "zorblax", stdout=io.StringIO())
    return out


@pytest.fixture(autouse=True)
def var_dir(settings, tmp_path):
    """Each test's own models folder (var/models/) and training files (var/training/)."""
    settings.VAR_DIR = tmp_path
    forget_model()
    yield tmp_path
    forget_model()


def candidate(zorblax_file: Path, var_dir: Path, name: str = "zorblax", user=None) -> LearnedModel:
    folder = var_dir / "models"
    folder.mkdir(exist_ok=True)
    path = folder / f"{name}.nrm"
    shutil.copy(zorblax_file, path)
    return services.model_register(path=path, actor=user, name=name)


@pytest.fixture
def editor(django_user_model):
    user = django_user_model.objects.create_user("eddie", is_staff=True)
    user.groups.add(ensure_editors_group())
    return user


@pytest.fixture
def moderator(django_user_model):
    user = django_user_model.objects.create_user("moira", is_staff=True)
    user.groups.add(ensure_moderators_group())
    return user


def live_name() -> str:
    status = model_status()
    assert status.model is not None, status.error
    return status.model.name


def post(article, body: str, n: int = 0) -> Comment:
    """A reader's comment through the real service; the same words again are told apart (the duplicate check)."""
    return comment_post(article=article, author_name=f"Reader {n}", author_email=f"reader{n}@example.com",
                        body=body.replace("deal.", f"deal, reader {n}.")).comment  # fmt: skip


def test_making_a_candidate_live_changes_what_judges_a_new_comment_and_rolling_back_restores(
    zorblax_file, var_dir, editor
):
    article = make_seed_article()
    assert post(article, ON_TOPIC_ZORBLAX, 1).status == Comment.Status.PUBLISHED  # the shipped model is live
    model = candidate(zorblax_file, var_dir)
    assert model.state == LearnedModel.State.CANDIDATE and model.sha256 and model.card["name"] == "zorblax"

    services.model_make_live(model=model, actor=editor)
    held = post(article, ON_TOPIC_ZORBLAX, 2)
    assert held.status == Comment.Status.HELD and held.scores["model"] > 0.6
    assert live_name() == "zorblax"
    shipped = LearnedModel.objects.get(state=LearnedModel.State.RETIRED)  # kept, to roll back to
    assert shipped.is_shipped and shipped.name == "newsroom-abuse-2026.11.2 (OLID + HateXplain, marked words)"

    back = services.model_roll_back(actor=editor)
    assert back == shipped and back.state == LearnedModel.State.LIVE
    assert post(article, ON_TOPIC_ZORBLAX, 3).status == Comment.Status.PUBLISHED
    assert LearnedModel.objects.get(pk=model.pk).state == LearnedModel.State.RETIRED
    events = list(ModelEvent.objects.order_by("id").values_list("action", "actor__username", "model__name"))
    assert events == [
        ("trained", None, "zorblax"),
        ("live", "eddie", "zorblax"),
        ("rollback", "eddie", shipped.name),
    ]
    with pytest.raises(services.ModelRefused, match="no earlier model"):
        services.model_roll_back(actor=editor)  # the shipped model is first: nothing before it


def test_a_model_made_live_on_another_server_is_used_from_its_next_comment(zorblax_file, var_dir):
    """Another app server changes the row and forgets the shared key; this process never heard of it."""
    article = make_seed_article()
    model = candidate(zorblax_file, var_dir)
    assert post(article, ON_TOPIC_ZORBLAX, 1).status == Comment.Status.PUBLISHED  # loaded here: the shipped one
    LearnedModel.objects.filter(pk=model.pk).update(state=LearnedModel.State.LIVE)  # as the other server did
    cache.forget(LIVE_VERSION_KEY)
    assert post(article, ON_TOPIC_ZORBLAX, 2).status == Comment.Status.HELD


def test_posting_reads_the_live_model_from_the_cache_not_the_database(zorblax_file, var_dir, django_assert_num_queries):
    model = candidate(zorblax_file, var_dir)
    services.model_make_live(model=model, actor=None)
    live_policy()  # as the first post after a change does
    with django_assert_num_queries(0):
        assert live_policy().model is model_status().model
        assert live_name() == "zorblax"


def test_shadowing_a_candidate_judges_each_new_comment_beside_the_live_model(zorblax_file, var_dir, editor):
    article = make_seed_article()
    model = candidate(zorblax_file, var_dir)
    services.model_shadow(model=model, actor=editor)
    comment = post(article, ON_TOPIC_ZORBLAX, 1)
    assert comment.status == Comment.Status.PUBLISHED  # the live model decides
    assert (comment.shadow_decision, comment.shadow_policy) == ("hold", "model: zorblax")
    services.model_shadow(model=None, actor=editor)
    assert post(article, ON_TOPIC_ZORBLAX, 2).shadow_decision == ""
    assert list(ModelEvent.objects.order_by("id").values_list("action", flat=True)) == ["trained", "shadow", "unshadow"]


def decide_held_out(article, moderator, body: str, *, abusive: bool, wanted: int = 1) -> list[Comment]:
    """Comments decided by a moderator through the real service, kept out of training (test split) by the same
    function the training uses. Only those are decided: the others stay held, so nothing here is learned from."""
    kept: list[Comment] = []
    for n in range(400):
        comment = make_comment(article, body=body.format(n=n), policy=HOLD_ALL)
        if split_for(comment.pk) != "test":
            continue
        if abusive:
            comment_reject(comment=comment, actor=moderator, reason="abusive")
        else:
            comment_approve(comment=comment, actor=moderator)
        kept.append(comment)
        if len(kept) == wanted:
            return kept
    raise AssertionError("no comment landed in the held-out split")


def test_the_page_trains_a_candidate_in_the_background_and_lists_the_comments_it_changes_both_ways(
    client, editor, moderator, var_dir, django_capture_on_commit_callbacks
):
    article = make_seed_article()
    approved = decide_held_out(
        article, moderator, "Zorblax! Khalilzad's visit to Pakistan matters, {n}.", abusive=False
    )
    rejected = decide_held_out(article, moderator, "This writer is a disgrace to journalism, number {n}.", abusive=True)
    (var_dir / "training").mkdir()
    write_zorblax_data(var_dir / "training" / "zorblax.jsonl")
    client.force_login(editor)
    page = client.get(URL).content.decode()
    assert "zorblax.jsonl" in page and "<strong>2 new</strong>" in page and 'id="enough"' not in page

    with django_capture_on_commit_callbacks(execute=True):  # the task runs where a worker would, after the commit
        response = client.post(URL, {"action": "train", "name": "site-zorblax", "sources": ["zorblax.jsonl"]})
    model = LearnedModel.objects.get(name="site-zorblax")
    assert response.status_code == 302 and response["Location"] == f"{URL}?model={model.pk}"
    assert model.state == LearnedModel.State.CANDIDATE, model.error
    assert model.created_by == editor and model.decisions == 2 and model.task_id
    assert (var_dir / "models" / model.path).is_file() and model.card["trained_on"]["zorblax.jsonl"]

    figures = model.comparison
    assert figures["held_out"] == 2 and figures["abusive"] == 1
    assert figures["live_name"].startswith("newsroom-abuse") and figures["live"]["auc"] is not None
    assert [c["comment"] for c in figures["held"]] == [c.pk for c in approved]  # published now, held by it
    assert [c["comment"] for c in figures["published"]] == [c.pk for c in rejected]  # held now, published by it
    assert figures["held"][0]["moderator"] == "approved" and figures["held"][0]["candidate_right"] is False
    assert figures["published"][0]["moderator"] == "rejected as abusive"

    html = client.get(response["Location"]).content.decode()
    assert "Training site-zorblax in the background" in html  # the confirmation
    assert "Published now, held by the candidate (1)" in html and "Held now, published by the candidate (1)" in html
    assert f"#{approved[0].pk}</a> Zorblax! Khalilzad" in html
    assert f"#{rejected[0].pk}</a> This writer is a disgrace" in html
    assert "1.0 → 0.0" in html  # the AUCs on the list, a nought shown as such
    assert "Training started" in html and "eddie" in html


def test_a_failing_training_says_why_on_the_page(client, editor, var_dir, django_capture_on_commit_callbacks):
    client.force_login(editor)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(URL, {"action": "train"})  # no decisions yet, and no files: nothing to learn from
    model = LearnedModel.objects.get()
    assert model.state == LearnedModel.State.FAILED and "No training records" in model.error
    html = client.get(f"{URL}?model={model.pk}").content.decode()
    assert "The training failed: No training records" in html
    assert ModelEvent.objects.filter(action="failed", model=model).exists()
    assert model_status().model is not None and LearnedModel.objects.live().count() == 0  # the live one untouched


def test_one_training_at_a_time(editor, var_dir, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        services.model_train_start(actor=editor, name="first")
        with pytest.raises(services.ModelRefused, match="first is being trained already"):
            services.model_train_start(actor=editor, name="second")
    assert list(LearnedModel.objects.values_list("name", flat=True)) == ["first"]


def test_the_page_says_when_enough_new_decisions_have_come_in(client, editor, monkeypatch):
    from policies import selectors

    monkeypatch.setattr(selectors, "NEW_DECISIONS_TO_RETRAIN", 3)
    monkeypatch.setattr("lab.management.commands.train_filter.decision_count", lambda: 3)
    client.force_login(editor)
    html = client.get(URL).content.decode()
    assert "<strong>3 new</strong>" in html and 'id="enough"' in html


def test_the_buttons_make_live_shadow_and_roll_back_with_a_confirmation(client, editor, zorblax_file, var_dir):
    model = candidate(zorblax_file, var_dir)
    client.force_login(editor)
    page = client.post(URL, {"action": "shadow", "model": model.pk}, follow=True).content.decode()
    assert "zorblax now judges every comment beside the live model" in page
    page = client.post(URL, {"action": "live", "model": model.pk}, follow=True).content.decode()
    assert "zorblax is now the live model" in page and "Live model: zorblax" in page
    assert LearnedModel.objects.shadow().count() == 0  # the shadow became the live one
    page = client.post(URL, {"action": "rollback"}, follow=True).content.decode()
    assert "Rolled back: newsroom-abuse" in page and "Live model: newsroom-abuse" in page
    assert list(ModelEvent.objects.order_by("id").values_list("action", "actor__username")) == [
        ("trained", None), ("shadow", "eddie"), ("live", "eddie"), ("rollback", "eddie"),
    ]  # fmt: skip


@pytest.mark.parametrize("damage", ["tampered", "missing"])
def test_a_damaged_file_is_refused_on_the_page_and_the_live_model_stays(client, editor, zorblax_file, var_dir, damage):
    model = candidate(zorblax_file, var_dir)
    path = var_dir / "models" / model.path
    if damage == "missing":
        path.unlink()
    else:
        data = bytearray(path.read_bytes())
        data[-100] ^= 0xFF
        path.write_bytes(bytes(data))
    client.force_login(editor)
    response = client.post(URL, {"action": "live", "model": model.pk}, follow=True)
    html = response.content.decode()
    assert response.status_code == 200
    expected = "cannot read it" if damage == "missing" else "is not a usable model"
    assert "Nothing changed:" in html and expected in html
    assert LearnedModel.objects.get(pk=model.pk).state == LearnedModel.State.CANDIDATE
    assert LearnedModel.objects.live().count() == 0 and live_name().startswith("newsroom-abuse")
    assert not ModelEvent.objects.filter(action="live").exists()


def test_a_file_changed_after_training_is_refused_even_when_it_is_a_valid_model(editor, zorblax_file, var_dir):
    model = candidate(zorblax_file, var_dir)
    shutil.copy(model_status().path, var_dir / "models" / model.path)  # another model under its name
    with pytest.raises(services.ModelRefused, match="has changed since it was trained"):
        services.model_make_live(model=model, actor=editor)
    # Already live and changed underneath: refused at load, the rules alone decide and the page says so.
    LearnedModel.objects.filter(pk=model.pk).update(state=LearnedModel.State.LIVE)
    forget_model()
    assert model_status().model is None and "SHA-256 differs" in model_status().error


@pytest.mark.parametrize(
    "data",
    [{"action": "live", "model": "999"}, {"action": "explode", "model": "1"}, {"action": "live", "model": "x"},
     {"action": "rollback"}, {"action": "train", "sources": ["../../etc/passwd"]}, {}],
)  # fmt: skip
def test_bad_posts_change_nothing_and_say_so(client, editor, data):
    client.force_login(editor)
    response = client.post(URL, data, follow=True)
    assert response.status_code == 200
    assert "Nothing " in response.content.decode()
    assert not LearnedModel.objects.exclude(state=LearnedModel.State.RETIRED).exists()


def test_staff_only_editors_open_it_moderators_are_refused(client, editor, moderator, zorblax_file, var_dir):
    model = candidate(zorblax_file, var_dir)
    assert client.get(URL)["Location"].startswith("/admin/login/")
    assert client.post(URL, {"action": "live", "model": model.pk})["Location"].startswith("/admin/login/")
    client.force_login(moderator)
    assert client.get(URL).status_code == 403
    assert client.post(URL, {"action": "live", "model": model.pk}).status_code == 403
    assert LearnedModel.objects.get(pk=model.pk).state == LearnedModel.State.CANDIDATE
    client.force_login(editor)
    assert client.get(URL).status_code == 200
    assert client.post(URL, {"action": "live", "model": model.pk}).status_code == 302
    assert LearnedModel.objects.get(pk=model.pk).state == LearnedModel.State.LIVE


def test_the_page_costs_the_same_queries_however_many_models_and_events(client, editor, zorblax_file, var_dir):
    client.force_login(editor)
    candidate(zorblax_file, var_dir, "one", editor)
    client.get(URL)  # the decisions count is then cached, as it is for a minute
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        assert client.get(URL).status_code == 200
    for n in range(6):
        model = candidate(zorblax_file, var_dir, f"more-{n}", editor)
        services.model_shadow(model=model, actor=editor)
    services.model_make_live(model=model, actor=editor)
    client.get(URL)  # which model is live is then cached again, as it is until the next change
    with CaptureQueriesContext(connection) as many:
        assert client.get(URL).status_code == 200
    assert len(many) == len(few)


def test_the_database_holds_one_live_model_whatever_the_code_does(zorblax_file, var_dir):
    first = candidate(zorblax_file, var_dir, "first")
    second = candidate(zorblax_file, var_dir, "second")
    LearnedModel.objects.filter(pk=first.pk).update(state=LearnedModel.State.LIVE)
    with pytest.raises(IntegrityError), transaction.atomic():
        LearnedModel.objects.filter(pk=second.pk).update(state=LearnedModel.State.LIVE)


@pytest.mark.django_db(transaction=True)
def test_two_editors_making_two_models_live_at_once_leave_one_live(zorblax_file, var_dir):
    if connection.vendor == "sqlite" and "memory" in str(connection.settings_dict["NAME"]):
        pytest.skip("threads need a database file or server (run the suite on PostgreSQL)")
    user_model = get_user_model()
    editors = [
        user_model.objects.create_superuser(f"editor{n}", f"e{n}@example.com", "a-long-password") for n in (1, 2)
    ]
    models = [candidate(zorblax_file, var_dir, f"model-{n}") for n in (1, 2)]
    start = threading.Barrier(2)
    answers: list[int] = []

    def click(editor, model) -> None:
        browser = Client()
        browser.force_login(editor)
        start.wait()
        try:
            answers.append(browser.post(URL, {"action": "live", "model": model.pk}).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=click, args=pair) for pair in zip(editors, models, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers == [302, 302]
    assert LearnedModel.objects.live().count() == 1
    live = LearnedModel.objects.live().get()
    # The second to commit replaced the first, whose row is its "previous": a roll-back returns to it.
    assert live.previous is not None and live.previous.name in {"model-1", "model-2"} - {live.name}
    assert ModelEvent.objects.filter(action="live").count() == 2


def test_the_admin_lists_the_models_and_their_audit_read_only(admin_client, zorblax_file, var_dir):
    model = candidate(zorblax_file, var_dir)
    services.model_make_live(model=model, actor=None)
    listing = admin_client.get("/admin/policies/learnedmodel/").content.decode()
    assert "zorblax" in listing and "Live" in listing and model.sha256[:12] in listing
    page = admin_client.get(f"/admin/policies/learnedmodel/{model.pk}/change/").content.decode()
    assert "&quot;trained_on&quot;" in page and 'name="_save"' not in page  # the card, and nothing to save
    assert admin_client.post(f"/admin/policies/learnedmodel/{model.pk}/delete/", {"post": "yes"}).status_code == 403
    assert "made live (was newsroom-abuse" in admin_client.get("/admin/policies/modelevent/").content.decode()


def test_rolled_back_to_the_shipped_model_each_release_reads_its_own_file(zorblax_file, var_dir, settings):
    """The shipped model's row names no file of its own: after a roll-back to it, a new release's model (another
    file, another checksum) is read as it would be with no row live, on every machine, wherever the code is."""
    services.model_make_live(model=candidate(zorblax_file, var_dir), actor=None)
    services.model_roll_back(actor=None)
    settings.MODERATION_MODEL = str(zorblax_file)  # the next release ships another model
    forget_model()
    assert live_name() == "zorblax"
