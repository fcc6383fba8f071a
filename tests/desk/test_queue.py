"""The desk's queues: the index counts what the tabs count, the tabs keep the filters, and a row's commenter
is sanctioned from the row."""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext

from commenters.models import ControlEvent, Sanction
from comments.models import Comment
from comments.services import comment_report
from desk.roles import ensure_moderators_group
from desk.selectors import QUEUE_TABS, queue_counts
from factories import make_comment, make_seed_article
from lab.models import SimulationRun

pytestmark = pytest.mark.django_db

QUEUE = "/admin/desk/reviewqueueitem/"
JSON = {"HTTP_ACCEPT": "application/json"}


@pytest.fixture
def moderator(django_user_model):
    user = django_user_model.objects.create_user("mod", password="pw-for-tests-only", is_staff=True)
    user.groups.add(ensure_moderators_group())
    return user


@pytest.fixture
def mod_client(client, moderator):
    client.force_login(moderator)
    return client


def a_queue(article, *, simulated: bool = False) -> dict[str, Comment]:
    """One comment in each of the queue's slices (held, reported, flagged, both) and one decided."""
    comments = {
        "held": make_comment(article, status=Comment.Status.HELD),
        "reported": make_comment(article),
        "flagged": make_comment(article),
        "reported_and_flagged": make_comment(article),
        "rejected": make_comment(article, status=Comment.Status.REJECTED),
        "published": make_comment(article),
    }
    for key in ("reported", "reported_and_flagged"):
        comment_report(comment=comments[key], reason="spam")
    Comment.objects.filter(pk__in=[comments["flagged"].pk, comments["reported_and_flagged"].pk]).update(flagged=True)
    if simulated:
        run = SimulationRun.objects.create(label="a run")
        Comment.objects.filter(pk__in=[c.pk for c in comments.values()]).update(simulation=run)
    return comments


def index_counts(client) -> dict[str, int]:
    html = client.get("/admin/").content.decode()
    counts = {}
    for name in ("review", "held", "reported", "flagged"):
        start = html.index(f'<strong class="{name}-count">') + len(f'<strong class="{name}-count">')
        counts[name] = int(html[start : html.index("</strong>", start)])
    return counts


def tab_counts(client, query: str = "") -> dict[str, int]:
    return {tab["key"]: tab["count"] for tab in client.get(QUEUE + query).context["desk_tabs"]}


def test_the_index_counts_what_the_desk_tabs_count_with_simulated_comments_in_the_queue(mod_client):
    article = make_seed_article()
    a_queue(article)
    a_queue(article, simulated=True)
    a_queue(article, simulated=True)  # more simulated than real: a count mixing them could not agree
    index = index_counts(mod_client)
    tabs = tab_counts(mod_client)
    assert index == {"review": 4, "held": 1, "reported": 2, "flagged": 2}
    assert (tabs["review"], tabs["held"], tabs["reported"]) == (index["review"], index["held"], 3)
    assert tabs == {tab: queue_counts()[tab] for tab in QUEUE_TABS} and tabs["rejected"] == 1
    # Each index number is the number of rows its link shows on the desk.
    html = mod_client.get("/admin/").content.decode()
    for name in ("review", "held", "reported", "flagged"):
        start = html.rindex('href="', 0, html.index(f'<strong class="{name}-count">')) + len('href="')
        link = html[start : html.index('"', start)].replace("&amp;", "&")
        assert mod_client.get(link).context["cl"].result_count == index[name], name
    # The simulator's comments are counted, and listed, only when asked for.
    assert tab_counts(mod_client, "?traffic=simulated") == {
        "review": 8, "held": 2, "reported": 6, "appeals": 0, "recent": 12, "approved": 0, "rejected": 2,
    }  # fmt: skip
    assert tab_counts(mod_client, "?traffic=all")["review"] == 12


def test_the_review_tab_is_the_queue_needing_review():
    article = make_seed_article()
    a_queue(article)
    waiting = set(Comment.objects.needing_review().values_list("pk", flat=True))
    from desk.selectors import queue_tab_filter

    assert set(Comment.objects.filter(queue_tab_filter("review")).values_list("pk", flat=True)) == waiting
    assert queue_counts()["review"] == len(waiting) == 4


