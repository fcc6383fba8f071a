"""One identity per mailbox: every spelling of an address that delivers to one mailbox is one commenter, to the
sanctions, the rate limit, the week's record, the new-commenter rule and the desk's history (issue 23)."""

import importlib

import pytest
from django.core.cache import cache
from django.db.models import Q
from django.test import RequestFactory
from django.utils import timezone

from commenters.mailboxes import domain_key, mailbox_key, parent_domains
from commenters.models import Commenter, Sanction
from commenters.selectors import active_sanctions
from commenters.services import SanctionError, sanction_add
from comments.models import Comment
from comments.selectors import author_standing, moderation_context
from comments.services import CommentError, Submission, comment_post
from comments.views import too_fast
from desk.admin import history_count
from factories import make_seed_article
from policies.selectors import live_policy

# (what a moderator sanctioned, what the evader typed): one mailbox each.
EVASIONS = [
    ("spammer@example.com", "spammer+1@example.com"),
    ("spammer@example.com", "spammer+a+b@example.com"),
    ("spammer@example.com", "SPAMMER@EXAMPLE.COM"),
    ("spammer@example.com", " Spammer@Example.COM "),
    ("banned.user@gmail.com", "banneduser@gmail.com"),
    ("banned.user@gmail.com", "b.a.n.n.e.d.u.s.e.r@googlemail.com"),
    ("banned.user@gmail.com", "Banned.User+x@GoogleMail.com"),
    ("banneduser@googlemail.com", "banned.user@gmail.com"),
    ("spammer@throwaway.test", "spammer@ｔｈｒｏｗａｗａｙ.ｔｅｓｔ"),  # full-width letters
    ("spammer@throwaway.test", "ｓｐａｍｍｅｒ@throwaway.test"),
    ("spammer@throwaway.test", "spammer@throwaway．test"),  # a full-width dot
    ("spammer@throwaway.test", "spammer@throwaway.test."),  # the root's dot
    ("x@bücher.example", "x@xn--bcher-kva.example"),
    ("x@xn--bcher-kva.example", "x@BÜCHER.example"),
    ("x@bücher.example", "x@bu\u0308cher.example"),  # decomposed ü
    ("fish@example.com", "\ufb01sh@example.com"),  # the "ﬁ" ligature
    ("strasse@example.com", "STRAẞE@example.com"),  # the capital sharp s folds to "ss"
]
# Different mailboxes, however alike.
DIFFERENT = [
    ("spammer@example.com", "spammer2@example.com"),
    ("spammer@example.com", "spammer@example.org"),
    ("j.smith@example.com", "jsmith@example.com"),  # dots count outside Gmail
    ("spammer@example.com", "spammer@notexample.com"),
]


def test_every_evasion_is_the_same_mailbox():
    for sanctioned, typed in EVASIONS:
        assert mailbox_key(typed) == mailbox_key(sanctioned), (sanctioned, typed)
    for one, other in DIFFERENT:
        assert mailbox_key(one) != mailbox_key(other), (one, other)


def test_the_key_keeps_what_delivers_and_drops_what_does_not():
    assert mailbox_key("Banned.User+x@GoogleMail.com") == "banneduser@gmail.com"
    assert mailbox_key("x@ｔｈｒｏｗａｗａｙ.ｔｅｓｔ") == "x@throwaway.test"
    assert mailbox_key("x@bücher.example") == "x@xn--bcher-kva.example"
    assert mailbox_key("+only@example.com") == "+only@example.com"  # no tag to drop, only an odd name
    assert mailbox_key("x@exa mple.com") == "x@exa mple.com"  # not encodable: left folded, never an error
    assert mailbox_key("x" * 400 + "@example.com") == ("x" * 400)[:320]
    assert domain_key("GoogleMail.com") == "gmail.com"
    assert parent_domains("a.b.throwaway.test") == ["a.b.throwaway.test", "b.throwaway.test", "throwaway.test"]
    assert parent_domains("throwaway.test") == ["throwaway.test"]


