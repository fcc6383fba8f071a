"""Readers react to published comments: one kind (Respect, or what the site calls it), one a reader a comment,
given and taken back, rate-limited, counted on the comment (no query a comment), sorted by, and never a vote on
moderation. The counts hold under clicks at once."""

import re
import threading

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from comments.models import Comment, ModerationEvent, Reaction
from comments.reactions import comment_react, reader_key
from embeds.middleware import HEADER
from embeds.models import Site
from embeds.services import story_for_url
from factories import comment_form_data, make_comment, make_seed_article

pytestmark = pytest.mark.django_db


def react(client, comment, on="1"):
    return client.post(f"/comments/{comment.pk}/react/", {"on": on}, follow=True)


def button_of(client, article, comment) -> str:
    html = client.get(article.get_absolute_url()).content.decode()
    node = html[html.index(f'id="comment-{comment.pk}"') :]
    found = re.search(r'<form method="post" action="/comments/\d+/react/".*?</form>', node, re.S)
    assert found is not None
    return found[0]


def test_a_reader_reacts_once_and_takes_it_back(settings):
    article = make_seed_article()
    comment = make_comment(article, body="Pakistan's influence over the Taliban is key.")
    reader = Client()
    assert 'aria-pressed="false"' in button_of(reader, article, comment)
    react(reader, comment)
    react(reader, comment)  # a second click of the same state: still one
    comment.refresh_from_db()
    assert comment.reaction_count == 1 and Reaction.objects.count() == 1
    button = button_of(reader, article, comment)
    assert 'aria-pressed="true"' in button and 'Respect<span aria-hidden="true"> · 1</span>' in button
    assert ": 1 reader</span>" in button and 'value="0"' in button
    assert 'aria-pressed="false"' in button_of(Client(), article, comment)  # another reader has not reacted
    react(Client(), comment)
    react(reader, comment, on="0")
    comment.refresh_from_db()
    assert comment.reaction_count == 1 == Reaction.objects.count()
    settings.COMMENTS_REACTION_LABEL = "Insightful"
    assert 'Insightful<span aria-hidden="true"> · 1</span>' in button_of(reader, article, comment)


def test_reactions_never_change_moderation():
    article = make_seed_article()
    comment = make_comment(article)
    before = (comment.status, comment.decision, comment.reasons, ModerationEvent.objects.count())
    for _ in range(5):
        react(Client(), comment)
    comment.refresh_from_db()
    assert (comment.status, comment.decision, comment.reasons, ModerationEvent.objects.count()) == before
    assert comment.reaction_count == 5 and comment.open_reports == 0


def test_what_cannot_be_reacted_to_is_refused_with_a_reason(settings):
    settings.COMMENTS_MIN_SECONDS_TO_WRITE = 0
    article = make_seed_article()
    reader = Client()
    reader.post(f"/articles/{article.slug}/comments/", comment_form_data(body="My own view on the Doha talks."))
    mine = Comment.objects.get()
    assert "That is your own comment." in react(reader, mine).content.decode()
    held = make_comment(article, status=Comment.Status.HELD)
    assert reader.post(f"/comments/{held.pk}/react/", {"on": "1"}).status_code == 404
    assert reader.post("/comments/99999999/react/", {"on": "1"}).status_code == 404
    assert reader.get(f"/comments/{mine.pk}/react/").status_code == 405
    assert Reaction.objects.count() == 0


def test_a_flood_of_reactions_is_refused(settings):
    settings.REACTIONS_RATE_PER_IP = "2/m"
    article = make_seed_article()
    comments = [make_comment(article) for _ in range(3)]
    reader = Client()
    react(reader, comments[0])
    react(reader, comments[1])
    page = react(reader, comments[2]).content.decode()
    assert "You are reacting faster than we allow." in page
    assert Reaction.objects.count() == 2


