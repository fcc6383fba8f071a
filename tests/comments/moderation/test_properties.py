"""Property tests: whatever the text, the filter answers, and answers the same way twice."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from comments.moderation import Action, Context, Policy, moderate
from comments.moderation.normalize import fold, fold_with_offsets

ARTICLE = "The envoy met the army chief in Islamabad to press the Taliban on talks in Doha."
texts = st.text(min_size=0, max_size=400) | st.text(alphabet="fuckshit *.@$!1 \u200b\u0441\u0301ABC", max_size=80)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=texts, parent=st.text(max_size=100), mode=st.sampled_from(["auto", "hold_all", "publish_all"]))
def test_moderate_never_raises_and_is_deterministic(text, parent, mode):
    context = Context(article_text=ARTICLE, parent_text=parent, own_recent=(parent,), author_published_count=0)
    policy = Policy(mode=mode, hold_first_comments=1 if mode == "auto" else 0)
    first = moderate(text, context, policy)
    assert first.action in set(Action)
    assert all(0.0 <= score <= 1.0 for score in first.scores.values())
    for reason in first.reasons:
        for start, end in reason.spans:
            assert 0 <= start < end <= len(text)
    assert moderate(text, context, policy) == first


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=200))
def test_offsets_always_point_into_the_original(text):
    folded, offsets = fold_with_offsets(text)
    assert len(folded) == len(offsets)
    assert all(0 <= i < len(text) for i in offsets)
    assert list(offsets) == sorted(offsets)
    assert fold(text).isascii() or not text.isascii()
