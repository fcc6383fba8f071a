"""What a post costs the database and the shared cache: a reader's post is the site's hottest write.

Measured by ``bench/post.py``; held here by counting, never by timing: the statements a new reader's post makes
(no savepoint, nothing read twice), the shared cache's keys it reads once each, and the story's text for the
on-topic check kept in the process, but never kept past a change to the story or its related links.
"""

from dataclasses import replace
from unittest import mock

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from articles.importer import RelatedStory, parse_article
from articles.models import Article, RelatedLink
from articles.services import article_import
from commenters.models import Commenter
from commenters.selectors import SWITCH_CACHE_KEY
from commenters.services import commenter_record
from comments.models import Comment
from comments.selectors import counts_keys
from factories import DATABASE_TASKS, comment_form_data, make_seed_article, seed_text
from newsroom import cache
from outbox.models import OutboundEmail, Recipient
from outbox.services import unsubscribe_token
from policies.selectors import LIVE_VERSION_KEY
from policies.shares import RECENT_KEY

pytestmark = pytest.mark.django_db

# The statements of a new reader's first post through the form, with the rate limits on (``bench/post.py`` prints
# the same count): the story; the author's standing (a site's sign-in, sanctions, the week's record: one read); the
# conversation and the same words (one read); the comment, its audit and the task that asks the address to confirm itself, in one
# transaction; the new session's row (without a read first, nor a transaction of its own: newsroom/sessions.py).
# Whether the same form was stored before is asked only of a copy (the first claims the form in the shared cache).
# (The commenter, the confirmation's claim, the opt-out, the unsubscribe link's recipient and the email are the
# worker's: comments/tasks.py.) SQLite's BEGIN and COMMIT are counted among them.
NEW_READERS_POST = 9


def run_queued_tasks():
    """What the worker does with the tasks a request enqueued: run each (in the order they were enqueued)."""
    from django_tasks_db.models import DBTaskResult

    for row in DBTaskResult.objects.order_by("enqueued_at"):
        row.task.call(*row.args_kwargs["args"], **row.args_kwargs["kwargs"])
        row.delete()


def new_readers_post(article, settings, *, email="new.reader@example.com", address="192.0.2.44"):
    settings.TASKS = DATABASE_TASKS  # the email's task enqueued for the worker, not run within the request
    settings.COMMENTS_RATE_PER_IP = "1/5s,30/h"
    settings.COMMENTS_RATE_PER_EMAIL = "1/5s,20/h"
    data = comment_form_data(body="Pakistan's role in the intra-Afghan talks matters for the dialogue.", email=email)
    with CaptureQueriesContext(connection) as queries:
        response = Client(REMOTE_ADDR=address).post(f"/articles/{article.slug}/comments/", data)
    assert response.status_code == 302, response.status_code
    return [q["sql"] for q in queries.captured_queries]


@pytest.mark.django_db(transaction=True)  # the post's own transactions, not savepoints in a test's
def test_a_post_writes_its_browsers_session_once_in_the_comments_own_transaction(settings):
    article = make_seed_article()
    new_readers_post(article, settings, email="first@example.com", address="192.0.2.1")
    writes = []

    def note(execute, sql, params, many, context):
        if "django_session" in sql and not sql.lstrip().upper().startswith("SELECT"):
            writes.append((sql.split()[0].upper(), connection.in_atomic_block))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(note):
        client = Client(REMOTE_ADDR="192.0.2.45")
        data = comment_form_data(body="Pakistan's part in the intra-Afghan talks.", email="held.reader@example.com")
        settings.COMMENTS_RATE_PER_IP = settings.COMMENTS_RATE_PER_EMAIL = ""
        response = client.post(f"/articles/{article.slug}/comments/", data)
    assert response.status_code == 302
    assert writes == [("INSERT", True)]  # in the comment's transaction, and not again as the response went out
    # The browser's session knows its comment: the author is shown it (a newcomer's first comment may wait).
    comment = Comment.objects.get(author_email="held.reader@example.com")
    page = client.get(article.get_absolute_url())
    assert f'id="comment-{comment.pk}"' in page.content.decode()
    # A second post from the same browser updates that session, in its own comment's transaction.
    writes.clear()
    with connection.execute_wrapper(note):
        again = comment_form_data(body="And Doha's role in the talks, too.", email="held.reader@example.com")
        assert client.post(f"/articles/{article.slug}/comments/", again).status_code == 302
    assert writes == [("UPDATE", True)]


