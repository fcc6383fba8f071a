"""The off-topic check: rare shared words tie a comment to its story, everyday ones do not; a reply is judged
against its parent and thread; a calibrated probability, cautious holds, what a comment lacked, publish-and-flag."""

import pytest

from factories import seed_text
from moderation import Action, Context, Conversation, Policy, TopicAction, build_context, moderate, topic
from moderation.context import THREAD_SAMPLE
from moderation.normalize import fold

ARTICLE = seed_text().split("COMMENTS")[0]
CONTEXT = Context(article_text=ARTICLE)
CHATTER = "I made a lovely banana bread this weekend, the trick is really ripe bananas and cinnamon."
# Four sentences of it: the more a comment says about something else, the stronger the evidence.
LONG_CHATTER = (
    CHATTER + " Then I tried a sourdough loaf with rye flour and caraway seeds, which my neighbours adored. "
    "Next time I will bake blueberry muffins with lemon zest and a crumbly oat topping for the kids. "
    "My daughter wants pancakes with maple syrup and raspberries on Sunday, so the griddle comes out again."
)
# Genuine but oblique: a reader's own words, few of them in the article.
OBLIQUE = "My grandfather served in Vietnam and always said wars like this never end well for the people living there."


def score(text, article=ARTICLE, **context):
    return topic.off_topic_score(fold(text), article_text=article, **context)


def test_probability_rises_with_the_evidence_and_needs_a_lot_of_it():
    chances = [topic.probability(e) for e in (-1.5, -0.5, 0.0, 1.0, 2.0, 3.0, 4.0)]
    assert chances == sorted(chances) and chances[0] < 0.01 and chances[-1] > 0.9
    # At the prior, a sentence of unrelated words is not "more likely than not"; three sentences are.
    assert topic.probability(topic.evidence_of(0.0, 5.0)) < 0.5 < topic.probability(topic.evidence_of(0.0, 20.0))
    # Similarity silences unrelated words: a comment close to its story is on-topic whatever else it says.
    assert topic.evidence_of(0.3, 20.0) < 0 and topic.probability(topic.evidence_of(0.3, 20.0)) < 0.03


def test_short_comments_are_not_judged():
    result = score("Source?")
    assert not result.judged and result.probability == 0.0


def test_a_comment_sharing_only_rare_story_words_is_on_topic():
    text = "Khalilzad and Bajwa again? Frerichs has waited long enough, honestly, and nobody seems to care."
    result = score(text)
    assert result.judged and result.similarity > 0.2 and result.evidence < 0
    assert result.probability < 0.03
    # The same words under another story tie it to nothing.
    elsewhere = score(text, article="The council approved a new cycle lane along the river and a bigger car park.")
    assert elsewhere.similarity == 0 and elsewhere.probability > 5 * result.probability


def test_sharing_only_everyday_words_with_the_story_is_no_evidence():
    # "help", "need", "people", "said" are in the article, and as common in English as words get.
    text = "People said they need help with the tomato plants, the courgettes and the greenhouse in my allotment."
    shared = score(text)
    # The same comment under a story with none of its words.
    unshared = score(text, article="Wildfires spread across the northern province as firefighters battle the blaze.")
    assert "help" in ARTICLE and topic.term("help")[1] == topic.term("people")[1] == topic.EVERYDAY
    assert shared.similarity == 0 and shared.probability == unshared.probability
    assert shared.unrelated and "peopl" not in shared.unrelated and "help" not in shared.unrelated


def test_the_rarer_the_shared_words_the_closer_the_comment():
    rare = score("Zalmay Khalilzad met the Haqqani network's envoys in Doha about the contractor Mark Frerichs.")
    common = score("The envoy met the network's people in the capital about the contractor from the navy.")
    assert rare.similarity > common.similarity and rare.probability < common.probability


def test_a_reply_about_its_parents_subject_is_on_topic_even_if_the_parent_is_off_story():
    parent = "My grandmother's banana bread recipe uses cinnamon and walnuts."
    reply = "Walnuts in banana bread are a mistake, cinnamon and nutmeg are enough for any recipe."
    alone = score(reply)
    answering = score(reply, parent_text=parent)
    assert alone.similarity == 0 and alone.probability > 0.3
    assert answering.similarity > 0.5 and answering.probability < 0.03
    assert moderate(reply, Context(article_text=ARTICLE, parent_text=parent), Policy()).action is Action.PUBLISH


