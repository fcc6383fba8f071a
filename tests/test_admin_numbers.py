"""A number too large for a date or a column, in any admin list's address, is a filter the list drops, not a 500."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User

pytestmark = pytest.mark.django_db

LISTS = [
    "/admin/articles/article/?published_on__year=99999999999",
    "/admin/articles/article/?published_on__year=2020&published_on__month=99999999999999999999",
    "/admin/desk/reviewqueueitem/?created_at__year=99999999999",
    "/admin/comments/comment/?created_at__year=99999999999",
    "/admin/comments/moderationevent/?created_at__year=99999999999",
]


@pytest.mark.parametrize("url", LISTS)
def test_an_overflowing_number_in_an_admin_list_is_dropped_not_a_500(client, url):
    client.force_login(User.objects.create_superuser("editor", "editor@example.com", "pw-editor-123"))
    client.raise_request_exception = False
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].endswith("?e=1")
    assert client.get(response["Location"]).status_code == 200
