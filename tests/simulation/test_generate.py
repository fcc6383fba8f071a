from collections import Counter

from articles.importer import parse_article
from factories import seed_text
from simulation.article import extract_facts
from simulation.generate import generate

SEED = parse_article(seed_text())
OTHER = parse_article(
    "Flood defences breached as river hits record level\n\nReuters September 3, 2021\n\n"
    "YORK: The River Ouse rose 40 centimetres in two hours, the Environment Agency said.\n\n"
    "Mayor Sarah Whitfield ordered 1,200 residents out of their homes near Clifton Bridge.\n\n"
    "The Environment Agency said the barriers at Clifton Bridge had never been tested this hard."
)


def facts(parsed):
    return extract_facts(parsed.headline, parsed.body)


def test_same_seed_same_stream_and_different_seed_different_stream():
    a = list(generate(facts(SEED), 300, seed=7))
    b = list(generate(facts(SEED), 300, seed=7))
    c = list(generate(facts(SEED), 300, seed=8))
    assert a == b
    assert [i.text for i in a] != [i.text for i in c]


def test_facts_come_from_the_article():
    seed = facts(SEED)
    assert "Khalilzad" in " ".join(seed.entities) and "Taliban" in seed.entities
    assert "5,000 militia inmates" in seed.numbers and not any(n.startswith("2018") for n in seed.numbers)
    other = facts(OTHER)
    assert "Environment Agency" in other.entities and "1,200 residents" in other.numbers


def test_on_topic_traffic_talks_about_this_article():
    other_text = " ".join(i.text for i in generate(facts(OTHER), 400, seed=1) if i.persona == "informed")
    assert "Environment Agency" in other_text or "Clifton Bridge" in other_text
    assert "Taliban" not in other_text


def test_mix_threads_time_and_truth():
    items = list(generate(facts(SEED), 2000, seed=3))
    personas = Counter(i.persona for i in items)
    assert {"informed", "oblique", "heated", "short_reply", "off_topic", "spammer", "abuser_clean",
            "abuser_swearing", "evader", "troll", "scunthorpe", "quoting"} <= set(personas)  # fmt: skip
    ids = [i.id for i in items]
    assert all(ids.index(i.parent_id) < n for n, i in enumerate(items) if i.parent_id)
    assert sum(1 for i in items if i.parent_id) > 300
    by_id = {i.id: i for i in items}
    named = [i for i in items if i.parent_id and by_id[i.parent_id].author in i.text]
    assert len(named) > 50  # replies address their parent's author
    times = [i.at for i in items]
    assert times == sorted(times)
    assert sum(1 for t in times if t < 2 * 3600) > sum(1 for t in times if 2 * 3600 <= t < 4 * 3600)  # the burst
    assert all(i.truth.abusive is not None and i.truth.on_topic is not None for i in items)
    assert all(i.truth.abusive for i in items if i.persona in {"abuser_clean", "evader", "troll"})
    assert not any(i.truth.abusive for i in items if i.persona in {"quoting", "scunthorpe"})


def test_abusive_text_is_not_drawn_from_the_filter_word_list():
    from moderation.profanity import load_default_words

    listed = set(load_default_words())
    clean_abuse = [i.text for i in generate(facts(SEED), 1000, seed=5) if i.persona == "abuser_clean"]
    assert clean_abuse
    for text in clean_abuse:
        assert not (set(text.lower().replace(",", " ").replace(".", " ").split()) & listed), text


def test_with_a_corpus_the_abusive_personas_speak_real_labelled_text(tmp_path):
    from simulation.generate import ABUSIVE_PERSONAS, Corpus

    path = tmp_path / "corpus.jsonl"
    path.write_text(
        '{"text": "@USER real abusive text number one", "abusive": true, "source": "olid"}\n'
        '{"text": "real abusive text number two", "abusive": true}\n'
        '{"text": "a real clean remark", "abusive": false}\n',
        encoding="utf-8",
    )
    corpus = Corpus.load(path)
    stream = list(generate(facts(SEED), 400, seed=3, corpus=corpus))
    abusive = [i for i in stream if i.persona in ABUSIVE_PERSONAS]
    assert abusive and all(i.text in corpus.abusive for i in abusive)
    assert "@USER" not in corpus.abusive[0]
    assert all(i.truth.abusive is True and i.truth.on_topic is None for i in abusive)
    real_clean = [i for i in stream if i.text == "a real clean remark"]
    assert real_clean and all(i.truth.abusive is False for i in real_clean)
    assert "corpus.jsonl" in corpus.describe()


def test_a_bad_corpus_names_its_line(tmp_path):
    import pytest

    from simulation.generate import Corpus, CorpusError

    path = tmp_path / "corpus.jsonl"
    path.write_text('{"text": "fine", "abusive": true}\n{"text": 3}\n', encoding="utf-8")
    with pytest.raises(CorpusError, match="line 2"):
        Corpus.load(path)
