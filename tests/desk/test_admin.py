import pytest
from django.contrib.auth.models import Permission

from comments.models import Comment, ModerationEvent
from comments.services import comment_reject, comment_report
from desk.roles import ensure_moderators_group
from factories import make_comment, make_seed_article
from policies.models import ModerationPolicy

pytestmark = pytest.mark.django_db

QUEUE = "/admin/desk/reviewqueueitem/"


@pytest.fixture
def moderator(django_user_model):
    user = django_user_model.objects.create_user("mod", password="pw-for-tests-only", is_staff=True)
    user.groups.add(ensure_moderators_group())
    return user


@pytest.fixture
def mod_client(client, moderator):
    client.force_login(moderator)
    return client


def held_comment(article, **kwargs):
    return make_comment(article, status=Comment.Status.HELD, **kwargs)


def test_queue_lists_held_and_reported_oldest_first_with_context(mod_client):
    article = make_seed_article()
    parent = make_comment(article, name="Chen", body="Parent words about Doha.")
    newer = held_comment(article, body="Newer held comment.", minutes_ago=1)
    older = held_comment(article, body="Older held reply.", parent=parent, minutes_ago=10)
    reported = make_comment(article, body="Reported but published.")
    comment_report(comment=reported, reason="abusive")
    make_comment(article, body="Plain published comment.")
    html = mod_client.get(QUEUE).content.decode()
    assert html.index("Older held reply.") < html.index("Newer held comment.")
    assert "Reported but published." in html and "Reported" in html
    assert "Plain published comment." not in html
    assert "Replying to <strong>Chen</strong>" in html and "Parent words about Doha." in html
    del newer, older


def test_queue_highlights_triggering_words_and_shows_reasons(mod_client, client):
    article = make_seed_article()
    from comments.services import comment_post

    comment = comment_post(
        article=article,
        author_name="X",
        author_email="x@example.com",
        body="Honestly, you are a brainless idiot about the talks.",
    ).comment
    assert comment.status == Comment.Status.HELD
    html = mod_client.get(QUEUE).content.decode()
    assert "<mark>you are a brainless idiot</mark>" in html
    assert "abusive.insult" in html
    detail = mod_client.get(f"{QUEUE}{comment.pk}/change/").content.decode()
    assert "Automatic decision" in detail  # the audit trail inline
    assert "Approve and publish" in detail


def test_filters_and_search(mod_client):
    article = make_seed_article()
    from comments.services import comment_post

    comment_post(
        article=article,
        author_name="A",
        author_email="a@example.com",
        body="Honestly, you are a brainless idiot about the talks.",
    )
    comment_post(
        article=article, author_name="B", author_email="b@example.com",
        body="I baked banana bread with ripe bananas, cinnamon and walnuts this weekend for my neighbours.",
    )  # fmt: skip
    abusive = mod_client.get(QUEUE + "?reason=abusive").content.decode()
    assert "brainless" in abusive and "banana" not in abusive
    off_topic = mod_client.get(QUEUE + "?reason=off_topic").content.decode()
    assert "banana" in off_topic and "brainless" not in off_topic
    searched = mod_client.get(QUEUE + "?q=walnuts").content.decode()
    assert "banana" in searched and "brainless" not in searched


def test_admin_index_counts_the_queue(mod_client):
    article = make_seed_article()
    held_comment(article)
    held_comment(article)
    comment_report(comment=make_comment(article), reason="spam")
    html = mod_client.get("/admin/").content.decode()
    assert '<strong class="held-count">2</strong>' in html
    assert '<strong class="reported-count">1</strong>' in html


def test_approve_action_publishes_and_audits(mod_client, moderator):
    article = make_seed_article()
    comment = held_comment(article)
    response = mod_client.post(QUEUE, {"action": "approve", "_selected_action": [comment.pk]}, follow=True)
    assert "1 comment approved." in response.content.decode()
    comment.refresh_from_db()
    assert comment.status == Comment.Status.PUBLISHED
    event = ModerationEvent.objects.get(comment=comment, action="approve")
    assert (event.actor, event.old_status, event.new_status) == (moderator, "held", "published")