def test_a_session_signed_out_in_another_tab_during_a_post_does_not_undo_the_comment(client, settings):
    from django.contrib.sessions.models import Session

    article = make_seed_article()
    settings.COMMENTS_RATE_PER_IP = settings.COMMENTS_RATE_PER_EMAIL = ""
    first = comment_form_data(body="Pakistan's part in the intra-Afghan talks.", email="tabs@example.com")
    assert client.post(f"/articles/{article.slug}/comments/", first).status_code == 302
    client.raise_request_exception = False
    with mock.patch("comments.alerts.comment_stored", side_effect=lambda **kw: Session.objects.all().delete()):
        second = comment_form_data(body="And Doha's part in the talks.", email="tabs@example.com")
        response = client.post(f"/articles/{article.slug}/comments/", second)
    assert Comment.objects.filter(body="And Doha's part in the talks.").exists()
    assert response.status_code != 500


@pytest.mark.django_db(transaction=True)  # the post's own transactions, not savepoints in a test's
def test_a_new_readers_post_makes_no_savepoint_and_reads_nothing_twice(settings):
    article = make_seed_article()
    # A first post, by someone else, loads what every post then finds kept (the policy, the story's text).
    new_readers_post(article, settings, email="first@example.com", address="192.0.2.1")
    statements = new_readers_post(article, settings)
    assert not [sql for sql in statements if "SAVEPOINT" in sql.upper()]
    reads = [sql for sql in statements if sql.lstrip().upper().startswith("SELECT")]
    assert len(reads) == len(set(reads)), reads
    assert len(statements) <= NEW_READERS_POST, "\n".join(statements)
    comment = Comment.objects.get(author_email="new.reader@example.com")
    assert not Commenter.objects.filter(email="new.reader@example.com").exists()  # the worker's, not the post's
    # And the worker did the rest a post asks for: its commenter, and the confirmation with its link.
    run_queued_tasks()
    assert Commenter.objects.get(email="new.reader@example.com").confirmation_sent_at is not None
    email = OutboundEmail.objects.get(kind=OutboundEmail.Kind.CONFIRM, to="new.reader@example.com")
    assert email.comment_id == comment.pk and "/comments/unsubscribe/" in email.body


def test_the_next_post_of_the_same_address_sends_no_second_confirmation_and_stamps_nothing(settings):
    article = make_seed_article()
    new_readers_post(article, settings)
    run_queued_tasks()
    stamped = Commenter.objects.get(email="new.reader@example.com").confirmation_sent_at
    settings.COMMENTS_RATE_PER_EMAIL = ""
    Client(REMOTE_ADDR="192.0.2.45").post(
        f"/articles/{article.slug}/comments/",
        comment_form_data(body="And the talks in Doha should include women.", email="new.reader@example.com"),
    )
    run_queued_tasks()
    assert Comment.objects.filter(author_email="new.reader@example.com").count() == 2
    assert OutboundEmail.objects.filter(kind=OutboundEmail.Kind.CONFIRM).count() == 1
    assert Commenter.objects.get(email="new.reader@example.com").confirmation_sent_at == stamped


def test_a_post_reads_each_key_of_the_shared_cache_once(settings, monkeypatch):
    article = make_seed_article()
    new_readers_post(article, settings, email="first@example.com", address="192.0.2.1")
    asked: list[list[str]] = []  # the keys of each round trip
    call = cache.call

    def counted(method, *args, **kwargs):
        if method in ("get", "get_many"):
            asked.append([args[0]] if method == "get" else list(args[0]))
        return call(method, *args, **kwargs)

    script = cache.redis_script

    def pipelined(source, keys, args, *, read=()):  # on Redis, the reads go with the limits' script
        read = list(read)
        found = script(source, keys, args, read=read)
        if read:
            asked.append(read)
        return found

    monkeypatch.setattr(cache, "call", counted)
    monkeypatch.setattr(cache, "redis_script", pipelined)
    new_readers_post(article, settings)
    keys = [key for batch in asked for key in batch]
    assert keys.count(LIVE_VERSION_KEY) == 1
    assert len(keys) == len(set(keys)), asked
    # The four every post reads, in one round trip.
    assert [LIVE_VERSION_KEY, RECENT_KEY, SWITCH_CACHE_KEY, counts_keys(article.pk)[0]] in asked


def test_outside_a_request_each_read_asks_the_cache_and_within_one_a_forgotten_key_is_asked_again():
    cache.call("set", "test:key", "one", 60)
    assert cache.read("test:key") == "one"
    cache.call("set", "test:key", "two", 60)
    assert cache.read("test:key") == "two"  # no request: nothing kept
    with cache.one_read_a_request():
        assert cache.read("test:key") == "two"
        cache.call("set", "test:key", "three", 60)  # written elsewhere meanwhile: this request keeps its view
        assert cache.read("test:key") == "two"
        cache.forget("test:key")  # written here: read afresh
        assert cache.read("test:key") is None
        cache.write({"test:key": "four"}, 60)
        assert cache.read("test:key") == "four"
    assert cache.call("get", "test:key") == "four"


