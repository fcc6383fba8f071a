import pytest

from factories import seed_text
from moderation import Action, Context, Policy, moderate

ARTICLE = seed_text().split("COMMENTS")[0]
CONTEXT = Context(article_text=ARTICLE)


def verdict(text, context=CONTEXT, **policy):
    return moderate(text, context, Policy(**policy))


@pytest.mark.parametrize(
    "text",
    [
        "Pakistan has more leverage over the Taliban than anyone, so Khalilzad is right to ask Islamabad.",
        "Diplomacy takes time. Forcing a timetable on warring parties rarely ends well.",
        "Exactly.",
        "Source?",
        "I strongly disagree: releasing 5,000 fighters will only prolong the war.",
    ],
)
def test_civil_comments_are_published(text):
    result = verdict(text)
    assert result.action is Action.PUBLISH, result


def test_scunthorpe_words_raise_no_abuse():
    result = verdict(
        "My cousin in Scunthorpe says the assassination risk for Taliban negotiators is a classic analysis."
    )
    assert not any(f.code.startswith("abusive") for f in result.findings)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("You are a brainless idiot.", "abusive.insult"),
        ("People like you are vermin.", "abusive.hate"),
        ("Typical halfwit commenter.", "abusive.insult"),
        ("I will find you and hurt you.", "abusive.threat"),
        ("The envoy deserves to be hanged.", "abusive.threat"),
        ("Refugees are parasites.", "abusive.hate"),
    ],
)
def test_abuse_without_swear_words_is_caught(text, code):
    result = verdict(text)
    assert result.action is not Action.PUBLISH
    assert code in result.codes


def test_swearing_at_someone_is_rejected_but_quoted_profanity_only_held():
    aimed = verdict("Fuck you, you know nothing about the Taliban.")
    assert aimed.action is Action.REJECT and "abusive.profanity" in aimed.codes
    quoted = verdict(
        'A Taliban spokesman called the prisoner list "bullshit", which says how far apart Kabul and Doha are.'
    )
    assert quoted.action is Action.HOLD
    assert quoted.reasons[0].message == "quotes a swear word"


def test_news_words_on_the_list_do_not_hold_a_comment():
    result = verdict("The Taliban kill civilians while the talks in Doha drag on; God help the people of Kabul.")
    assert result.action is Action.PUBLISH
    assert any(f.code == "abusive.profanity" for f in result.findings)  # noted, not decisive


# Only a comment that says a good deal about something else is likely enough off-topic to hold: one sentence of
# chatter is at most published and flagged, a whole recipe is held.
RECIPE = (
    "I made a lovely banana bread this weekend, the trick is really ripe bananas and cinnamon. "
    "Mash four of them with a fork until smooth, then fold in melted butter, brown sugar and a beaten egg. "
    "Sift the flour with baking soda and a pinch of nutmeg before stirring it through. "
    "Chopped walnuts or dark chocolate chips make it richer. "
    "Bake it in a greased loaf tin for an hour and let it cool on a wire rack before slicing. "
    "A smear of salted butter and a mug of cocoa finish it off."
)


def test_off_topic_holds_never_rejects():
    result = verdict(RECIPE)
    assert result.action is Action.HOLD
    assert result.codes == ["off_topic"]
    assert "off-topic" in result.explain()


def test_reply_is_judged_against_its_parent_too():
    parent = (
        "My grandmother's banana bread recipe uses cinnamon and walnuts. She toasts the walnuts first, mashes very "
        "ripe bananas with brown sugar and melted butter, and bakes it slowly in a loaf tin."
    )
    reply = (
        "Walnuts in banana bread are a mistake, cinnamon is enough for any recipe. Toasting them only makes them "
        "bitter, and their skins stick between your teeth. Mash the ripest bananas you can find with brown sugar and "
        "melted butter. A pinch of nutmeg with the cinnamon lifts the whole loaf. Bake it slowly in a greased tin and "
        "let it cool on a rack before slicing. Serve it warm with salted butter and a mug of cocoa."
    )
    alone = verdict(reply)
    in_thread = verdict(reply, Context(article_text=ARTICLE, parent_text=parent))
    assert alone.action is Action.HOLD
    assert in_thread.action is Action.PUBLISH


