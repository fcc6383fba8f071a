"""Property tests: whatever the text, the filter answers, and answers the same way twice."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from moderation import Action, Context, Policy, moderate
from moderation.normalize import fold, fold_with_offsets

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


def test_folded_text_is_lower_case():
    # Compatibility forms decompose to capitals ("ℌ" is "H", mathematical letters too): the rules read lower case.
    assert fold("𝙿𝚎𝚝𝚊𝚕𝚜 ℌ") == "petals h"
    assert fold_with_offsets("𝙿𝚎𝚝𝚊𝚕𝚜 ℌ")[0] == "petals h"


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=200) | st.text(alphabet="𝙼𝚌ℌÅﬁİ aB.", max_size=40))
def test_fold_never_leaves_a_capital(text):
    assert fold(text) == fold(text).lower()
    assert fold_with_offsets(text)[0] == fold_with_offsets(text)[0].lower()


# Pieces the abuse rules are made of, and the marks between sentences, to build texts that match often.
_PIECES = (
    "you", "you're", "are", "a", "an", "total", "idiot", "idiots", "moron", "what", "such", "people", "like",
    "all", "these", "migrants", "vermin", "should", "be", "deported", "i", "will", "find", "kill", "hope", "die",
    "shut", "up", "your", "stupid", "comment", "go", "back", "to", "school", "wipe", "them", "out",
    ".", "!", "?", "\n", ",", " ", "  ", "'",
)  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(pieces=st.lists(st.sampled_from(_PIECES), max_size=60))
def test_the_abuse_rules_read_only_sentences_with_their_words_and_find_what_a_whole_search_finds(pieces):
    from moderation.checks import abuse
    from moderation.normalize import word_set

    folded = fold(" ".join(pieces).replace(" .", ".").replace(" !", "!"))
    tokens = word_set(folded)
    abuse.find(folded, tokens)  # builds the index
    for index, (_code, _label, _score, pattern, _gates) in enumerate(abuse._RULES):
        whole = [m.span() for m in pattern.finditer(folded)]
        words = abuse._RULE_WORDS[index]
        read = [m.span() for m in abuse._matches(pattern, folded, None if words is None else words & tokens)]
        assert read == whole, pattern.pattern[:60]


@settings(max_examples=400, deadline=None)
@given(
    text=st.text(alphabet="ab! ", max_size=120)
    | st.text(max_size=200)
    | st.lists(st.sampled_from(["ha", "lol", "ab c", "!", " ", "xyz", "é", "ñé"]), max_size=40).map("".join)
    # a unit of one to four characters, about as many times as a flood needs, inside other text
    | st.tuples(st.text(max_size=20), st.text(min_size=1, max_size=4), st.integers(6, 10), st.text(max_size=20)).map(
        lambda parts: parts[0] + parts[1] * parts[2] + parts[3]
    )
)
def test_the_flood_check_looks_first_where_the_pattern_would_find_something(text):
    from moderation.checks import flood

    compact = "".join(text.split())
    data, width = flood.compacted(text)
    assert data.decode("ascii" if width == 1 else "utf-32-le") == compact
    if flood._COMPACT_FLOOD_RE.search(compact):
        assert flood.may_flood(data, width)


@settings(max_examples=300, deadline=None)
@given(data=st.binary(max_size=60), shift=st.integers(1, 12), run=st.integers(1, 8))
def test_equal_run_is_bytes_equal_to_those_further_on(data, shift, run):
    from moderation.normalize import equal_run

    expected = any(
        all(data[i + j] == data[i + j + shift] for j in range(run)) for i in range(len(data) - shift - run + 1)
    )
    assert equal_run(data, shift, run) == expected


@settings(max_examples=300, deadline=None)
@given(text=st.text(alphabet="ab1'. -zé", max_size=80) | st.text(max_size=120))
def test_content_words_split_fast_as_the_word_pattern_splits_them(text):
    from moderation import topic

    folded = fold(text)
    expected: dict[str, float] = {}
    for word in topic.WORD_RE.findall(folded):
        if word in topic.STOPWORDS or len(word) < 3 or word.isdigit():
            continue
        stemmed, specificity = topic.term(word)
        expected[stemmed] = max(specificity, expected.get(stemmed, 0.0))
    assert topic.content_terms(folded, folded=True) == expected


@settings(max_examples=300, deadline=None)
@given(text=st.text(alphabet="ABC abc!1\n", max_size=120) | st.text(max_size=120))
def test_shouting_counts_letters_as_python_counts_them(text):
    from moderation.checks import shouting
    from moderation.normalize import Text

    letters = sum(map(str.isalpha, text))
    capitals = sum(map(str.isupper, text))
    shouts = (
        (shouting._CAPITALS_RE.search(text) is not None or not text.isascii())
        and letters >= 20
        and capitals / letters >= 0.6
    )
    found = shouting.check(Text(text), Context(), Policy())
    assert bool(found) == shouts
    if found:
        assert found[0].score == round(min(1.0, (capitals / letters - 0.5) * 2), 3)


@settings(max_examples=300, deadline=None)
@given(text=st.text(alphabet="ab1 -'_é\t", max_size=60) | st.text(max_size=120))
def test_the_shared_words_are_the_runs_of_letters_and_digits(text):
    import re

    from moderation.normalize import Text, word_set

    folded = fold(text)
    assert word_set(folded) == frozenset(re.findall(r"[a-z0-9]+", folded)) == Text(text).words


def _fold_char_by_char(text):
    from moderation.normalize import _TABLE, _strip_marks

    out, offsets = [], []
    for index, ch in enumerate(text):
        piece = ch.lower().translate(_TABLE)
        if piece and not piece.isascii():
            piece = _strip_marks(piece).lower().translate(_TABLE)
        out.append(piece)
        offsets.extend([index] * len(piece))
    return "".join(out), offsets


@settings(max_examples=300, deadline=None)
@given(text=st.text(alphabet="aB \u200bсé\u0301ﬁİ.", max_size=60) | st.text(max_size=150))
def test_folding_with_offsets_runs_of_ascii_at_once_is_folding_a_character_at_a_time(text):
    folded, offsets = fold_with_offsets(text)
    assert (folded, list(offsets)) == _fold_char_by_char(text)


@settings(max_examples=300, deadline=None)
@given(text=st.text(alphabet="ab_@$* .-'1é", max_size=80) | st.text(max_size=150))
def test_the_profanity_words_are_placed_where_the_word_pattern_finds_them(text):
    from moderation.profanity import WORD_RE, _Places, split_words

    folded = fold(text)
    words = split_words(folded)
    expected = [m.span() for m in WORD_RE.finditer(folded.replace("_", " "))]
    place = _Places(folded, words)
    assert [place(i) for i in reversed(range(len(words)))][::-1] == expected  # any order of asking
    assert [place(i) for i in range(len(words))] == expected


@settings(max_examples=500, deadline=None)
@given(text=st.text(max_size=200) | st.text(alphabet="ae \u0301\u0327\u0323\u0308ﬁℌ😀ǅ\u1e0b\u0323", max_size=60))
def test_marks_are_stripped_run_by_run_as_from_the_whole_text(text):
    import unicodedata

    from moderation.normalize import _strip_marks

    whole = "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))
    assert _strip_marks(text) == whole


@settings(max_examples=500, deadline=None)
@given(text=st.text(alphabet=st.characters(max_codepoint=127), max_size=120))
def test_a_plain_ascii_fingerprint_is_the_patterns(text):
    import re

    from moderation.normalize import fingerprint

    assert fingerprint(text) == re.sub(r"[\W_]+", " ", text.lower()).strip()
