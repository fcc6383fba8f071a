"""The per-editor limit of lab runs holds for posts sent at once.

Found by an outside attack: 8 posts at once to /staff/lab/ from one editor started 4 runs on SQLite and 3 on
PostgreSQL (the limit is 2): each post counted the editor's runs before any of the others had stored theirs.
"""

import threading
import time
from unittest import mock

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client

from factories import make_seed_article
from lab.models import LabRun
from policies.models import ModerationPolicy

POSTS = 8


@pytest.mark.django_db(transaction=True)
def test_posts_sent_at_once_by_one_editor_start_no_more_runs_than_the_limit(settings):
    if connection.vendor == "sqlite" and "memory" in str(connection.settings_dict["NAME"]):
        pytest.skip("threads need a database file or server (run the suite on PostgreSQL)")
    settings.LAB_RUNS_PER_EDITOR = 2
    editor = get_user_model().objects.create_superuser("editor", "editor@example.com", "a-long-password")
    other = get_user_model().objects.create_superuser("other", "other@example.com", "a-long-password")
    article = make_seed_article()
    draft = ModerationPolicy.objects.create(name="everything-waits", mode="hold_all")
    form = {"draft": draft.pk, "stream": "generated", "article": article.pk, "comments": 300, "seed": 3,
            "moderators": 1, "review_seconds": 30}  # fmt: skip
    create = LabRun.objects.create

    def slow_create(**fields):
        time.sleep(0.3)  # a busy server: every post has counted before the first run is stored
        return create(**fields)

    answers: list[int] = []
    start = threading.Barrier(POSTS + 1)

    def post(user) -> None:
        client = Client()
        client.force_login(user)
        start.wait()
        try:
            answers.append(client.post("/staff/lab/", form).status_code)
        finally:
            connection.close()

    # The runs wait (no worker here): each keeps its place in its editor's count.
    with mock.patch("lab.tasks.lab_run_start"), mock.patch.object(LabRun.objects, "create", side_effect=slow_create):
        threads = [threading.Thread(target=post, args=(editor,)) for _ in range(POSTS)]
        threads.append(threading.Thread(target=post, args=(other,)))  # another editor is not held up by these
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert LabRun.objects.filter(created_by=editor).count() == 2
    assert LabRun.objects.filter(created_by=other).count() == 1
    assert sorted(answers) == [302] * 3 + [400] * (POSTS - 2)
