"""The sanctions in force on an address come newest first, as ``Sanction`` orders them: what a refused post is
told (its reason, until when) is the latest a moderator decided, not whichever the database found first."""

import datetime as dt

import pytest
from django.utils import timezone

from commenters.models import Sanction
from commenters.selectors import active_sanctions
from comments.services import CommentError, comment_post
from factories import make_seed_article

pytestmark = pytest.mark.django_db


def test_the_newest_sanction_in_force_comes_first_and_is_the_one_a_refused_post_is_told():
    now = timezone.now()
    reasons = ["an old spam run", "threats against another reader", "a suspension for flooding"]
    kinds = [Sanction.Kind.BAN, Sanction.Kind.BAN, Sanction.Kind.SUSPEND]
    # Written oldest first, so that the table's own order is the opposite of the one asked for.
    for n, (reason, kind) in enumerate(zip(reasons, kinds, strict=True)):
        sanction = Sanction.objects.create(
            email="troll@example.com", mailbox="troll@example.com", kind=kind, reason=reason,
            ends_at=now + dt.timedelta(days=3) if kind == Sanction.Kind.SUSPEND else None,
        )  # fmt: skip
        Sanction.objects.filter(pk=sanction.pk).update(created_at=now - dt.timedelta(days=10 - n))
    assert [s.reason for s in active_sanctions(email="Troll@Example.com", at=now)] == reasons[::-1]
    with pytest.raises(CommentError) as refused:
        comment_post(
            article=make_seed_article(), author_name="Troll", author_email="troll@example.com",
            body="Let me post about the Doha talks.",
        )  # fmt: skip
    assert "a suspension for flooding" in refused.value.messages[0]
