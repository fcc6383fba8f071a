"""Per-story controls and the site-wide pause: closed stories keep their comments and refuse new ones."""

import datetime as dt

import pytest
from django.utils import timezone

from commenters.models import ControlEvent, SiteSwitch, StorySettings
from commenters.services import site_pause, story_settings_save
from comments.models import Comment
from comments.services import CommentError, comment_post
from desk.roles import ensure_moderators_group
from factories import comment_form_data, make_comment, make_seed_article
from policies.models import ModerationPolicy
from policies.selectors import forget_active_policy

pytestmark = pytest.mark.django_db


@pytest.fixture
def moderator(django_user_model):
    user = django_user_model.objects.create_user("mod", password="pw-for-tests-only", is_staff=True)
    user.groups.add(ensure_moderators_group())
    return user


def post(client, article, **data):
    return client.post(f"/articles/{article.slug}/comments/", comment_form_data(**data))


def test_a_closed_story_keeps_its_comments_and_refuses_new_ones_with_the_text_kept(client, moderator):
    article = make_seed_article()
    existing = make_comment(article, name="Vic", body="Said before the close.")
    story_settings_save(
        story=StorySettings(article=article, comments_open=False, closed_message="Closed after the verdict."),
        actor=moderator,
    )
    page = client.get(article.get_absolute_url()).content.decode()
    assert "Closed after the verdict." in page and "Said before the close." in page
    assert 'id="comment-form"' not in page and ">Reply</a>" not in page
    refused = post(client, article, body="Typed while it closed.")
    assert refused.status_code == 403
    html = refused.content.decode()
    assert "Closed after the verdict." in html and "Typed while it closed." in html
    assert Comment.objects.count() == 1
    # Every path goes through the one service: a reply sent around the form is refused too.
    with pytest.raises(CommentError) as refused_reply:
        comment_post(article=article, author_name="X", author_email="x@example.com", body="Hi", parent=existing)
    assert refused_reply.value.code == "closed"
    event = ControlEvent.objects.get()
    assert event.actor == moderator and event.article == article and "closed" in event.detail


def test_stories_close_by_themselves_after_the_policys_days_unless_they_say_otherwise(client):
    article = make_seed_article()
    article.published_on = timezone.localdate() - dt.timedelta(days=10)
    article.save()
    ModerationPolicy.objects.update_or_create(name="default", defaults={"is_active": True, "auto_close_days": 7})
    forget_active_policy()
    assert post(client, article).status_code == 403
    assert "closed 7 days after it was published" in client.get(article.get_absolute_url()).content.decode()
    story_settings_save(story=StorySettings(article=article, close_after_days=30), actor=None)
    assert post(client, article, body="Still open here for a while.").status_code == 302


@pytest.mark.parametrize(("mode", "status"), [("hold_all", "held"), ("publish_all", "published")])
def test_a_story_can_moderate_its_own_way(client, mode, status):
    article = make_seed_article()
    story_settings_save(story=StorySettings(article=article, mode=mode), actor=None)
    post(client, article, body="You absolute idiot." if mode == "publish_all" else "Doha matters a lot.")
    assert Comment.objects.get().status == status


def test_the_site_wide_pause_closes_every_story_until_it_is_lifted(client, moderator):
    article = make_seed_article()
    site_pause(paused=True, message="Paused overnight; back at 7 am.", actor=moderator)
    assert "Paused overnight; back at 7 am." in client.get(article.get_absolute_url()).content.decode()
    assert post(client, article).status_code == 403
    site_pause(paused=False, actor=moderator)
    assert post(client, article).status_code == 302
    assert list(ControlEvent.objects.order_by("id").values_list("action", flat=True)) == ["site_pause", "site_resume"]


def test_moderators_may_close_and_pause_in_the_admin_but_not_edit_the_policy(client, moderator):
    article = make_seed_article()
    client.force_login(moderator)
    added = client.post(
        "/admin/commenters/storysettings/add/",
        {"article": article.pk, "comments_open": "", "closed_message": "Closed by the desk.", "mode": ""},
    )
    assert added.status_code == 302, added.content.decode()[:2000]
    assert not StorySettings.objects.get(article=article).comments_open
    switched = client.post("/admin/commenters/siteswitch/1/change/", {"comments_paused": "on", "message": "Night."})
    assert switched.status_code == 302 and SiteSwitch.objects.get(pk=1).comments_paused
    assert ControlEvent.objects.filter(actor=moderator).count() == 2
    assert client.get("/admin/policies/moderationpolicy/").status_code == 403