@pytest.mark.django_db
@pytest.mark.parametrize(("sanctioned", "typed"), EVASIONS)
def test_a_ban_on_a_mailbox_covers_every_spelling_of_it(sanctioned, typed):
    sanction_add(kind="ban", reason="spam", actor=None, email=sanctioned)
    assert [s.kind for s in active_sanctions(email=typed)] == ["ban"]
    with pytest.raises(CommentError) as refused:
        comment_post(article=make_seed_article(), author_name="E", author_email=typed, body="Cheap watches here.")
    assert refused.value.code == "banned"
    assert not Comment.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(("sanctioned", "typed"), DIFFERENT)
def test_a_ban_on_a_mailbox_leaves_others_alone(sanctioned, typed):
    sanction_add(kind="ban", reason="spam", actor=None, email=sanctioned)
    assert active_sanctions(email=typed) == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("banned", "typed", "covered"),
    [
        ("throwaway.test", "x@ｔｈｒｏｗａｗａｙ.ｔｅｓｔ", True),
        ("throwaway.test", "x@THROWAWAY.TEST", True),
        ("throwaway.test", "x@a.b.throwaway.test", True),  # a subdomain
        ("@Throwaway.Test.", "x@mail.throwaway.test", True),
        ("ｔｈｒｏｗａｗａｙ.ｔｅｓｔ", "x@throwaway.test", True),
        ("bücher.example", "x@xn--bcher-kva.example", True),
        ("xn--bcher-kva.example", "x@bücher.example", True),
        ("googlemail.com", "x@gmail.com", True),
        ("example.com", "x@notexample.com", False),
        ("example.com", "x@example.com.evil.test", False),
        ("mail.throwaway.test", "x@throwaway.test", False),  # a subdomain's ban is not its parent's
    ],
)
def test_a_domain_ban_covers_its_subdomains_and_every_spelling(banned, typed, covered):
    sanction_add(kind="ban", reason="throwaway addresses", actor=None, domain=banned)
    assert bool(active_sanctions(email=typed)) is covered


@pytest.mark.django_db
def test_a_domain_is_stored_as_dns_knows_it():
    assert sanction_add(kind="ban", reason="r", actor=None, domain="Bücher.Example").domain == "xn--bcher-kva.example"
    assert sanction_add(kind="ban", reason="r", actor=None, email="A.B+x@Gmail.com").mailbox == "ab@gmail.com"
    assert Sanction.objects.get(mailbox="ab@gmail.com").email == "a.b+x@gmail.com"  # as typed, for mail


@pytest.mark.django_db
@pytest.mark.parametrize(
    "domain",
    ["*.example.com", "*", "example.com\r\nBcc: all@example.com", "exa mple.com", "com", "-bad.example",
     "bad-.example", "a..example", "example.com/path", "x@example.com", "a" * 64 + ".example", "xn--zz.example"],
)  # fmt: skip
def test_the_domain_field_takes_only_a_domain(domain):
    with pytest.raises(SanctionError, match="not a domain|too long"):
        sanction_add(kind="ban", reason="r", actor=None, domain=domain)
    assert not Sanction.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("email", ["not-an-address", "a@b\r\nBcc: c@example.com", "a b@example.com", "a@*.com"])
def test_the_email_field_takes_only_an_address(email):
    with pytest.raises(SanctionError, match="not an email address"):
        sanction_add(kind="ban", reason="r", actor=None, email=email)


@pytest.mark.django_db
def test_premoderation_and_the_weeks_record_follow_the_mailbox():
    article = make_seed_article()
    sanction_add(kind="premoderate", reason="new here", actor=None, email="banned.user@gmail.com")
    first = comment_post(article=article, author_name="B", author_email="Banned.User+x@GoogleMail.com", body="Hm.")
    assert first.comment.status == Comment.Status.HELD
    assert first.comment.author_email == "banned.user+x@googlemail.com"  # as typed (lower-cased), for mail
    assert first.comment.mailbox == "banneduser@gmail.com"
    comment_post(article=article, author_name="B", author_email="banneduser@gmail.com", body="Again, on Doha.")
    assert author_standing(email="b.anneduser+y@gmail.com", at=timezone.now()).week_total == 2


