"""Every staff page checks a permission, from the one list in ``newsroom.staff``, and says so when it refuses.

Who may open what is written out here again, not read from the list the pages use: the test checks the list.
"""

import io
import re

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from commenters.models import Sanction
from comments.models import Comment, ModerationEvent
from comments.services import comment_approve
from desk.roles import ensure_editors_group, ensure_moderators_group
from factories import HOLD_ALL, make_comment, make_seed_article
from lab.models import LabRun, SimulationRun
from newsroom.staff import STAFF_ENDPOINTS, STAFF_PAGES
from outbox.models import OutboundEmail
from policies.models import ModerationPolicy

pytestmark = pytest.mark.django_db

MODERATOR_OPENS = {"desk:training", "desk:quality", "desk:staffing"}
EDITOR_OPENS = {*MODERATOR_OPENS, "lab:simulations", "lab:simulation", "lab:lab", "lab:lab_run", "policies:models"}
ROLES = ["nobody", "moderator", "editor", "superuser"]


def staff_url_names(resolver: URLResolver, namespace: str = "", prefix: str = "") -> dict[str, str]:
    """Every URL of the URLconf under /staff/: its name (namespaced; a nameless one shows as "...:None")."""
    found = {}
    for pattern in resolver.url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            found.update(staff_url_names(pattern, inner, route))
        elif isinstance(pattern, URLPattern) and route.lstrip("^").startswith("staff/"):
            found[f"{namespace}{pattern.name}"] = route
    return found


def test_every_staff_url_in_the_urlconf_is_in_the_list_and_nothing_else_is():
    in_urlconf = staff_url_names(get_resolver())
    assert in_urlconf, "no URL under /staff/: the walk is broken"
    assert set(in_urlconf) == set(STAFF_PAGES)
    assert set(STAFF_PAGES) == EDITOR_OPENS  # a new page: say here who opens it


@pytest.fixture
def users(django_user_model):
    def staff(name, *groups):
        user = django_user_model.objects.create_user(name, is_staff=True)  # no password: none to hash
        user.groups.add(*groups)
        return user

    return {
        "nobody": staff("nobody"),
        "moderator": staff("moira", ensure_moderators_group()),
        "editor": staff("eddie", ensure_editors_group()),
        "superuser": django_user_model.objects.create_superuser("root", "root@example.com", None),
    }


@pytest.fixture
def url_of():
    """The URL of a staff page, with a real object behind it where it takes one (made when first asked for)."""

    def simulation() -> dict[str, int]:
        article = make_seed_article()
        call_command("simulate", "--article", article.slug, "--comments", "20", "--allow-live-database",
                     stdout=io.StringIO())  # fmt: skip
        return {"pk": SimulationRun.objects.get().pk}  # a real run, its report complete

    def lab_run() -> dict[str, int]:
        draft = ModerationPolicy.objects.create(name="a-draft")
        run = LabRun.objects.create(draft=draft, draft_name=draft.name, live_name="default",
                                    stream=LabRun.Stream.GENERATED, parameters={"comments": 10, "seed": 1})  # fmt: skip
        return {"pk": run.pk}

    made = {"lab:simulation": simulation, "lab:lab_run": lab_run}
    kwargs: dict[str, dict[str, int]] = {}

    def url(name: str) -> str:
        if name in made and name not in kwargs:
            kwargs[name] = made[name]()
        return reverse(name, kwargs=kwargs.get(name))

    return url


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", sorted(STAFF_PAGES))
def test_each_staff_page_opens_for_those_with_its_permission_only(client, users, url_of, name, role):
    client.force_login(users[role])
    response = client.get(url_of(name))
    opens = role == "superuser" or name in {"moderator": MODERATOR_OPENS, "editor": EDITOR_OPENS}.get(role, set())
    assert response.status_code == (200 if opens else 403)
    if not opens:
        assert 'id="refusal"' in response.content.decode()


@pytest.mark.parametrize("name", sorted(STAFF_PAGES))
def test_each_staff_page_sends_others_to_the_log_in(client, url_of, django_user_model, name):
    url = url_of(name)
    assert client.get(url)["Location"].startswith("/admin/login/")
    client.force_login(django_user_model.objects.create_user("reader", password="pw-for-tests-only"))
    assert client.get(url)["Location"].startswith("/admin/login/")  # logged in, but not staff


def test_the_refusal_says_what_is_needed_and_who_has_it_in_the_sites_look(client, users):
    client.force_login(users["moderator"])
    response = client.get(reverse("lab:lab"))
    html = response.content.decode()
    assert response.status_code == 403
    assert "This page needs the permission <strong>“Can change moderation policy”</strong>" in html
    assert "<code>policies.change_moderationpolicy</code>" in html
    assert "The <strong>Editors</strong> group has it" in html
    assert '<a href="/admin/">Back to the admin index</a>' in html
    assert "bootstrap.min.css" in html and 'class="nr-headline"' in html  # the site's page, not a bare 403
    # A permission two groups hold names both.
    client.force_login(users["nobody"])
    html = client.get(reverse("desk:quality")).content.decode()
    assert (
        "“Can view moderation event”" in html
        and "<strong>Editors</strong> and <strong>Moderators</strong> groups have it" in html
    )
    Group.objects.all().delete()
    assert "Ask an administrator to give it to you." in client.get(reverse("desk:quality")).content.decode()


def staff_links(html: str) -> set[str]:
    return set(re.findall(r'href="(/staff/[^"]*)"', html))