def test_all_the_counts_are_one_query(mod_client):
    a_queue(make_seed_article())
    with CaptureQueriesContext(connection) as queries:
        counts = queue_counts()
    assert len(queries) == 1 and set(counts) == {*QUEUE_TABS, "reader_reported", "flagged"}
    # The desk's tabs take that one query too (they took one a tab), whatever filters the desk has.
    with CaptureQueriesContext(connection) as plain:
        mod_client.get(QUEUE)
    with CaptureQueriesContext(connection) as filtered:
        assert mod_client.get(QUEUE + "?traffic=all&reason=reported&q=Reader").context["cl"].result_count == 2
    tab_queries = [q for q in plain.captured_queries if 'AS "rejected"' in q["sql"]]
    assert len(tab_queries) == 1 and len(filtered) == len(plain)
    assert len({q["sql"] for q in plain.captured_queries}) == len(plain)  # nothing read twice (the filters' lists)


def test_the_tab_links_keep_the_traffic_and_the_other_filters(mod_client):
    article = make_seed_article()
    a_queue(article, simulated=True)
    page = mod_client.get(QUEUE + "?traffic=simulated&reason=reported&q=Doha&p=2&queue=held")
    links = {tab["key"]: tab["query"] for tab in page.context["desk_tabs"]}
    for key, query in links.items():
        params = parse_qs(urlsplit(query).query)
        assert params["traffic"] == ["simulated"] and params["reason"] == ["reported"] and params["q"] == ["Doha"]
        assert "p" not in params  # a tab opens on its first page
        assert params.get("queue") == (None if key == "review" else [key])
    html = page.content.decode()
    assert (
        'href="/admin/desk/reviewqueueitem/?q=Doha&amp;queue=reported&amp;reason=reported&amp;traffic=simulated"'
        in html
    )
    # The simulated comments placed in the queue are what the Reported tab shows with that filter.
    shown = mod_client.get(QUEUE + links["reported"]).context["cl"].result_count
    assert shown == 2 == page.context["desk_tabs"][2]["count"]


def test_a_moderator_sanctions_a_rows_commenter_without_leaving_the_desk(mod_client, moderator):
    comment = make_comment(make_seed_article(), status=Comment.Status.HELD)
    html = mod_client.get(QUEUE).content.decode()
    url = f"{QUEUE}{comment.pk}/sanction/"
    assert f'formaction="{url}"' in html and f'name="sanction-reason-{comment.pk}"' in html
    answer = mod_client.post(
        url, {f"sanction-kind-{comment.pk}": "suspend", f"sanction-days-{comment.pk}": "7",
              f"sanction-reason-{comment.pk}": "Repeated insults."}, **JSON,
    )  # fmt: skip
    assert answer.status_code == 200 and answer.json()["ok"] is True
    assert answer.json()["message"].startswith(f"Suspended {comment.author_email} until ")
    sanction = Sanction.objects.get()
    assert (sanction.kind, sanction.email, sanction.created_by, sanction.reason) == (
        "suspend", comment.author_email, moderator, "Repeated insults.",
    )  # fmt: skip
    assert sanction.ends_at is not None and ControlEvent.objects.filter(action="sanction", actor=moderator).exists()
    # A warning has no end, whatever the days field says.
    warned = mod_client.post(url, {"kind": "warn", "days": "3", "reason": "Mind the tone."}, **JSON)
    assert warned.json()["message"] == f"Warned {comment.author_email}: Mind the tone."
    assert Sanction.objects.filter(kind="warn").get().ends_at is None


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"kind": "suspend", "reason": "Insults."}, "A suspension needs an end: give a number of days."),
        ({"kind": "ban", "reason": "  "}, "Give the reason: the commenter is told it."),
        ({"kind": "exile", "reason": "Insults."}, "Unknown sanction 'exile'."),
        ({"kind": "suspend", "days": "two", "reason": "Insults."}, "The number of days must be a whole number."),
        ({"kind": "ban", "days": "0", "reason": "Insults."}, "The number of days must be more than 0."),
        (
            {"kind": "ban", "days": "99999999", "reason": "Insults."},
            "At most 36500 days; a ban or pre-moderation can have no end.",
        ),
        ({"kind": "ban", "days": "²", "reason": "Insults."}, "The number of days must be a whole number."),
    ],
)
def test_a_sanction_the_rules_refuse_says_why_and_writes_nothing(mod_client, fields, message):
    comment = make_comment(make_seed_article(), status=Comment.Status.HELD)
    answer = mod_client.post(f"{QUEUE}{comment.pk}/sanction/", fields, **JSON)
    assert answer.status_code == 400 and answer.json() == {"ok": False, "message": message}
    assert not Sanction.objects.exists()