def test_reject_actions_record_the_reason(mod_client):
    article = make_seed_article()
    a, b = held_comment(article), held_comment(article)
    mod_client.post(QUEUE, {"action": "reject_spam", "_selected_action": [a.pk, b.pk]})
    assert set(Comment.objects.filter(pk__in=[a.pk, b.pk]).values_list("status", flat=True)) == {"rejected"}
    assert list(ModerationEvent.objects.filter(action="reject").values_list("reason", flat=True)) == ["spam", "spam"]


def test_reject_other_needs_a_note(mod_client):
    article = make_seed_article()
    comment = held_comment(article)
    page = mod_client.post(QUEUE, {"action": "reject_other", "_selected_action": [comment.pk]})
    assert "Reject with a note" in page.content.decode()
    again = mod_client.post(
        QUEUE,
        {"action": "reject_other", "_selected_action": [comment.pk], "confirm": "1", "reason": "other", "note": ""},
    )
    assert "Say why in a note" in again.content.decode()
    comment.refresh_from_db()
    assert comment.status == Comment.Status.HELD
    mod_client.post(
        QUEUE,
        {
            "action": "reject_other",
            "_selected_action": [comment.pk],
            "confirm": "1",
            "reason": "other",
            "note": "Doxxing",
        },
    )
    comment.refresh_from_db()
    assert comment.status == Comment.Status.REJECTED
    assert ModerationEvent.objects.get(comment=comment, action="reject").note == "Doxxing"


def test_single_decision_from_the_comment_page(mod_client):
    article = make_seed_article()
    comment = held_comment(article)
    detail = mod_client.get(f"{QUEUE}{comment.pk}/change/").content.decode()
    assert f'action="{QUEUE}{comment.pk}/decide/"' in detail
    mod_client.post(f"{QUEUE}{comment.pk}/decide/", {"decide": "reject", "reason": "abusive", "note": ""})
    comment.refresh_from_db()
    assert comment.status == Comment.Status.REJECTED
    assert ModerationEvent.objects.get(comment=comment, action="reject").reason == "abusive"


def test_removing_a_reported_comment_leaves_a_tombstone_and_closes_reports(mod_client):
    article = make_seed_article()
    comment = make_comment(article)
    make_comment(article, parent=comment, body="A reply that stays.")
    comment_report(comment=comment, reason="abusive")
    mod_client.post(QUEUE, {"action": "reject_abusive", "_selected_action": [comment.pk]})
    comment.refresh_from_db()
    assert (comment.status, comment.open_reports) == (Comment.Status.REMOVED, 0)
    assert ModerationEvent.objects.filter(comment=comment, action="remove").exists()
    assert "This comment was removed" in mod_client.get(article.get_absolute_url()).content.decode()


def test_moderators_cannot_delete_or_edit_articles(mod_client, moderator):
    article = make_seed_article()
    comment = held_comment(article)
    assert mod_client.post(f"/admin/comments/comment/{comment.pk}/delete/", {"post": "yes"}).status_code == 403
    assert Comment.objects.filter(pk=comment.pk).exists()
    assert mod_client.post(f"/admin/articles/article/{article.pk}/change/", {"headline": "Hacked"}).status_code == 403
    assert mod_client.get("/admin/policies/moderationpolicy/").status_code == 403
    assert not moderator.has_perm("comments.delete_comment")
    assert moderator.has_perm("comments.can_moderate")


