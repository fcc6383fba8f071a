"""The policies' admin: the live policy's page is read-only, offers no Save, and a POST to it says nothing changed."""

import pytest
from django.forms.models import model_to_dict

from desk.roles import ensure_editors_group
from policies.models import ModerationPolicy
from policies.selectors import active_policy_record, forget_active_policy

pytestmark = pytest.mark.django_db


@pytest.fixture(params=["editor", "superuser"])
def staff_client(request, client, django_user_model):
    if request.param == "superuser":
        user = django_user_model.objects.create_superuser("root", "root@example.com", None)
    else:
        user = django_user_model.objects.create_user("eddie", is_staff=True)
        user.groups.add(ensure_editors_group())
    client.force_login(user)
    return client


def change_url(policy: ModerationPolicy) -> str:
    return f"/admin/policies/moderationpolicy/{policy.pk}/change/"


def test_the_live_policy_page_has_no_save_or_delete_buttons(staff_client):
    live = active_policy_record()
    draft = ModerationPolicy.objects.create(name="a-draft")
    page = staff_client.get(change_url(live)).content.decode()
    assert "Live (read-only: copy it to a draft to change it)" in page
    assert not any(button in page for button in ('name="_save"', 'name="_continue"', 'name="_addanother"'))
    assert "deletelink" not in page and "Make live…" not in page
    assert 'name="_save"' in staff_client.get(change_url(draft)).content.decode()  # a draft is edited as before


def test_a_post_to_the_live_policy_changes_nothing_and_says_so(staff_client):
    forget_active_policy()
    live = active_policy_record()
    before = model_to_dict(live)
    response = staff_client.post(change_url(live), {"name": "renamed", "mode": "publish_all", "_save": "Save"},
                                 follow=True)  # fmt: skip
    assert response.redirect_chain == [(change_url(live), 302)]
    html = response.content.decode()
    assert f"Nothing changed: {live.name} is the live policy, which is read-only." in html
    assert "changed successfully" not in html
    live.refresh_from_db()
    assert model_to_dict(live) == before
    assert staff_client.post(f"/admin/policies/moderationpolicy/{live.pk}/delete/", {"post": "yes"}).status_code == 403
    assert ModerationPolicy.objects.filter(pk=live.pk, is_active=True).exists()
