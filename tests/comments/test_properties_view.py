"""Property test of the posting view: no input a browser can send yields a 500."""

import uuid

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from articles.models import Article
from factories import make_seed_article, signed_started

field = st.text(max_size=300) | st.sampled_from(["", " ", "\x00", "<script>alert(1)</script>", "a" * 3001])


class PostingNeverFails(TestCase):
    article: Article

    @classmethod
    def setUpTestData(cls):
        cls.article = make_seed_article()

    @settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(
        name=field,
        email=field | st.emails(),
        body=field,
        parent=st.sampled_from(["", "0", "-1", "abc", "999999", "1e9", "\x00"]),
        started=st.sampled_from(["", "garbage", signed_started()]),
        website=st.sampled_from(["", "http://bot.example"]),
    )
    def test_no_500(self, name, email, body, parent, started, website):
        response = self.client.post(
            f"/articles/{self.article.slug}/comments/",
            {
                "name": name,
                "email": email,
                "body": body,
                "parent": parent,
                "token": uuid.uuid4().hex,
                "started": started,
                "website": website,
            },  # fmt: skip
        )
        assert response.status_code in (200, 302, 400, 429), response.status_code
