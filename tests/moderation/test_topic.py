"""The off-topic check: a calibrated probability, cautious holds, what a comment lacked, and publish-and-flag."""

import pytest

from factories import seed_text
from moderation import Action, Context, Policy, TopicAction, moderate, topic
from moderation.normalize import fold

ARTICLE = seed_text().split("COMMENTS")[0]
CONTEXT = Context(article_text=ARTICLE)
CHATTER = "I made a lovely banana bread this weekend, the trick is really ripe bananas and cinnamon."
# Genuine but oblique: a reader's own words, few of them in the article.
OBLIQUE = "My grandfather served in Vietnam and always said wars like this never end well for the people living there."


def test_probability_is_calibrated_and_monotonic():
    ratios = [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]
    chances = [topic.probability(r) for r in ratios]
    assert chances == sorted(chances) and 0 < chances[0] < 0.01 and chances[-1] > 0.9
    # At the prior, "more likely than not" needs a lot of unrelated evidence.
    assert topic.probability(0.6) < 0.5 < topic.probability(0.8)


def test_short_comments_are_not_judged():
    result = topic.off_topic_score(fold("Source?"), article_text=ARTICLE)
    assert not result.judged and result.probability == 0.0


def test_chatter_is_held_and_told_what_it_lacked():
    result = moderate(CHATTER, CONTEXT, Policy())
    assert result.action is Action.HOLD and result.codes == ["off_topic"]
    message = result.reasons[0].message
    assert "banana" in message and "shares little with the article" in message
    assert "the comment it answers" not in message


def test_oblique_genuine_comment_is_published():
    result = moderate(OBLIQUE, CONTEXT, Policy())
    assert result.action is Action.PUBLISH
    assert 0 < result.scores["off_topic"] < Policy().off_topic_hold


def test_reply_message_names_the_parent():
    result = moderate(CHATTER, Context(article_text=ARTICLE, parent_text="The prisoner swap is the key."), Policy())
    assert "or the comment it answers" in result.reasons[0].message


def test_publish_and_flag_publishes_off_topic_and_lists_it():
    flagged = moderate(CHATTER, CONTEXT, Policy(off_topic_action=TopicAction.FLAG))
    assert flagged.action is Action.PUBLISH and flagged.codes == []
    assert [r.code for r in flagged.flagged] == ["off_topic"]
    assert flagged.explain() == "Your comment is published."


def test_flag_does_not_soften_other_holds():
    result = moderate(CHATTER + " You are a brainless idiot.", CONTEXT, Policy(off_topic_action=TopicAction.FLAG))
    assert result.action is not Action.PUBLISH
    assert "off_topic" in result.codes and not result.flagged


@pytest.mark.parametrize("hold", [0.2, 0.99])
def test_the_threshold_is_the_policys(hold):
    held = moderate(CHATTER, CONTEXT, Policy(off_topic_hold=hold)).action is Action.HOLD
    assert held is (hold == 0.2)


def test_a_story_known_by_its_headline_only_flags_off_topic_and_never_holds():
    headline_only = Context(article_text="US seeks Pakistan's help for intra-Afghan dialogue", article_known=False)
    result = moderate(CHATTER, headline_only, Policy())
    assert result.action is Action.PUBLISH and result.codes == []
    assert [r.code for r in result.flagged] == ["off_topic"]
    # Whatever else holds a comment still holds it.
    abusive = moderate(CHATTER + " You are a brainless idiot.", headline_only, Policy())
    assert abusive.action is not Action.PUBLISH and "off_topic" not in abusive.codes
    assert moderate(CHATTER, Context(article_text="US seeks Pakistan's help"), Policy()).action is Action.HOLD
