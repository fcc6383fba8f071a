"""Spam is called spam, with a reason a person understands; readers citing sources, talking about wages, aid,
prices and subscriptions, or shouting, are not spammers."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from moderation import Action, Context, Family, Policy, moderate
from moderation.checks import links, promotion
from moderation.normalize import Text
from moderation.reasons import KIND_LABELS, label_of


def spam_reasons(text: str):
    return [r for r in moderate(text, Context(), Policy()).reasons if r.family is Family.SPAM]


def spam_codes(text: str) -> set[str]:
    return {r.code for r in spam_reasons(text)}


@pytest.mark.parametrize(
    ("text", "code"),
    [
        # Pointing readers at the author's own channel, page or work.
        ("Hey guys check out my new channel and our first video", "spam.self_promotion"),
        ("Put a lot of work into this one, go to my podcast page for the full episode", "spam.self_promotion"),
        ("My videos are not bad at all, check them out if you have a minute.", "spam.self_promotion"),
        ("Please read my book and tell your friends about it", "spam.self_promotion"),
        ("Listen to my new mixtape, it drops today", "spam.self_promotion"),
        ("I just started a cooking blog, would love some readers", "spam.self_promotion"),
        ("Click on my name to hear my songs", "spam.self_promotion"),
        ("Follow our bakery on Instagram for daily specials", "spam.self_promotion"),
        ("Hi. Check out and share our songs.", "spam.self_promotion"),
        # Subscribers, followers, likes.
        ("Subscribe to my channel, I post every day!", "spam.self_promotion"),
        ("sub 4 sub anyone? I will subscribe back", "spam.self_promotion"),
        ("If I get 100 subscribers I will post a new video", "spam.self_promotion"),
        ("Don't forget to subscribe!", "spam.self_promotion"),
        ("I followed you, please follow back", "spam.self_promotion"),
        ("Give this comment a thumbs up so everyone sees it", "spam.self_promotion"),
        ("Hit the like button if you agree and share it", "spam.self_promotion"),
        ("SUBSCRIIIIBE TO MY CHAAAANNEL PLEASE", "spam.self_promotion"),
        # Money, prizes, codes.
        ("How to make a lot of money fast, ask me", "spam.money"),
        ("Earn $500 a day and more, no experience needed.", "spam.money"),
        ("You can earn money by watching videos and inviting friends, it's free", "spam.money"),
        ("Get paid to take surveys from your couch", "spam.money"),
        ("I'm making income without financial risk thanks to matched betting.", "spam.money"),
        ("Congratulations, you have won a free iPhone! Claim your prize today.", "spam.money"),
        ("We're giving away 50 gift cards this week, details in my bio", "spam.money"),
        ("Vote for my band in the city contest, voting closes Friday", "spam.self_promotion"),
        ("My cover of this song is up on the channel, give it a listen", "spam.self_promotion"),
        ("Want more followers? Free followers here, no password needed", "spam.money"),
        ("Sign up and use my referral code X7K2P9 for a bonus", "spam.promotion"),
        ('Just search "Funky Fresh Beats" and thank me later', "spam.promotion"),
        ("Best prices on replica watches, free shipping worldwide", "spam.promotion"),
        # Links promoted, hidden, or alone.
        ("Great game check it out! http://game.example/friend=123", "spam.links"),
        ("http://tankionline.example/", "spam.links"),
        ("Visit kidsmediausa . com for kids stuff", "spam.links"),
        ("Donate here h t t p : / / 4 0 h f . c o m . a u / name thanks", "spam.links"),
        ("Loved this http://hackaccounts.example/?ref=4436607", "spam.links"),
        ("A beautiful song http://linkbucks.com/AcN2g", "spam.links"),
        ("New social network, you can get paid for posting: https://social.example/join", "spam.links"),
    ],
)
def test_spam_is_called_spam_for_what_it_does(text, code):
    reasons = spam_reasons(text)
    assert code in {r.code for r in reasons}
    assert moderate(text, Context(), Policy()).action is not Action.PUBLISH
    # Each reason says what it found, and where.
    assert all(r.message and r.spans for r in reasons)


@pytest.mark.parametrize(
    "text",
    [
        # Citing a source.
        "The embassy statement is at https://af.usembassy.gov/ and worth reading on Khalilzad's visit.",
        "Check the State Department's own summary: https://www.state.gov/ - it says the same as this article.",
        "The full report is here: https://www.sigar.mil/ and it is grim reading on where the aid went.",
        "Bitcoin fell again today, see https://www.reuters.com/markets/ for the numbers.",
        # Money, wages, prices, aid, taxes.
        "Paying overseas staff $0.20 an hour is not okay, and neither is what they make a week.",
        "CNN is there to make money, like every network, and it still reports the talks fairly.",
        "Workers in Kabul make $150 a month if they are paid at all; the aid matters.",
        "Afghan labourers earn $3 a day, so the $500 million aid package is not small change.",
        "The Taliban make a lot of money from opium, which is why the talks stall.",
        "Higher taxes will not fix this, and free money for banks never did either.",
        "Teachers there have not been paid for months; the donors should pay them first.",
        "Bitcoin and crypto are how the Haqqani network moves its cash, and casinos in Dubai help.",
        "There is no risk-free way out of Afghanistan for Washington.",
        "The best price for peace is paid early.",
        "Earnings from the mines are the real prize in these talks.",
        # Subscriptions, channels, pages and likes, as readers mention them.
        "I subscribe to my local paper and to this one, and the Doha coverage has been better here.",
        "Subscribe to the newspaper? Not at that price, but this piece was worth reading.",
        "I'd happily subscribe and pay for coverage like this.",
        "Netflix will hit 250 million subscribers before the Taliban keep a promise.",
        "I watch my local news channel every night and they never mention Pakistan.",
        "My favourite channel covered the Doha talks better than anyone.",
        "I read my book on the train and still have time for this article.",
        "Check my track record: I said the Taliban would stall, and they did.",
        "I like this comment, it says what I was thinking.",
        "Please share your source for the prisoner numbers.",
        "Please check the facts before posting, the deal was signed in February.",
        "When I go to my local store the prices are up 20 % since the sanctions.",
        "I will follow this story closely; follow the money and you find Islamabad.",
        "The army chief's page on the ISPR site lists the meeting.",
        "Search for the transcript yourself, it is on the embassy's website.",
        "Don't forget to vote, and don't forget Afghanistan when you do.",
        "Google it: the Doha agreement is public.",
        "We have set up a back channel with Islamabad, the envoy said; we opened a channel to the Taliban too.",
        "Subscribe to my local paper instead, it covered the prisoner swap properly.",
        "Washington is giving away its leverage, and Pakistan is giving away nothing.",
        "I will vote for my party again, whatever it does about Afghanistan.",
        "There's a GoFundMe-style appeal for the refugees in the article, and the UN page lists the aid.",
    ],
)
def test_discussion_is_not_spam(text):
    assert spam_codes(text) == set()


def test_a_flood_of_characters_is_noise_held_as_shouting_not_spam():
    verdict = moderate("!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!", Context(), Policy())
    assert verdict.action is Action.HOLD
    assert {r.family for r in verdict.reasons} == {Family.SHOUTING}


def test_every_kind_of_spam_has_a_label_a_person_understands():
    assert label_of("spam.money") == "Money offer"
    assert label_of("spam.links") == "Promotes a link"
    assert label_of("spam.duplicate") == "Same text again"
    assert label_of("abusive.insult") == "Abusive"  # no kind label: the family's
    codes = {p.code for p in promotion.PITCHES} | {"spam.links", "spam.duplicate"}
    assert codes <= set(KIND_LABELS)


def test_the_author_is_told_what_the_comment_does():
    verdict = moderate("Subscribe to my channel and give this comment a like!", Context(), Policy())
    assert verdict.explain() == (
        "Your comment was held for review because it points readers to your own channel, page or work, "
        "asks for subscribers or followers and asks for likes."
    )


def test_spans_point_at_the_pitch_in_the_text_as_written():
    text = "Great read. Subscribe to my channel!"
    (reason,) = spam_reasons(text)
    assert [text[s:e] for s, e in reason.spans] == ["Subscribe to my channel"]


def test_spans_survive_look_alike_letters_and_stretched_words():
    text = "ok Sυbscribe to my chаnnel"  # a Greek upsilon, a Cyrillic a
    (reason,) = spam_reasons(text)
    assert [text[s:e] for s, e in reason.spans] == ["Sυbscribe to my chаnnel"]
    stretched = "pls subscriiiibe to my chaaannel"
    (reason,) = spam_reasons(stretched)
    assert [stretched[s:e] for s, e in reason.spans] == ["pls subscriiiibe to my chaaannel"]


def test_sales_talk_adds_up_and_the_goods_alone_are_not_an_advert():
    assert spam_codes("Bitcoin, bitcoin, bitcoin: the Taliban's bank.") == set()
    assert spam_codes("Buy now! Limited offer, free shipping") == {"spam.promotion"}
    (one,) = promotion.check(Text("Free shipping on everything"), Context(), Policy())
    assert one.score < Policy().spam_hold  # one hint: noticed, not held


VOCABULARY = (
    "my our me us i we you please plz pls check checked checking checkout out this the these share follow followed "
    "back 4 like likes comment add on subscribe suscribe sucscribe subscribers subs sub sub4sub channel video page "
    "song music book blog track record local news earn make making get paid a lot of money cash income fast online "
    "easy free gift cards card giveaway generator $500 $ a day week 100 100% to in and site see visit go read listen "
    "click download join donate buy help support vote chance win won claim your prize it out use promo code "
    "referral x7k2 search google youtube type look up just open thumbs thumb up give hit the button risk without "
    "income price : best prices work from home made started website bitcoin casino don't forget giving away vote "
    'http://x.example/ ? . , ! " '
    "Subscribe MY Channel PLEASE Check Out Money FREE news talks Doha é subscriiibe chaaannel"
).split()


@settings(max_examples=800, deadline=None)
@given(words=st.lists(st.sampled_from(VOCABULARY), max_size=14))
def test_the_checks_look_first_where_their_patterns_would_find_something(words):
    """The cheap looks never skip a comment, nor a place in it, where a pattern would have found something:
    each match opens with one of the pitch's opening words, and its look at the words lets it through."""
    text = Text(" ".join(words))
    for pitch in (*promotion.PITCHES, promotion.TOPICS):
        matches = [pitch.pattern.match(text.folded)] if pitch.at_start else list(pitch.pattern.finditer(text.folded))
        for found in filter(None, matches):
            assert pitch.may_match(text.folded, text.words), pitch.pattern.pattern[:60]
            if not pitch.at_start:
                opener = text.folded[found.start() :].split(maxsplit=1)[0]
                assert any(opener.startswith(w) and not opener[len(w) :][:1].isalnum() for w in pitch.openers) or any(
                    opener.startswith(sign) for sign in pitch.signs
                ), (opener, pitch.pattern.pattern[:60])
            # And the check finds it where the pattern does.
            assert found.span()[0] in {s for s, _ in pitch.spans(text.folded, text.words)} or pitch.at_start
    if links._LOWER_CALLS_RE.search(text.folded) or links.CALLS_RE.search(text.raw):
        assert not links._CALL_WORDS.isdisjoint(text.words)


def test_a_pitch_is_found_in_a_long_comment_and_a_long_one_without_is_quick():
    """20,000 characters of what the patterns read most slowly stay linear (bench/spam.py times them)."""
    long = "The talks in Doha matter. " * 700 + "Subscribe to my channel!"
    assert "spam.self_promotion" in {r.code for r in promotion.check(Text(long), Context(), Policy())}