def test_recording_a_commenter_twice_keeps_the_first_row_whole():
    first = commenter_record(email="Amina@Example.com")
    Commenter.objects.filter(pk=first).update(confirmed_at="2026-01-02T03:04:05Z", signed_in_by_site=True)
    assert commenter_record(email="amina@example.com") == first
    commenter = Commenter.objects.get()
    assert (commenter.email, commenter.signed_in_by_site) == ("amina@example.com", True)
    assert commenter.confirmed_at is not None


def test_an_unsubscribe_link_names_one_recipient_and_notes_a_new_mailbox_only_when_told():
    token = unsubscribe_token("Reader+news@example.com", mailbox="reader@example.com")
    assert unsubscribe_token("reader+news@example.com") == token
    assert Recipient.objects.get().mailbox == "reader@example.com"  # not told: kept
    unsubscribe_token("reader+news@example.com", mailbox="reader-moved@example.com")
    assert (Recipient.objects.count(), Recipient.objects.get().mailbox) == (1, "reader-moved@example.com")


def fresh(article):
    return Article.objects.get(pk=article.pk)


def test_the_story_text_for_the_on_topic_check_follows_its_related_links_and_its_own_changes():
    article = make_seed_article()
    before = fresh(article).text_for_relevance()
    link = RelatedLink.objects.create(article=article, after_paragraph=1, headline="Kabul floods displace thousands")
    assert "Kabul floods" in fresh(article).text_for_relevance()
    link.headline = "Herat earthquake relief arrives"
    link.save()
    text = fresh(article).text_for_relevance()
    assert "Herat earthquake" in text and "Kabul floods" not in text
    link.delete()
    assert fresh(article).text_for_relevance() == before
    story = fresh(article)
    story.body = "Parliament in Islamabad debated the budget."
    story.save()
    assert "Islamabad debated" in fresh(article).text_for_relevance()


def test_reimporting_a_story_with_other_related_links_changes_its_text():
    parsed = parse_article(seed_text())
    article, _ = article_import(parsed=parsed)
    assert "Herat earthquake" not in fresh(article).text_for_relevance()  # kept now
    other = replace(parsed, related=[RelatedStory(after_paragraph=2, headline="Herat earthquake relief arrives")])
    article_import(parsed=other, slug=article.slug)
    text = fresh(article).text_for_relevance()
    assert text.endswith("Herat earthquake relief arrives")
    assert not any(story.headline in text for story in parsed.related)


@pytest.mark.parametrize("new_thread", [True, False], ids=["a new thread", "a reply"])
def test_on_redis_a_published_post_adds_to_the_cached_counts_in_one_round_trip(on_redis, new_thread):
    """The page's counts are cached (a reader opened it): a published post adds to them in one script, not an
    EXISTS and an INCR a key; a count not cached is left to the next page, and the one after it untouched."""
    import redis

    from comments.selectors import count_published, counts_keys

    article = make_seed_article()
    count, threads = counts_keys(article.pk)
    cache.call("set_many", {count: 7, threads: 3}, 60)
    count_published(article_id=article.pk + 1, new_thread=True)  # Redis has the script now, as it has in use
    sent: list[str] = []
    real = redis.Redis.execute_command

    def counted(self, *args, **kwargs):
        sent.append(str(args[0]))
        return real(self, *args, **kwargs)

    with mock.patch.object(redis.Redis, "execute_command", counted):
        count_published(article_id=article.pk, new_thread=new_thread)
    assert len(sent) == 1 and sent[0] in ("EVALSHA", "EVAL"), sent
    assert cache.call("get_many", [count, threads]) == {count: 8, threads: 4 if new_thread else 3}
    cache.call("delete", count)
    count_published(article_id=article.pk, new_thread=True)
    assert cache.call("get_many", [count, threads]) == {threads: 4 if new_thread else 3}


def test_on_redis_a_new_readers_post_is_one_round_trip_to_the_shared_cache(on_redis, settings):
    """The form's claim, the rate limits and the four keys every post reads, pipelined: one round trip."""
    import redis

    article = make_seed_article()
    new_readers_post(article, settings, email="first@example.com", address="192.0.2.1")  # loads what posts keep
    sent: list[int] = []
    real = redis.connection.Connection.send_packed_command

    def counted(self, command, *args, **kwargs):
        sent.append(1)
        return real(self, command, *args, **kwargs)

    with mock.patch.object(redis.connection.Connection, "send_packed_command", counted):
        new_readers_post(article, settings)
    assert len(sent) == 1, sent
    assert Comment.objects.filter(author_email="new.reader@example.com").count() == 1
