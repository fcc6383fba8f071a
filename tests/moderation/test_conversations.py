"""A story's conversation kept up to date in a process gives the counts of counting it afresh, whatever joined,
left or was edited between two posts."""

import threading

from hypothesis import given, settings
from hypothesis import strategies as st

from moderation.context import Conversation, Conversations

WORDS = ["ceasefire", "Taliban", "prisoners", "Doha", "Khalilzad", "Pakistan", "talks", "envoy", "army", "peace"]
texts = st.lists(st.sampled_from(WORDS), min_size=0, max_size=6).map(" ".join)
# Each step: the story's conversation at one post, as ids and texts (an id may come back with other words).
steps = st.lists(st.dictionaries(st.integers(0, 30), texts, max_size=25), min_size=1, max_size=8)


@settings(max_examples=200, deadline=None)
@given(steps=steps)
def test_counts_are_those_of_counting_afresh_at_every_post(steps):
    kept = Conversations()
    for comments in steps:
        assert kept.counts("story", comments.items()) == Conversation(comments.values()).counts


def test_an_edited_comment_is_counted_by_its_new_words():
    kept = Conversations()
    kept.counts(1, [(7, "The ceasefire holds."), (8, "Talks in Doha.")])
    after = kept.counts(1, [(7, "The prisoners first."), (8, "Talks in Doha.")])
    assert after == Conversation(["The prisoners first.", "Talks in Doha."]).counts
    assert not any(term.startswith("ceasefir") for term in after)


def test_stories_are_kept_apart_and_the_least_recent_dropped():
    kept = Conversations(stories=2)
    kept.counts("a", [(1, "ceasefire talks")])
    kept.counts("b", [(1, "army envoy")])
    kept.counts("a", [(1, "ceasefire talks")])  # "a" is now the most recent: "b" goes first
    kept.counts("c", [(2, "peace")])
    assert list(kept._kept) == ["a", "c"]
    # A story dropped is counted afresh, and right, when it comes back.
    assert kept.counts("b", [(1, "army envoy")]) == Conversation(["army envoy"]).counts


def test_a_count_handed_out_is_not_changed_by_the_next_post():
    kept = Conversations()
    first = kept.counts(1, [(1, "ceasefire talks")])
    kept.counts(1, [(2, "army envoy")])
    assert first == Conversation(["ceasefire talks"]).counts


def test_posts_at_once_on_one_story_each_get_their_own_conversations_counts():
    kept = Conversations()
    stories = [[(i, f"{WORDS[i % 10]} {WORDS[(i * 3) % 10]}") for i in range(start, start + 40)] for start in range(8)]
    wrong = []

    def post(comments):
        for _ in range(50):
            if kept.counts("story", comments) != Conversation(text for _, text in comments).counts:
                wrong.append(comments[0][0])

    threads = [threading.Thread(target=post, args=(comments,)) for comments in stories]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert wrong == []