@pytest.mark.parametrize("role", ROLES)
def test_the_admin_index_and_the_staff_pages_link_only_what_the_user_may_open(client, users, url_of, role):
    client.force_login(users[role])
    index = client.get("/admin/").content.decode()
    linked = staff_links(index)
    expected = {"nobody": set(), "moderator": MODERATOR_OPENS}.get(role, EDITOR_OPENS)
    # The index links the pages without arguments; each page's links to others are followed too.
    assert linked == {url_of(name) for name in expected if not name.endswith(("simulation", "lab_run"))}
    assert ('id="staff-pages"' in index) == bool(expected)
    for name in expected:
        linked |= staff_links(client.get(url_of(name)).content.decode())
    for url in linked:
        assert client.get(url).status_code == 200, url


def test_a_moderator_sees_their_own_training_scores_and_an_editor_everyones(client, users):
    article = make_seed_article()
    run = SimulationRun.objects.create(label="Training", article=article)
    for user in (users["moderator"], users["editor"]):
        comment = make_comment(article, policy=HOLD_ALL)
        Comment.objects.filter(pk=comment.pk).update(simulation=run, ground_truth={"abusive": False, "on_topic": True})
        comment_approve(comment=comment, actor=user)
    client.force_login(users["moderator"])
    own = client.get(reverse("desk:training")).content.decode()
    assert "<td>moira</td>" in own and "<td>eddie</td>" not in own and "Your decisions" in own
    client.force_login(users["editor"])
    everyone = client.get(reverse("desk:training")).content.decode()
    assert "<td>moira</td>" in everyone and "<td>eddie</td>" in everyone


@pytest.mark.parametrize("role", ["moderator", "editor"])
def test_moderators_and_editors_read_the_outbound_emails_and_change_none(client, users, role):
    from django.utils import timezone

    email = OutboundEmail.objects.create(to="reader@example.com", kind="decision", subject="Your comment",
                                         body="Published.", send_after=timezone.now())  # fmt: skip
    client.force_login(users[role])
    assert client.get("/admin/").content.decode().count('href="/admin/outbox/outboundemail/"') >= 1
    assert "reader@example.com" in client.get("/admin/outbox/outboundemail/").content.decode()
    page = f"/admin/outbox/outboundemail/{email.pk}/change/"
    assert client.get(page).status_code == 200
    assert client.post(page, {"to": "someone@example.com"}).status_code == 403
    assert client.post(f"/admin/outbox/outboundemail/{email.pk}/delete/", {"post": "yes"}).status_code == 403
    client.force_login(users["nobody"])
    refused = client.get("/admin/outbox/outboundemail/")
    # The admin's own refusals get the same page, without naming the permission (the admin does not say which).
    assert refused.status_code == 403
    assert "Your account does not have the permission this page needs." in refused.content.decode()
    assert "Back to the admin index" in refused.content.decode()


def test_a_page_missing_from_the_list_is_a_mistake_not_an_open_door(rf, users):
    from django.core.exceptions import ImproperlyConfigured
    from django.http import HttpResponse

    from newsroom.staff import staff_page

    request = rf.get("/staff/new-page/")
    request.user = users["superuser"]
    with pytest.raises(ImproperlyConfigured, match="not in newsroom.staff.STAFF_PAGES"):
        staff_page(lambda request: HttpResponse("secret"))(request)


def test_every_admin_endpoint_that_acts_refuses_staff_without_its_permission(users, client):
    """The desk's decide, undo and sanction endpoints and making a policy live: a staff user without the
    permission the list names gets 403 by form and by the desk's script, and nothing is done or told."""
    assert set(STAFF_ENDPOINTS) == {
        "admin:desk_reviewqueueitem_decide", "admin:desk_reviewqueueitem_undo",
        "admin:desk_reviewqueueitem_sanction", "admin:policies_moderationpolicy_activate",
        "admin:desk_reviewqueueitem_feature",
    }  # fmt: skip
    comment = make_comment(make_seed_article(), policy=HOLD_ALL)
    draft = ModerationPolicy.objects.create(name="draft-x", mode="hold_all")
    posts = {
        "admin:desk_reviewqueueitem_decide": (
            reverse("admin:desk_reviewqueueitem_decide", args=[comment.pk]),
            {"decide": "reject", f"reason-{comment.pk}": "spam", f"seen-{comment.pk}": f"held:{comment.version}"},
        ),
        "admin:desk_reviewqueueitem_undo": (reverse("admin:desk_reviewqueueitem_undo"), {"event": ["1"]}),
        "admin:desk_reviewqueueitem_sanction": (
            reverse("admin:desk_reviewqueueitem_sanction", args=[comment.pk]),
            {"kind": "ban", "reason": "spam", "days": ""},
        ),
        "admin:desk_reviewqueueitem_feature": (
            reverse("admin:desk_reviewqueueitem_feature", args=[comment.pk]),
            {"feature": "1"},
        ),
        "admin:policies_moderationpolicy_activate": (
            reverse("admin:policies_moderationpolicy_activate", args=[draft.pk]),
            {},
        ),
    }
    client.force_login(users["nobody"])
    events = ModerationEvent.objects.count()
    for name, (url, data) in posts.items():
        for headers in ({}, {"Accept": "application/json"}):
            answer = client.post(url, data, headers=headers)
            assert answer.status_code == 403, (name, headers, answer.status_code)
            assert comment.status not in answer.content.decode(), name  # says nothing of the comment
    comment.refresh_from_db()
    assert comment.status == Comment.Status.HELD and ModerationEvent.objects.count() == events
    assert not Sanction.objects.exists()
    assert not ModerationPolicy.objects.get(pk=draft.pk).is_active
