"""Small texts and a small feature space to train models on in tests: seconds, not minutes."""

from __future__ import annotations

from moderation.model import Features

SMALL = Features(word_bits=12, char_bits=12)
INSULTS = ["you are a worthless idiot", "shut up you pathetic moron", "what a disgusting clown you are"]
CIVIL = [
    "the talks in doha may bring a ceasefire",
    "pakistan has influence over the taliban",
    "the envoy met the chief",
]
SENTENCES = ["the mayor spoke about the budget", "our council should publish the figures", "the bridge opens in june"]