def test_staff_without_the_permission_cannot_act(client, django_user_model):
    viewer = django_user_model.objects.create_user("viewer", password="pw-for-tests-only", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_comment"))
    client.force_login(viewer)
    article = make_seed_article()
    comment = held_comment(article)
    client.post("/admin/comments/comment/", {"action": "approve", "_selected_action": [comment.pk]})
    comment.refresh_from_db()
    assert comment.status == Comment.Status.HELD


POLICY_FORM = {
    "name": "strict", "summary": "Only civil comments appear here.", "mode": "hold_all",
    "abuse_hold": 0.5, "abuse_reject": 0.9, "model_hold": 0.58, "model_hold_share": 0.15, "model_reject": 0.92, "off_topic_hold": 0.6, "off_topic_flag": 0.5,
    "off_topic_action": "hold", "spam_hold": 0.5, "spam_reject": 0.9, "shouting_hold": 0.8, "max_links": 2,
    "blocked_words": "", "allowed_words": "", "hold_first_comments": 0, "premoderate_rejected_share": 0.3,
    "duplicate_window_minutes": 10, "auto_close_days": 0, "appeal_days": 182, "held_notice_hours": 24,
}  # fmt: skip


def test_a_draft_changes_nothing_until_it_is_made_live_with_the_difference_shown(client, admin_client):
    from commenters.models import ControlEvent
    from policies.selectors import active_policy_record, forget_active_policy

    forget_active_policy()
    live = active_policy_record()
    draft = ModerationPolicy.objects.create(name="strict", summary="Draft words.")
    edited = admin_client.post(f"/admin/policies/moderationpolicy/{draft.pk}/change/", POLICY_FORM)
    assert edited.status_code == 302
    assert "Only civil comments appear here." not in client.get("/comments/faq/").content.decode()  # a draft
    # The live policy cannot be edited in place: its page is read-only.
    page = admin_client.get(f"/admin/policies/moderationpolicy/{live.pk}/change/").content.decode()
    assert 'name="abuse_hold"' not in page and "Live (read-only" in page
    confirm = admin_client.get(f"/admin/policies/moderationpolicy/{draft.pk}/activate/").content.decode()
    assert "<code>mode</code></td><td>auto</td><td><strong>hold_all</strong>" in confirm
    assert "<code>summary</code>" in confirm and "<code>abuse_hold</code>" not in confirm  # only what changes
    assert admin_client.post(f"/admin/policies/moderationpolicy/{draft.pk}/activate/").status_code == 302
    html = client.get("/comments/faq/").content.decode()
    assert "Only civil comments appear here." in html and "every comment waits for a moderator" in html
    article = make_seed_article()
    from comments.services import comment_post

    result = comment_post(article=article, author_name="A", author_email="a@example.com", body="Exactly.")
    assert result.comment.status == Comment.Status.HELD
    event = ControlEvent.objects.get(action="policy_activate")
    assert "strict made live (was default)" in event.detail and "mode 'auto' -> 'hold_all'" in event.detail
    forget_active_policy()


def test_a_policy_field_out_of_range_is_refused_by_name(admin_client):
    draft = ModerationPolicy.objects.create(name="loose")
    page = admin_client.post(
        f"/admin/policies/moderationpolicy/{draft.pk}/change/", {**POLICY_FORM, "name": "loose", "abuse_hold": 7}
    )
    assert page.status_code == 200 and "abuse_hold is a chance between 0 and 1, not 7.0." in page.content.decode()


def test_publish_and_flag_lists_off_topic_comments_for_moderators(mod_client, client):
    from comments.services import comment_post
    from policies.selectors import forget_active_policy, policy_from_record

    policy, _ = ModerationPolicy.objects.update_or_create(
        name="default", defaults={"is_active": True, "off_topic_action": "flag"}
    )
    forget_active_policy()
    article = make_seed_article()
    # A whole recipe: likely enough off-topic that the default action would hold it (a sentence of chatter is
    # flagged whatever the action).
    comment = comment_post(
        article=article, author_name="Bo", author_email="bo@example.com",
        body="I made a lovely banana bread this weekend, the trick is really ripe bananas and cinnamon. "
        "Mash four of them with a fork until smooth, then fold in melted butter, brown sugar and a beaten egg. "
        "Sift the flour with baking soda and a pinch of nutmeg before stirring it through. "
        "Chopped walnuts or dark chocolate chips make it richer. "
        "Bake it in a greased loaf tin for an hour and let it cool on a wire rack before slicing. "
        "A smear of salted butter and a mug of cocoa finish it off.",
    ).comment  # fmt: skip
    assert comment.scores["off_topic"] >= policy_from_record(policy).off_topic_hold
    assert comment.status == Comment.Status.PUBLISHED and comment.flagged and comment.reasons == ["off_topic"]
    assert "banana bread" in client.get(article.get_absolute_url()).content.decode()
    event = comment.events.get()
    assert event.note.startswith("Published and flagged for a moderator: it may be off-topic")
    index = mod_client.get("/admin/").content.decode()
    assert '<strong class="flagged-count">1</strong> published, possibly off-topic' in index
    queue = mod_client.get(QUEUE + "?reason=flagged").content.decode()
    assert "banana bread" in queue and "Published, possibly off-topic" in queue
    mod_client.post(QUEUE, {"action": "approve", "_selected_action": [comment.pk]})
    comment.refresh_from_db()
    assert comment.status == Comment.Status.PUBLISHED and not comment.flagged
    assert "banana bread" not in mod_client.get(QUEUE).content.decode()
    forget_active_policy()


def test_the_decide_view_refuses_what_the_bulk_action_refuses(mod_client, admin_user):
    article = make_seed_article()
    comment = make_comment(article)
    comment_reject(comment=comment, actor=admin_user, reason="abusive")  # published, taken down: removed
    mod_client.post(f"{QUEUE}{comment.pk}/decide/", {"decide": "approve"})
    comment.refresh_from_db()
    assert comment.status == Comment.Status.REMOVED
    assert mod_client.post(f"{QUEUE}abc/decide/", {"decide": "approve"}).status_code == 302  # not a 500


def test_a_nul_in_an_admin_filter_is_a_bad_request_not_a_500(mod_client):
    assert mod_client.get(QUEUE, {"q": "a\x00b"}).status_code == 400
    assert mod_client.get(QUEUE, {"q": "ab"}).status_code == 200


def test_the_desk_decides_a_row_without_a_page_load_or_with_a_plain_form(mod_client):
    article = make_seed_article()
    first, second = held_comment(article, body="First held."), held_comment(article, body="Second held.")
    # The desk's script asks for JSON: no page to load.
    answer = mod_client.post(
        f"{QUEUE}{first.pk}/decide/", {"decide": "reject", f"reason-{first.pk}": "spam"}, HTTP_ACCEPT="application/json"
    )
    assert answer.status_code == 200
    body = answer.json()
    assert (body["ok"], body["message"], body["status"], body["seen"]) == (
        True, "Comment rejected (spam).", "rejected", "rejected:1",
    )  # fmt: skip
    assert body["undo"]["seconds"] == 10 and "Publish</button>" in body["controls"]
    refused = mod_client.post(f"{QUEUE}{first.pk}/decide/", {"decide": "reject"}, HTTP_ACCEPT="application/json")
    assert refused.status_code == 400 and refused.json()["ok"] is False
    # Without JavaScript the row's button posts the desk's form; the desk comes back with its tab kept.
    back = f"http://testserver{QUEUE}?queue=held"
    plain = mod_client.post(f"{QUEUE}{second.pk}/decide/", {"decide": "approve"}, HTTP_REFERER=back)
    assert plain.status_code == 302 and plain["Location"] == back
    assert Comment.objects.get(pk=second.pk).status == Comment.Status.PUBLISHED


def test_the_desk_has_tabs_with_counts_and_the_right_verbs(mod_client, moderator):
    article = make_seed_article()
    waiting = held_comment(article, body="Waiting on Doha.")
    approved = held_comment(article, body="Approved on Doha.")
    rejected = held_comment(article, body="Rejected on Doha.")
    reported = make_comment(article, body="Published and reported.")
    from comments.services import comment_approve

    comment_approve(comment=approved, actor=moderator)
    comment_reject(comment=rejected, actor=moderator, reason="spam")
    comment_report(comment=reported, reason="abusive", note="It mocks the victims.")
    page = mod_client.get(QUEUE)
    tabs = {t["key"]: t["count"] for t in page.context["desk_tabs"]}
    assert tabs == {"review": 2, "held": 1, "reported": 1, "appeals": 0, "recent": 4, "approved": 1, "rejected": 1}
    html = page.content.decode()
    assert "Waiting on Doha." in html and "Published and reported." in html and "Approved on Doha." not in html
    assert "Keep published" in html and "Approve and publish" in html
    assert "reported: abusive or hateful" in html and "“It mocks the victims.”" in html
    assert "Approved on Doha." in mod_client.get(f"{QUEUE}?queue=approved").content.decode()
    gone = mod_client.get(f"{QUEUE}?queue=rejected").content.decode()
    assert "Rejected on Doha." in gone and "Waiting on Doha." not in gone
    assert "Publish</button>" in gone  # a rejection can be reversed
    del waiting


def test_the_moderators_group_has_exactly_what_moderating_needs():
    group = ensure_moderators_group()
    granted = {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.all()}
    assert granted == {
        "comments.can_moderate", "commenters.can_close_comments", "commenters.can_sanction",
        "comments.view_comment", "desk.view_reviewqueueitem", "comments.view_moderationevent",
        "comments.view_commentreport", "commenters.view_controlevent", "articles.view_article",
        "api.view_apitoken", "api.add_apitoken", "api.change_apitoken",
        "outbox.view_outboundemail",
    }  # fmt: skip
    # Nothing that edits the policy, articles or the audit.
    assert not any(
        p.startswith(("policies.change_moderationpolicy", "articles.change", "comments.delete")) for p in granted
    )


def test_the_demo_gives_an_editor_who_may_edit_policies_and_articles(client, settings):
    from django.core.management import call_command

    settings.DEBUG = True
    call_command("setup_demo", verbosity=0)
    from django.contrib.auth import get_user_model

    users = get_user_model().objects
    assert users.get(username="editor").check_password("edit-me")
    client.force_login(users.get(username="editor"))
    assert client.get("/admin/policies/moderationpolicy/").status_code == 200
    assert client.get("/admin/articles/article/add/").status_code == 200
    client.logout()
    client.force_login(users.get(username="moderator"))
    assert client.get("/admin/policies/moderationpolicy/").status_code == 403


def test_the_desk_says_when_a_story_is_known_only_by_its_address_and_title(mod_client):
    from factories import make_article

    thin = make_article(headline="Known by title", slug="thin", body="", canonical_url="https://paper.example/thin")
    held_comment(thin, body="Held on the embedded story.")
    held_comment(make_seed_article(), body="Held on our own story.")
    html = mod_client.get(QUEUE).content.decode()
    assert html.count("known only by its address and title") == 1


def test_the_queue_and_the_comments_tell_imported_comments_apart(mod_client):
    article = make_seed_article()
    ours = held_comment(article, body="Held here, posted here about the talks.")
    theirs = held_comment(article, body="Held on the old blog, brought over by the import.")
    Comment.objects.filter(pk=theirs.pk).update(source=Comment.Source.WORDPRESS, source_id="blog.example:302")
    imported = mod_client.get(QUEUE + "?source=wordpress").content.decode()
    assert "brought over" in imported and "posted here about" not in imported
    native = mod_client.get(QUEUE + "?source=").content.decode()
    assert "posted here about" in native and "brought over" not in native
    page = mod_client.get(f"/admin/comments/comment/{theirs.pk}/change/").content.decode()
    assert "Imported from WordPress" in page and "blog.example:302" in page
    assert ours.source == ""