def test_a_reply_answering_the_thread_rather_than_its_parent_is_on_topic():
    root = "My grandmother's banana bread recipe uses cinnamon and walnuts."
    reply = "Walnuts in banana bread are a mistake, cinnamon and nutmeg are enough for any recipe."
    in_thread = score(reply, parent_text="Agreed, she knew what she was doing.", thread=(root,))
    assert in_thread.similarity > 0.5 and in_thread.probability < 0.03
    # build_context keeps the thread for a reply only, without its parent, and at most THREAD_SAMPLE of it.
    parent = "Agreed, she knew what she was doing."
    context = build_context(
        text=reply, author="a", at=0.0, policy=Policy(), article_text=ARTICLE, parent_text=parent,
        thread=[parent, root, *["more"] * 30],
    )  # fmt: skip
    assert context.thread[0] == root and parent not in context.thread and len(context.thread) == THREAD_SAMPLE - 1
    assert moderate(reply, context, Policy()).scores["off_topic"] < 0.03
    top_level = build_context(text=reply, author="a", at=0.0, policy=Policy(), article_text=ARTICLE, thread=[root])
    assert top_level.thread == ()


def test_words_the_articles_readers_use_count_as_the_articles():
    text = "The ceasefire must hold before any talks can go anywhere, everyone knows that much already."
    readers = Conversation(
        ["A ceasefire first, then the prisoners.", "No ceasefire, no deal.", "The ceasefire is the test."]
    )
    assert score(text, conversation=readers.snapshot()).probability < score(text).probability
    # A word only one of them used is not yet the conversation's.
    once = Conversation(["A ceasefire first, then the prisoners."])
    assert score(text, conversation=once.snapshot()).probability == score(text).probability


def test_oblique_genuine_comment_is_published_unflagged():
    result = moderate(OBLIQUE, CONTEXT, Policy())
    assert result.action is Action.PUBLISH and not result.flagged
    assert 0 < result.scores["off_topic"] < Policy().off_topic_flag


def test_a_sentence_of_chatter_is_weak_evidence_and_is_not_held():
    result = moderate(CHATTER, CONTEXT, Policy())
    assert result.action is Action.PUBLISH and result.codes == []
    assert 0.2 < result.scores["off_topic"] < Policy().off_topic_hold


def test_long_chatter_is_held_and_told_what_it_lacked():
    result = moderate(LONG_CHATTER, CONTEXT, Policy())
    assert result.action is Action.HOLD and result.codes == ["off_topic"]
    message = result.reasons[0].message
    assert "shares little with the article" in message and "the comment it answers" not in message
    assert any(word in message for word in ("caraway", "crumbly", "oat", "banana", "cinnamon"))


def test_reply_message_names_the_parent():
    context = Context(article_text=ARTICLE, parent_text="The prisoner swap is the key.")
    assert "or the comment it answers" in moderate(LONG_CHATTER, context, Policy()).reasons[0].message


def test_publish_and_flag_publishes_off_topic_and_lists_it():
    flagged = moderate(LONG_CHATTER, CONTEXT, Policy(off_topic_action=TopicAction.FLAG))
    assert flagged.action is Action.PUBLISH and flagged.codes == []
    assert [r.code for r in flagged.flagged] == ["off_topic"]
    assert flagged.explain() == "Your comment is published."


def test_below_the_hold_a_likely_off_topic_comment_is_published_and_flagged():
    result = moderate(CHATTER, CONTEXT, Policy(off_topic_flag=0.2))
    assert result.action is Action.PUBLISH and [r.code for r in result.flagged] == ["off_topic"]


def test_flag_does_not_soften_other_holds():
    result = moderate(LONG_CHATTER + " You are a brainless idiot.", CONTEXT, Policy(off_topic_action=TopicAction.FLAG))
    assert result.action is not Action.PUBLISH
    assert "off_topic" in result.codes and not result.flagged


@pytest.mark.parametrize("hold", [0.2, 0.99])
def test_the_threshold_is_the_policys(hold):
    held = moderate(CHATTER, CONTEXT, Policy(off_topic_hold=hold)).action is Action.HOLD
    assert held is (hold == 0.2)


def test_a_story_known_by_its_headline_only_flags_off_topic_and_never_holds():
    headline_only = Context(article_text="US seeks Pakistan's help for intra-Afghan dialogue", article_known=False)
    result = moderate(LONG_CHATTER, headline_only, Policy())
    assert result.action is Action.PUBLISH and result.codes == []
    assert [r.code for r in result.flagged] == ["off_topic"]
    # Whatever else holds a comment still holds it.
    abusive = moderate(LONG_CHATTER + " You are a brainless idiot.", headline_only, Policy())
    assert abusive.action is not Action.PUBLISH and "off_topic" not in abusive.codes
    assert moderate(LONG_CHATTER, Context(article_text="US seeks Pakistan's help"), Policy()).action is Action.HOLD
