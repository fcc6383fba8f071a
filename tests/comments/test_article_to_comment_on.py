"""The story a comment is posted to (``comments.selectors.article_to_comment_on``), read in one written-out
statement as ``Article.objects.published().select_related("comment_settings")`` would: whole, converted, with its
comment settings or the knowledge that it has none, and a 404 for a story not published or not there."""

import datetime as dt

import pytest
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext

from articles.models import Article
from commenters.models import StorySettings
from commenters.selectors import site_switch, story_settings, story_state
from comments.selectors import article_to_comment_on
from factories import make_article

pytestmark = pytest.mark.django_db


def test_a_story_comes_whole_with_its_settings_in_one_statement():
    story = make_article(published_on=dt.date(2020, 5, 10))
    StorySettings.objects.create(article=story, comments_open=False, closed_message="Closed for the night.")
    site_switch()  # the site's pause, kept in the cache as on a running site
    with CaptureQueriesContext(connection) as queries:
        found = article_to_comment_on(slug=story.slug)
        state = story_state(article=found)
    assert len(queries) == 1
    assert (state.open, state.message) == (False, "Closed for the night.")
    assert found == Article.objects.get(pk=story.pk)
    # Every field as the ORM reads it (a date is a date on SQLite too, not its text).
    for field in Article._meta.concrete_fields:
        assert getattr(found, field.attname) == getattr(story, field.attname), field.name
    assert found.published_on == dt.date(2020, 5, 10)


def test_a_story_without_settings_is_known_to_have_none_without_another_read():
    story = make_article()
    found = article_to_comment_on(slug=story.slug)
    with CaptureQueriesContext(connection) as queries:
        assert story_settings(found) is None
    assert len(queries) == 0


@pytest.mark.parametrize("slug", ["not-a-story", "", "x' OR '1'='1"])
def test_a_story_not_there_is_a_404(slug):
    make_article()
    with pytest.raises(Http404):
        article_to_comment_on(slug=slug)


def test_a_story_not_published_is_a_404():
    story = make_article(is_published=False)
    with pytest.raises(Http404):
        article_to_comment_on(slug=story.slug)