def test_sanctioning_needs_its_own_permission(client, django_user_model):
    comment = make_comment(make_seed_article(), status=Comment.Status.HELD)
    user = django_user_model.objects.create_user("looker", password="pw-for-tests-only", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="can_moderate"))
    client.force_login(user)
    html = client.get(QUEUE).content.decode()
    assert "desk-sanction" not in html and "desk-decide" in html  # it decides, but is offered no sanction
    url = f"{QUEUE}{comment.pk}/sanction/"
    answer = client.post(url, {"kind": "ban", "reason": "Spam."}, **JSON)
    assert (
        answer.status_code == 403 and answer.json()["message"] == "You do not have permission to sanction commenters."
    )
    back = f"http://testserver{QUEUE}?queue=held"
    plain = client.post(url, {"kind": "ban", "reason": "Spam."}, HTTP_REFERER=back, follow=True)
    assert plain.redirect_chain == [(back, 302)]
    assert "You do not have permission to sanction commenters." in plain.content.decode()
    assert not Sanction.objects.exists()
    client.logout()
    assert client.post(url, {"kind": "ban", "reason": "Spam."}, **JSON).status_code == 302  # to the log-in page


def test_a_simulated_comment_has_no_commenter_to_sanction(mod_client):
    comment = a_queue(make_seed_article(), simulated=True)["held"]
    answer = mod_client.post(f"{QUEUE}{comment.pk}/sanction/", {"kind": "warn", "reason": "Tone."}, **JSON)
    assert answer.status_code == 400 and not Sanction.objects.exists()
    assert mod_client.post(f"{QUEUE}999999/sanction/", {"kind": "warn", "reason": "x"}, **JSON).status_code == 404


def test_without_javascript_the_rows_sanction_button_comes_back_to_the_same_desk(mod_client):
    article = make_seed_article()
    first, second = make_comment(article, status=Comment.Status.HELD), make_comment(article, status=Comment.Status.HELD)
    # The row's button posts the whole desk form: every row's fields, this row's read.
    form = {
        f"sanction-kind-{first.pk}": "ban", f"sanction-reason-{first.pk}": "",
        f"sanction-kind-{second.pk}": "premoderate", f"sanction-days-{second.pk}": "",
        f"sanction-reason-{second.pk}": "Off-topic, again and again.", "sanction": str(second.pk),
    }  # fmt: skip
    back = f"http://testserver{QUEUE}?queue=held&traffic=all&q=Doha"
    answer = mod_client.post(f"{QUEUE}{second.pk}/sanction/", form, HTTP_REFERER=back, follow=True)
    assert answer.redirect_chain == [(back, 302)]
    assert f"Pre-moderated {second.author_email}: Off-topic, again and again." in answer.content.decode()
    assert list(Sanction.objects.values_list("email", "kind")) == [(second.author_email, "premoderate")]
    assert mod_client.get(f"{QUEUE}{second.pk}/sanction/").status_code == 302  # nothing happens on a GET


def test_a_rows_reasons_are_named_as_a_person_calls_them_with_their_codes_kept(mod_client):
    comment = make_comment(make_seed_article(), status=Comment.Status.HELD)
    explanation = [
        {"code": "spam.links", "score": 0.8, "message": "promotes a link", "spans": [], "excerpts": []},
        {"code": "abusive.profanity", "score": 1.0, "message": "uses profanity", "spans": [], "excerpts": []},
        {"code": "retired.kind", "score": 1.0, "message": "an old reason", "spans": [], "excerpts": []},
    ]
    Comment.objects.filter(pk=comment.pk).update(explanation=explanation)
    html = mod_client.get(QUEUE).content.decode()
    assert '<span class="desk-badge desk-reason" title="spam.links">Promotes a link</span> promotes a link' in html
    assert 'title="abusive.profanity">Abusive: profanity</span>' in html
    assert 'title="retired.kind">retired.kind</span>' in html  # a code no longer known is shown as stored
