"""The learned model on the Django side: which file is live, and what happens when it is missing."""

import logging
import shutil

import pytest

from comments.models import Comment
from comments.services import comment_post
from factories import make_seed_article
from policies.selectors import forget_model, model_status

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def reload_model():
    forget_model()
    yield
    forget_model()


def test_the_shipped_model_is_live_and_decides(client):
    assert model_status().model is not None
    article = make_seed_article()
    result = comment_post(
        article=article, author_name="Troll", author_email="t@example.com",
        body="Only a braindead clown like you would swallow this garbage, go crawl back under your rock",
    )  # fmt: skip
    assert "model" in result.comment.scores
    assert result.comment.status != Comment.Status.PUBLISHED


def test_posting_works_without_the_model_and_says_so(settings, tmp_path, caplog, admin_client):
    settings.MODERATION_MODEL = str(tmp_path / "gone.nrm")
    article = make_seed_article()
    with caplog.at_level(logging.WARNING, logger="policies.selectors"):
        result = comment_post(
            article=article, author_name="Ana", author_email="ana@example.com",
            body="Pakistan's influence over the Taliban is what makes Khalilzad's visit matter for the Doha deal.",
        )  # fmt: skip
    assert result.comment.status == Comment.Status.PUBLISHED
    assert "model" not in result.comment.scores
    assert any("rules alone decide" in r.getMessage() and "gone.nrm" in r.getMessage() for r in caplog.records)
    index = admin_client.get("/admin/").content.decode()
    assert "Warning: No learned model: the rules alone decide" in index and "gone.nrm" in index


def test_a_tampered_model_is_refused_and_the_admin_warns(settings, tmp_path, admin_client):
    bad = tmp_path / "bad.nrm"
    shutil.copy(settings.MODERATION_MODEL, bad)
    data = bytearray(bad.read_bytes())
    data[len(data) // 2] ^= 0xFF
    bad.write_bytes(bytes(data))
    settings.MODERATION_MODEL = str(bad)
    assert model_status().model is None
    assert "checksum does not match" in admin_client.get("/admin/").content.decode()


def test_the_admin_names_the_live_model(admin_client):
    index = admin_client.get("/admin/").content.decode()
    assert "Abuse model in use: newsroom-abuse-2026.11" in index
    policy_page = admin_client.get("/admin/policies/moderationpolicy/add/").content.decode()
    assert "newsroom-abuse-2026.11" in policy_page and "abuse-model.nrm" in policy_page


def test_activating_a_policy_is_a_service_that_leaves_one_live():
    from policies.models import ModerationPolicy
    from policies.selectors import live_policy
    from policies.services import policy_activate

    live_policy()  # the default exists and is cached
    strict = ModerationPolicy.objects.create(name="strict", mode="hold_all")
    policy_activate(policy=strict)
    assert list(ModerationPolicy.objects.filter(is_active=True).values_list("name", flat=True)) == ["strict"]
    assert live_policy().mode == "hold_all"  # read afresh, not from the cache
    policy_activate(policy=ModerationPolicy.objects.get(name="default"))
    assert list(ModerationPolicy.objects.filter(is_active=True).values_list("name", flat=True)) == ["default"]
    assert live_policy().mode == "auto"
