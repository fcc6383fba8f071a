"""Moderators feature comments: from the desk (a button on the row; the desk's f key presses it), audited,
deciding nothing else; the section's "Featured" tab lists them on the page, in the embed and through the API."""

import re

import pytest
from django.test import Client

from comments.models import Comment, ModerationEvent
from comments.services import CommentError, comment_feature
from desk.roles import ensure_moderators_group
from embeds.middleware import HEADER
from embeds.models import Site
from embeds.services import story_for_url
from factories import HOLD_ALL, make_article, make_comment, make_seed_article

pytestmark = pytest.mark.django_db

DESK = "/admin/desk/reviewqueueitem/"


@pytest.fixture
def moderator(django_user_model):
    user = django_user_model.objects.create_user("moderator1", password="pw-for-tests-only", is_staff=True)
    user.groups.add(ensure_moderators_group())
    return user


def test_featuring_is_audited_and_decides_nothing_else(moderator):
    comment = make_comment(make_seed_article())
    event = comment_feature(comment=comment, actor=moderator)
    comment.refresh_from_db()
    assert comment.featured_at is not None and comment.status == Comment.Status.PUBLISHED
    assert (event.action, event.actor, event.old_status, event.new_status) == (
        "feature",
        moderator,
        "published",
        "published",
    )
    with pytest.raises(CommentError, match="featured already"):
        comment_feature(comment=comment, actor=moderator)
    comment_feature(comment=comment, actor=moderator, featured=False)
    comment.refresh_from_db()
    assert comment.featured_at is None
    assert list(ModerationEvent.objects.filter(comment=comment).values_list("action", flat=True).order_by("id")) == [
        "auto", "feature", "unfeature",
    ]  # fmt: skip
    held = make_comment(make_seed_article(), policy=HOLD_ALL)
    with pytest.raises(CommentError, match="Only a published comment"):
        comment_feature(comment=held, actor=moderator)


def test_the_desk_row_features_a_published_comment_and_only_a_moderator_may(client, moderator, django_user_model):
    article = make_seed_article()
    published, held = make_comment(article), make_comment(article, policy=HOLD_ALL)
    client.force_login(moderator)
    rows = client.get(f"{DESK}?queue=recent").content.decode()
    assert f"/admin/desk/reviewqueueitem/{published.pk}/feature/" in rows
    assert f"/admin/desk/reviewqueueitem/{held.pk}/feature/" not in rows
    done = client.post(
        f"{DESK}{published.pk}/feature/",
        {"feature": "1"},
        follow=True,
        HTTP_REFERER=f"http://testserver{DESK}?queue=recent",
    )
    assert "Featured: the section&#x27;s Featured tab lists it." in done.content.decode()
    assert done.redirect_chain[-1][0].endswith("?queue=recent")  # back on the tab it was asked from
    published.refresh_from_db()
    assert published.featured_at is not None
    refused = client.post(f"{DESK}{held.pk}/feature/", {"feature": "1"}, follow=True).content.decode()
    assert "Only a published comment can be featured." in refused
    assert client.post(f"{DESK}%C2%B2/feature/", {"feature": "1"}).status_code in (302, 404)
    # The desk's f key asks for JSON: the row's controls as they are now.
    answer = client.post(f"{DESK}{published.pk}/feature/", {"feature": "0"}, headers={"Accept": "application/json"})
    assert answer.status_code == 200 and answer.json()["message"] == "No longer featured."
    assert 'aria-pressed="false"' in answer.json()["controls"]
    again = client.post(f"{DESK}{published.pk}/feature/", {"feature": "0"}, headers={"Accept": "application/json"})
    assert again.status_code == 400 and again.json()["message"] == "This comment is not featured."
    client.post(f"{DESK}{published.pk}/feature/", {"feature": "1"})
    editor = django_user_model.objects.create_user("editor", password="pw-for-tests-only", is_staff=True)
    other = Client()
    other.force_login(editor)
    assert other.post(f"{DESK}{published.pk}/feature/", {"feature": "0"}).status_code == 403
    published.refresh_from_db()
    assert published.featured_at is not None


def featured_tab(client, article) -> str:
    html: str = client.get(f"{article.get_absolute_url()}?tab=featured").content.decode()
    return html[html.index('id="comments"') :]


def test_the_featured_tab_lists_featured_comments_newest_first_and_nothing_taken_down(moderator):
    article = make_seed_article()
    first, second, gone = (make_comment(article, body=f"A thoughtful view on Doha, {n}.") for n in range(3))
    reply = make_comment(article, parent=first, name="Bilal", body="A thoughtful reply about the talks.")
    for comment in (first, reply, gone, second):
        comment_feature(comment=comment, actor=moderator)
    Comment.objects.filter(pk=gone.pk).update(status=Comment.Status.REMOVED)
    make_comment(article, body="Not featured at all.")
    tab = featured_tab(Client(), article)
    order = [int(pk) for pk in re.findall(r'<article id="comment-(\d+)"', tab)]
    assert order == [second.pk, reply.pk, first.pk]
    assert "Replying to" in tab and "Not featured at all." not in tab
    assert '<strong aria-current="true">Featured</strong>' in tab
    page = Client().get(article.get_absolute_url()).content.decode()
    assert page.count("nr-featured-badge") == 3  # marked where they stand in their threads too
    empty = make_article()
    make_comment(empty)
    assert "No comments are featured on this story yet." in featured_tab(Client(), empty)


def test_the_embed_and_the_api_show_the_featured_comments(moderator):
    site = Site.objects.create(name="The Paper", origin="https://paper.example")
    url = "https://paper.example/world/us-pakistan"
    story = story_for_url(site=site, url=url, title="US seeks Pakistan's help")
    chosen = make_comment(story, body="The talks deserve attention.")
    make_comment(story, body="An ordinary remark.")
    comment_feature(comment=chosen, actor=moderator)
    embed = Client(HTTP_ORIGIN=site.origin)
    html = embed.get("/embed/v1/section", {"site": site.origin, "url": url, "tab": "featured"}).content.decode()
    assert "The talks deserve attention." in html and "An ordinary remark." not in html
    assert embed.get("/embed/v1/section", {"site": site.origin, "url": url})[HEADER]
    api = Client().get(f"/api/v1/stories/{story.pk}/featured").json()
    assert [c["id"] for c in api["comments"]] == [chosen.pk] and api["comments"][0]["featured"] is True
    assert Client().get("/api/v1/stories/99999999/featured").status_code == 404
