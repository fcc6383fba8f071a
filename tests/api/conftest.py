import json
from typing import Any

import pytest
from django.test import Client

from api.services import api_token_create
from desk.roles import ensure_moderators_group
from embeds.models import Site

READER_HEADER = "X-Newsroom-Reader"
SECRET = "s" * 43


class ApiClient:
    """A client of the API as a program is: JSON in and out, and the reader's header kept between calls, as the
    embed keeps it (it is the reader's only cookie jar under /api/)."""

    def __init__(self, **headers):
        self.client = Client()
        self.headers = dict(headers)
        self.reader = ""

    def call(self, method, path, data=None, *, raw=None, headers=None, content_type="application/json"):
        sent = {**self.headers, **(headers or {})}
        if self.reader:
            sent[READER_HEADER] = self.reader
        kwargs: dict[str, Any] = {"headers": sent}
        if raw is not None:
            kwargs.update(data=raw, content_type=content_type)
        elif data is not None:
            kwargs.update(data=json.dumps(data), content_type=content_type)
        elif method != "get":  # a write with nothing to send sends no body, as a program's would
            kwargs.update(data=b"", content_type="")
        response = getattr(self.client, method)(path, **kwargs)
        if READER_HEADER in response:
            self.reader = response[READER_HEADER]
        return response

    def get(self, path, **kwargs):
        return self.call("get", path, **kwargs)

    def post(self, path, data=None, **kwargs):
        return self.call("post", path, data, **kwargs)

    def put(self, path, data=None, **kwargs):
        return self.call("put", path, data, **kwargs)

    def delete(self, path, **kwargs):
        return self.call("delete", path, **kwargs)


@pytest.fixture
def reader():
    return ApiClient()


@pytest.fixture
def site(db):
    return Site.objects.create(name="The Paper", origin="https://paper.example", secret=SECRET)


@pytest.fixture
def moderator(django_user_model):
    user = django_user_model.objects.create_user("moderator1", is_staff=True)
    user.groups.add(ensure_moderators_group())
    return user


@pytest.fixture
def staff_api(moderator):
    """The API as a moderator's script calls it: with their token."""
    _token, key = api_token_create(user=moderator, name="script")
    return ApiClient(Authorization=f"Bearer {key}")


def assert_problem(response, status):
    """An error as every error of the API is: a problem document (RFC 9457) with a message a person can read."""
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status
    assert body["type"].startswith("urn:newsroom:problem:") and body["title"]
    assert isinstance(body["detail"], str) and len(body["detail"]) > 10
    return body
