"""A sanction's number of days has the API's limit in the admin too.

Found by an outside attack: ``days=3000000`` in the admin's sanction form ran past the calendar, the admin's
guard against numbers too large for a date answered with a blank form (``?e=1``), and the moderator's input
was lost without a word.
"""

import pytest

from commenters.models import ControlEvent, Sanction
from commenters.services import MAX_DAYS, SanctionError, sanction_add

pytestmark = pytest.mark.django_db

REASON = "Slurs against readers, for the third time this week."


@pytest.mark.parametrize("days", [MAX_DAYS + 1, 3_000_000, 10**30])
def test_too_many_days_in_the_admin_show_the_form_again_with_a_field_error_and_the_input_kept(admin_client, days):
    response = admin_client.post(
        "/admin/commenters/sanction/add/",
        {"email": "troll+doha@example.com", "kind": "suspend", "reason": REASON, "days": str(days)},
    )
    assert response.status_code == 200  # the form again, not a redirect to a blank one
    form = response.context["adminform"].form
    assert form.errors == {"days": [f"At most {MAX_DAYS} days (a hundred years); leave it empty for a ban or "
                                    "pre-moderation with no end."]}  # fmt: skip
    html = response.content.decode()
    assert f"At most {MAX_DAYS} days" in html
    assert REASON in html and "troll+doha@example.com" in html and str(days) in html
    assert not Sanction.objects.exists() and not ControlEvent.objects.exists()


def test_the_longest_suspension_is_saved(admin_client):
    response = admin_client.post(
        "/admin/commenters/sanction/add/",
        {"email": "troll@example.com", "kind": "suspend", "reason": REASON, "days": str(MAX_DAYS)},
    )
    assert response.status_code == 302 and "?e=1" not in response["Location"]
    assert Sanction.objects.get().ends_at is not None


def test_the_service_keeps_the_same_limit(admin_user):
    with pytest.raises(SanctionError, match=f"At most {MAX_DAYS} days"):
        sanction_add(kind="suspend", reason=REASON, actor=admin_user, email="troll@example.com", days=3_000_000)
    assert not Sanction.objects.exists()