def test_spam_links_and_shorteners():
    result = verdict("Earn $500 a day working from home! Visit http://bit.ly/easy-cash to start.")
    assert result.action is Action.REJECT
    assert {"spam.links", "spam.promotion"} <= set(result.codes)
    one_link = verdict("The embassy statement is at https://af.usembassy.gov/ and worth reading on Khalilzad's visit.")
    assert one_link.action is Action.PUBLISH


def test_duplicate_of_own_recent_comment_is_caught():
    text = "Pakistan holds the key to the intra-Afghan talks."
    result = verdict(text, Context(article_text=ARTICLE, own_recent=(text,)))
    assert "spam.duplicate" in result.codes and result.action is Action.REJECT


def test_shouting_is_held():
    result = verdict("THE TALIBAN WILL NEVER NEGOTIATE WITH KABUL AND EVERYONE KNOWS IT")
    assert result.action is Action.HOLD and result.codes == ["shouting"]


def test_spans_mark_the_triggering_words():
    text = "Honestly, you are a brainless idiot about Doha."
    result = verdict(text)
    (start, end) = result.reasons[0].spans[0]
    assert "brainless idiot" in text[start:end]


def test_policy_modes_and_thresholds():
    assert verdict("You are a brainless idiot.", mode="publish_all").action is Action.PUBLISH
    assert verdict("Exactly.", mode="hold_all").action is Action.HOLD
    assert verdict("You are a brainless idiot.", abuse_hold=0.95, abuse_reject=0.99).action is Action.PUBLISH
    assert verdict("You are a brainless idiot.", abuse_reject=0.7).action is Action.REJECT
    assert verdict("darn that envoy", blocked_words=("darn",)).codes == ["abusive.profanity"]


def test_new_commenters_first_comments_can_be_held():
    context = Context(article_text=ARTICLE, author_published_count=1)
    held = moderate("Khalilzad should press harder.", context, Policy(hold_first_comments=2))
    assert held.action is Action.HOLD and held.codes == ["new_commenter"]
    known = Context(article_text=ARTICLE, author_published_count=2)
    assert moderate("Khalilzad should press harder.", known, Policy(hold_first_comments=2)).action is Action.PUBLISH


def test_same_input_same_verdict():
    text = "You ignorant fool, the Taliban were never going to negotiate in good faith."
    assert verdict(text) == verdict(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Idiot.", Action.HOLD),
        ("Go to hell", Action.HOLD),
        ("Pathetic.", Action.PUBLISH),  # about the situation, as often as about a person
        ("The Taliban are terrorists and always were.", Action.PUBLISH),  # an opinion, not a smear
        ("All Afghans are terrorists", Action.HOLD),
    ],
)
def test_short_replies_and_opinions_about_groups(text, expected):
    assert verdict(text).action is expected


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Someone should shut you up for good.", "abusive.threat"),
        ("I hope you get what is coming to you.", "abusive.threat"),
        ("Immigrants should be wiped off the map.", "abusive.hate"),
        ("Go back to school before you comment again.", "abusive.insult"),
    ],
)
def test_veiled_threats_found_by_the_simulator(text, code):
    assert code in verdict(text).codes


def test_deal_for_good_is_not_a_threat():
    assert verdict("We should deal with them for good, through talks in Doha.").action is Action.PUBLISH


@pytest.mark.parametrize(
    "text",
    [
        "We will get you a copy of the statement.",
        "Pakistan should end their support for the militants.",
        "They will get him eventually, the Haqqanis always do.",
    ],
)
def test_everyday_verbs_are_not_threats(text):
    assert not any(f.code == "abusive.threat" for f in verdict(text).findings)