@pytest.mark.django_db
def test_a_confirmed_readers_record_is_theirs_under_any_spelling():
    article = make_seed_article()
    comment_post(article=article, author_name="W", author_email="wen@example.com", body="On Doha, first.")
    Comment.objects.update(status=Comment.Status.PUBLISHED)
    context = moderation_context(
        article=article, parent=None, author_name="W", author_email="WEN+news@Example.com", body="On Doha, again.",
        at=Comment.objects.get().created_at, policy=live_policy(), author_known=True,
    )  # fmt: skip
    assert context.author_published_count == 1


@pytest.mark.django_db
def test_a_site_readers_mailbox_is_theirs_under_any_spelling():
    Commenter.objects.create(email="real.name@gmail.com", mailbox="realname@gmail.com", signed_in_by_site=True)
    article = make_seed_article()
    with pytest.raises(CommentError) as refused:
        comment_post(article=article, author_name="R", author_email="RealName+x@googlemail.com", body="Mine.")
    assert refused.value.code == "email"
    # Their own browser, signed in as the address, may use another spelling of it.
    mine = comment_post(
        article=article, author_name="R", author_email="realname+x@googlemail.com", body="Mine, on Doha.",
        submission=Submission(verified_email="real.name@gmail.com"),
    )  # fmt: skip
    assert mine.comment.mailbox == "realname@gmail.com"


@pytest.mark.django_db
def test_the_rate_limit_counts_the_mailbox(settings):
    settings.COMMENTS_RATE_PER_EMAIL = "1/h"
    settings.COMMENTS_RATE_PER_IP = "100/h"
    cache.clear()
    factory = RequestFactory()
    try:
        assert too_fast(factory.post("/", REMOTE_ADDR="192.0.2.1"), "spammer@throwaway.test") == 0
        for n, typed in enumerate(["Spammer+2@THROWAWAY.test", "spammer@ｔｈｒｏｗａｗａｙ.ｔｅｓｔ"], start=2):
            assert too_fast(factory.post("/", REMOTE_ADDR=f"192.0.2.{n}"), typed) > 0
        assert too_fast(factory.post("/", REMOTE_ADDR="192.0.2.9"), "someone.else@throwaway.test") == 0
    finally:
        cache.clear()


@pytest.mark.django_db
def test_the_desk_counts_every_spelling_in_the_history():
    article = make_seed_article()
    for typed in ["banned.user@gmail.com", "BannedUser+1@googlemail.com", "other@gmail.com"]:
        comment_post(article=article, author_name="B", author_email=typed, body=f"On Doha, from {typed}.")
    counts = dict(Comment.objects.annotate(n=history_count(Q(pk__isnull=False))).values_list("author_email", "n"))
    assert counts == {"banned.user@gmail.com": 2, "banneduser+1@googlemail.com": 2, "other@gmail.com": 1}


@pytest.mark.django_db
def test_the_migrations_fill_in_the_keys_of_rows_already_stored():
    from django.apps import apps

    fill_keys = importlib.import_module("commenters.migrations.0004_mailbox_keys").fill_keys
    fill_mailboxes = importlib.import_module("comments.migrations.0003_comment_mailbox").fill_mailboxes
    article = make_seed_article()
    comment = comment_post(article=article, author_name="B", author_email="Banned.User+x@gmail.com", body="Hm.")
    Comment.objects.update(mailbox="")
    Sanction.objects.create(email="spammer+1@example.com", kind="ban", reason="spam")
    Sanction.objects.create(domain="Bücher.Example", kind="ban", reason="throwaway")
    Commenter.objects.update(mailbox="")
    fill_keys(apps, None)
    fill_mailboxes(apps, None)
    assert Comment.objects.get().mailbox == "banneduser@gmail.com"
    assert Commenter.objects.get(email=comment.comment.author_email).mailbox == "banneduser@gmail.com"
    assert sorted(Sanction.objects.values_list("mailbox", "domain")) == [
        ("", "xn--bcher-kva.example"),
        ("spammer@example.com", ""),
    ]
