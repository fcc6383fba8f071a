"""The word lists and frequencies the checks read."""

import sys

import wordfreq

from moderation.wordlists import english_frequencies


def test_english_frequencies_are_wordfreqs_own_small_list():
    ours = english_frequencies()
    theirs = wordfreq.get_frequency_dict("en", wordlist="small")
    assert len(ours) > 20_000
    assert ours == theirs
    assert ours["the"] > ours["taliban"] > 0


def test_the_filter_does_not_import_wordfreq_to_read_its_list():
    import subprocess

    code = (
        "import sys; from moderation import moderate, Context; "
        "moderate('the talks in Doha went on and on for days', Context(article_text='talks in Doha')); "
        "print('wordfreq' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"
