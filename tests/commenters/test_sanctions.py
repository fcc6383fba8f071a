"""Commenters' history and sanctions: warn, pre-moderate, suspend, ban; automatic pre-moderation."""

import datetime as dt

import pytest
from django.utils import timezone

from commenters.models import ControlEvent, Sanction
from commenters.services import SanctionError, sanction_add, sanction_lift
from comments.models import Comment
from comments.services import comment_reject
from desk.roles import ensure_moderators_group
from factories import comment_form_data, make_comment, make_seed_article

pytestmark = pytest.mark.django_db


@pytest.fixture
def moderator(django_user_model):
    user = django_user_model.objects.create_user("mod", password="pw-for-tests-only", is_staff=True)
    user.groups.add(ensure_moderators_group())
    return user


def post(client, article, email="amina@example.com", body="Pakistan's role in Doha matters."):
    return client.post(f"/articles/{article.slug}/comments/", comment_form_data(email=email, body=body))


def test_a_ban_refuses_posts_with_the_text_kept_until_lifted(client, moderator):
    article = make_seed_article()
    ban = sanction_add(kind="ban", reason="repeated slurs", actor=moderator, email="Amina@Example.com")
    refused = post(client, article, body="My words on Doha.")
    assert refused.status_code == 403
    html = refused.content.decode()
    assert "a moderator banned this address (repeated slurs)" in html and "My words on Doha." in html
    assert not Comment.objects.exists()
    sanction_lift(sanction=ban, actor=moderator)
    assert post(client, article).status_code == 302
    assert [e.action for e in ControlEvent.objects.order_by("id")] == ["sanction", "lift"]


def test_a_domain_ban_covers_throwaway_addresses(client, moderator):
    article = make_seed_article()
    sanction_add(kind="ban", reason="throwaway spam domain", actor=moderator, domain="@Mailinator.com")
    assert post(client, article, email="one@mailinator.com").status_code == 403
    assert post(client, article, email="two@MAILINATOR.com").status_code == 403
    assert post(client, article, email="three@example.org").status_code == 302
    with pytest.raises(SanctionError, match="Only a ban"):
        sanction_add(kind="suspend", reason="x", actor=moderator, domain="mailinator.com", days=3)


def test_a_sanction_on_an_address_or_domain_too_long_to_exist_is_refused_not_a_database_error(moderator):
    with pytest.raises(SanctionError, match="too long"):
        sanction_add(kind="ban", reason="spam", actor=moderator, domain="ü" * 254 + ".example")
    with pytest.raises(SanctionError, match="too long"):
        sanction_add(kind="warn", reason="rude", actor=moderator, email="a" * 250 + "@x.example")
    assert not Sanction.objects.exists()


def test_a_suspension_ends_by_itself(client, moderator):
    article = make_seed_article()
    with pytest.raises(SanctionError, match="needs an end"):
        sanction_add(kind="suspend", reason="cooling off", actor=moderator, email="amina@example.com")
    suspension = sanction_add(kind="suspend", reason="cooling off", actor=moderator, email="amina@example.com", days=2)
    refused = post(client, article).content.decode()
    assert "You cannot comment here until" in refused and "suspended" in refused
    Sanction.objects.filter(pk=suspension.pk).update(ends_at=timezone.now() - dt.timedelta(minutes=1))
    assert post(client, article).status_code == 302


def test_pre_moderation_holds_every_comment_and_says_why(client, moderator):
    article = make_seed_article()
    sanction_add(kind="premoderate", reason="heated all week", actor=moderator, email="amina@example.com")
    post(client, article)
    comment = Comment.objects.get()
    assert comment.status == Comment.Status.HELD and comment.reasons == ["commenter.premoderated"]
    assert "heated all week" in comment.explanation[0]["message"]


def test_a_warning_is_shown_on_the_next_post_once(client, moderator):
    article = make_seed_article()
    sanction_add(kind="warn", reason="Mind the personal remarks", actor=moderator, email="amina@example.com")
    first = client.post(
        f"/articles/{article.slug}/comments/", comment_form_data(body="First after the warning."), follow=True
    )
    assert "A moderator has warned you: Mind the personal remarks." in first.content.decode()
    second = client.post(
        f"/articles/{article.slug}/comments/", comment_form_data(body="Second after the warning."), follow=True
    )
    assert "warned you" not in second.content.decode()


def test_a_week_of_rejected_comments_puts_a_commenter_on_pre_moderation(client, moderator):
    article = make_seed_article()
    for n in range(3):
        post(client, article, body=f"Remark number {n} about the talks in Doha.")
    comment_reject(comment=Comment.objects.order_by("id")[0], actor=moderator, reason="abusive")
    post(client, article, body="A fourth remark about the talks in Doha.")
    latest = Comment.objects.order_by("-id")[0]
    assert latest.status == Comment.Status.HELD and latest.reasons == ["commenter.rejected_often"]
    assert "1 of whose 3 comments this week were not published" in latest.explanation[0]["message"]


def test_the_desk_shows_the_commenters_history_and_a_sanction_is_one_click_away(client, moderator):
    from factories import HOLD_ALL

    article = make_seed_article()
    held = make_comment(article, policy=HOLD_ALL, body="Held now.")
    Comment.objects.filter(pk=held.pk).update(author_email="repeat@example.com", mailbox="repeat@example.com")
    for n in range(2):
        other = make_comment(article, body=f"Published {n}.")
        Comment.objects.filter(pk=other.pk).update(author_email="repeat@example.com", mailbox="repeat@example.com")
    client.force_login(moderator)
    row = client.get("/admin/desk/reviewqueueitem/").content.decode()
    assert "2 published · 1 held · 0 not published · 0 reported" in row
    assert "/admin/commenters/sanction/add/?email=repeat%40example.com" in row
    detail = client.get(f"/admin/desk/reviewqueueitem/{held.pk}/change/").content.decode()
    assert "Not published, by reason: none" in detail and "Published 1." in detail
    form = client.get("/admin/commenters/sanction/add/?email=repeat%40example.com").content.decode()
    assert 'value="repeat@example.com"' in form
    bad = client.post(
        "/admin/commenters/sanction/add/", {"email": "repeat@example.com", "kind": "suspend", "reason": "x"}
    )
    assert bad.status_code == 200 and "needs an end" in bad.content.decode()
    done = client.post(
        "/admin/commenters/sanction/add/", {"email": "repeat@example.com", "kind": "suspend", "reason": "x", "days": 3}
    )
    assert done.status_code == 302 and Sanction.objects.get().created_by == moderator
