"""What a post asks of its author's address, in one statement (``comments.selectors.author_standing``): whether
a newsroom's site signs its reader in, the sanctions in force on it, and its week's record. Each answers as its
own read did: any spelling of the mailbox, a ban of a parent domain, nothing lifted or ended, nothing of another
address, and no comment older than a week or of a simulation."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from commenters.models import Commenter, Sanction
from commenters.selectors import active_sanctions
from comments.models import Comment
from comments.selectors import author_standing
from factories import make_comment, make_seed_article
from lab.models import SimulationRun

pytestmark = pytest.mark.django_db


def test_an_address_nothing_is_known_of_is_one_row_and_one_statement():
    with CaptureQueriesContext(connection) as queries:
        standing = author_standing(email="nobody@example.com", at=timezone.now())
    assert len(queries) == 1
    assert standing == type(standing)(signed_in_by_site=False, sanctions=[], week_total=0, week_rejected=0)


def test_the_sanctions_in_force_on_any_spelling_or_a_parent_domain_come_newest_first():
    now = timezone.now()
    made = []
    for n, (kind, fields) in enumerate(
        [
            ("premoderate", {"email": "b.anne+x@gmail.com", "mailbox": "banne@gmail.com"}),
            ("ban", {"domain": "gmail.com"}),
            ("warn", {"email": "banne@gmail.com", "mailbox": "banne@gmail.com"}),
        ]
    ):
        sanction = Sanction.objects.create(kind=kind, reason=f"reason {n}", **fields)
        Sanction.objects.filter(pk=sanction.pk).update(created_at=now - dt.timedelta(days=5 - n))
        made.append(sanction.pk)
    # Not in force, or not this address's: lifted, ended, another mailbox, a suspension of the domain (only a
    # ban covers a domain).
    Sanction.objects.create(kind="ban", reason="lifted", email="banne@gmail.com", mailbox="banne@gmail.com",
                            lifted_at=now)  # fmt: skip
    Sanction.objects.create(kind="suspend", reason="ended", email="banne@gmail.com", mailbox="banne@gmail.com",
                            ends_at=now - dt.timedelta(minutes=1))  # fmt: skip
    Sanction.objects.create(kind="ban", reason="someone else", email="other@gmail.com", mailbox="other@gmail.com")
    Sanction.objects.create(kind="suspend", reason="domain", domain="gmail.com", ends_at=now + dt.timedelta(days=1))
    standing = author_standing(email="B.Anne+news@GoogleMail.com", at=now)
    assert [s.pk for s in standing.sanctions] == made[::-1]
    assert [s.pk for s in standing.sanctions] == [s.pk for s in active_sanctions(email="banne@gmail.com", at=now)]
    # Whole sanctions, as the post tells them.
    assert standing.sanctions[0].kind == "warn" and standing.sanctions[0].created_at < now


def test_the_site_signs_in_the_reader_of_a_mailbox_or_an_address_stored_without_its_key():
    Commenter.objects.create(email="real.name@gmail.com", mailbox="realname@gmail.com", signed_in_by_site=True)
    Commenter.objects.create(email="old@example.com", signed_in_by_site=True)  # recorded without its key
    Commenter.objects.create(email="plain@example.com", mailbox="plain@example.com")
    now = timezone.now()
    assert author_standing(email="Real.Name+x@gmail.com", at=now).signed_in_by_site
    assert author_standing(email="old@example.com", at=now).signed_in_by_site
    assert not author_standing(email="plain@example.com", at=now).signed_in_by_site


def test_the_weeks_record_counts_the_mailboxs_readers_comments_of_seven_days_and_those_turned_down():
    article = make_seed_article()
    for status in ("published", "rejected", "removed", "held"):
        comment = make_comment(article, status=status)
        Comment.objects.filter(pk=comment.pk).update(author_email="w.en@gmail.com", mailbox="wen@gmail.com")
    old = make_comment(article)
    Comment.objects.filter(pk=old.pk).update(mailbox="wen@gmail.com", created_at=timezone.now() - dt.timedelta(days=8))
    simulated = make_comment(article, status="rejected")
    run = SimulationRun.objects.create(article=article, label="a run")
    Comment.objects.filter(pk=simulated.pk).update(mailbox="wen@gmail.com", simulation=run)
    Sanction.objects.create(kind="warn", reason="one", email="wen@gmail.com", mailbox="wen@gmail.com")
    Sanction.objects.create(kind="premoderate", reason="two", email="wen@gmail.com", mailbox="wen@gmail.com")
    standing = author_standing(email="W.E.N@gmail.com", at=timezone.now())
    # Two sanctions join the one row of counts: counted once, not once a sanction.
    assert (standing.week_total, standing.week_rejected, len(standing.sanctions)) == (4, 2, 2)