def test_most_reactions_sorts_the_threads_and_reads_no_count_a_comment():
    article = make_seed_article()
    quiet, liked, loved = (make_comment(article, body=f"A view on Doha, number {n}.") for n in range(3))
    for comment, readers in ((liked, 2), (loved, 3)):
        for _ in range(readers):
            react(Client(), comment)
    reader = Client()
    react(reader, quiet)
    html = reader.get(f"{article.get_absolute_url()}?sort=reactions").content.decode()
    order = [int(pk) for pk in re.findall(r'<article id="comment-(\d+)"', html)]
    assert order == [loved.pk, liked.pk, quiet.pk]
    assert '<strong aria-current="true">Most reactions</strong>' in html
    with CaptureQueriesContext(connection) as few:
        reader.get(article.get_absolute_url())
    for n in range(8):
        react(reader, make_comment(article, body=f"More on the talks, {n}."))
    with CaptureQueriesContext(connection) as many:
        reader.get(article.get_absolute_url())
    assert len(many) == len(few)


@pytest.mark.django_db(transaction=True)
def test_clicks_at_once_count_once_a_reader_and_the_count_equals_the_rows():
    if connection.vendor == "sqlite" and "memory" in str(connection.settings_dict["NAME"]):
        pytest.skip("threads need a database file or server")
    article = make_seed_article()
    comment = make_comment(article)
    readers = [reader_key(session=f"reader-{n}") for n in range(4)]
    clicks = [r for r in readers for _ in range(3)]  # each reader clicks three times at once
    start = threading.Barrier(len(clicks))
    failures: list[BaseException] = []

    def click(reader: str) -> None:
        start.wait()
        try:
            comment_react(comment=comment, reader=reader)
        except BaseException as exc:  # noqa: BLE001 - reported below
            failures.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=click, args=(r,)) for r in clicks]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    comment.refresh_from_db()
    assert comment.reaction_count == 4 == Reaction.objects.filter(comment=comment).count()


def test_the_embed_reacts_through_its_own_forms():
    site = Site.objects.create(name="The Paper", origin="https://paper.example")
    url = "https://paper.example/world/us-pakistan"
    story = story_for_url(site=site, url=url, title="US seeks Pakistan's help")
    comment = make_comment(story, body="The talks deserve attention.")
    embed = Client(HTTP_ORIGIN=site.origin)
    token = embed.get("/embed/v1/section", {"site": site.origin, "url": url})[HEADER]
    done = embed.post(
        f"/embed/v1/act?to=/comments/{comment.pk}/react/&site={site.origin}&url={url}",
        {"on": "1"},
        headers={HEADER: token},
    )
    html = done.content.decode()
    assert done.status_code == 200, html
    assert 'Respect<span aria-hidden="true"> · 1</span>' in html and 'aria-pressed="true"' in html
    comment.refresh_from_db()
    assert comment.reaction_count == 1


def test_new_sessions_from_one_address_give_one_comment_a_few_at_most_and_odd_values_are_refused():
    article = make_seed_article()
    comment = make_comment(article)
    for _ in range(10):  # a script with a fresh session every click
        react(Client(), comment)
    comment.refresh_from_db()
    assert comment.reaction_count == 6
    assert Client().post(f"/comments/{comment.pk}/react/", {"on": "off"}).status_code == 400


def test_a_reaction_keeps_the_reader_in_the_view_they_pressed_it_in():
    article = make_seed_article()
    comment = make_comment(article)
    answer = Client().post(f"/comments/{comment.pk}/react/", {"on": "1", "back": "tab=featured&sort=reactions&x=1"})
    assert answer["Location"] == f"{article.get_absolute_url()}?tab=featured&sort=reactions#comment-{comment.pk}"
    odd = Client().post(f"/comments/{comment.pk}/react/", {"on": "1", "back": "sort=<script>&page=2"})
    assert odd["Location"] == f"{article.get_absolute_url()}?page=2#comment-{comment.pk}"
