"""Seeded comment traffic for an article, with the truth about every comment.

Personas write the way real commenters do, and the on-topic ones talk about this
article's own people, places, numbers and claims, so a new article gives new
traffic. The hard cases are here on purpose: insults with no swear word,
relevant remarks that share no word with the article, Scunthorpe words, swearing
quoted in an on-topic comment, evasions, and trolls answering others. None of the
abusive text comes from the filter's word lists; it is written here.

Text written beside the rules agrees with the rules by construction, so by default
the abusive personas (and a share of the clean commenters) speak with real
labelled comments instead: a :class:`Corpus` of public data the filter was never
trained on (``moderation/data/public-test.jsonl``). The report says
where its ground truth came from.
"""

from __future__ import annotations

import random
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from moderation.training import TrainingError, read_records
from simulation.article import ArticleFacts
from simulation.metrics import Truth
from simulation.stream import StreamItem

FIRST_NAMES = (
    "Amina Bilal Chen Dana Eli Farah Gul Hana Idris Jonas Kamal Lena Malik Nora Omar Priya Quinn Rosa Sami "
    "Tariq Uma Vera Wasim Xenia Yusuf Zara Aaron Beth Carlos Dev Emma Felix Grace Hugo Iris Jack Kira Leo Maya "
    "Nils Olga Pablo Rhea Sven Tess Ugo Vik Will Yara Zed"
).split()

OPINIONS = (
    "I am not convinced it will work.",
    "It is the only realistic option left.",
    "Everyone involved has been here before.",
    "This could finally move things forward.",
    "The details will decide everything.",
    "Nobody should expect quick results.",
    "It is a step, but a small one.",
    "Trust is in short supply on every side.",
)
SKEPTIC = (
    "I will believe it when I see it",
    "the track record is not encouraging",
    "talk is cheap",
    "the people on the ground have heard this before",
)
# Relevant to almost any news story, yet sharing few words with it.
OBLIQUE = (
    "Diplomacy takes time. Forcing a timetable rarely ends well.",
    "Deals signed in hotels rarely survive contact with reality.",
    "Ordinary people just want to live safely and raise their children.",
    "Promises made under pressure tend to be broken once the pressure is off.",
    "Mediation only works when both parties believe the mediator is neutral.",
    "History suggests outsiders cannot impose a settlement.",
    "It is easier to start a fight than to finish one.",
    "Sometimes talking to your opponent is the only option left.",
    "The families affected deserve answers, whatever the politics.",
    "Every side claims victory and nothing changes for the people living with it.",
)
HEATED = (
    "That is nonsense. {entity} has never kept a promise like this.",
    "I strongly disagree with everyone praising {entity} here.",
    "This is a disastrous approach and {entity} will regret it.",
    "Utterly naive. {entity} is playing everyone.",
    "How can anyone defend this? {number} and nothing in return.",
    "Shameful coverage. Nobody is asking the hard questions about {entity}.",
    "You are completely wrong about {entity}, read the article again.",
)
SHORT = ("Exactly.", "Source?", "Agreed.", "Well said.", "Not really.", "Fair point.", "Says who?", "This.", "Indeed.")
OFF_TOPIC = (
    "Does anyone know a good {thing} near {place}? Ours closed last month.",
    "I finally finished painting the {room} this weekend, took three coats.",
    "Who else is watching the {sport} final tonight? Should be a great match.",
    "My {pet} keeps waking me up at five every morning, any tips?",
    "Just tried the new {food} place on the high street, highly recommended.",
    "Is it just me or is the weather ruining every {event} this summer?",
    "Happy birthday to my sister who reads this site every day!",
    "Looking for a second hand {thing} for my son, nothing fancy.",
)
OFF_TOPIC_FILL = {
    "thing": ("plumber", "bicycle", "dentist", "piano teacher", "mechanic", "laptop"),
    "place": ("the station", "the old market", "the river", "the park"),
    "room": ("kitchen", "hallway", "garage", "spare bedroom"),
    "sport": ("tennis", "football", "cricket", "basketball"),
    "pet": ("cat", "dog", "parrot", "rabbit"),
    "food": ("ramen", "pizza", "burger", "falafel"),
    "event": ("barbecue", "picnic", "garden party", "wedding"),
}
SPAM = (
    "Earn ${n} a day from home! Start now at http://{domain}.{tld}/join",
    "Best prices on replica watches, free shipping: www.{domain}.{tld}",
    "Click here for free crypto https://bit.ly/{code}",
    "I made ${n} last month with this investment opportunity, DM me on WhatsApp",
    "Payday loans approved in minutes http://{domain}.{tld} http://{domain}2.{tld} http://{domain}3.{tld}",
    "Great article! Also visit my site http://{domain}.{tld} for cheap pills",
)
# Written here, not drawn from any filter list.
ABUSE_SWEARING = (
    "This is total bullshit and so are you, {parent}.",
    "Fuck off with your naive nonsense.",
    "What a pile of crap, you absolute prick.",
    "Shut the hell up, nobody cares what you think.",
    "You are a fucking disgrace, {parent}.",
    "Piss off back to whatever hole you crawled out of.",
)
ABUSE_CLEAN = (
    "You are a brainless idiot, {parent}.",
    "People like you are vermin.",
    "Only a complete imbecile would write that.",
    "You have the reasoning skills of a damp sponge.",
    "Nobody with a working brain believes this, {parent}.",
    "Go back to school before you comment again.",
    "You people are a disgrace to this country.",
    "Typical clueless troll. Embarrassing.",
    "I hope you get what is coming to you.",
    "Someone should shut you up for good.",
    "{group} are animals and always will be.",
    "{group} should be wiped off the map.",
)
GROUPS = ("Refugees", "Immigrants", "Those people", "Foreigners", "Their supporters")
EVASIONS = (
    "f*ck you {parent}",
    "What a load of b u l l s h i t.",
    "You are such an a$$hole.",
    "sh1t reporting as usual",
    "fuuuuck off troll",
    "ѕhut up you іdiot",  # Cyrillic letters
    "F.U.C.K this {entity} nonsense",
)
SCUNTHORPE = (
    "My cousin in Scunthorpe has been following {entity} closely; a classic case of slow diplomacy.",
    "Any serious analysis of {entity} has to start with {number}.",
    "The assassination risk for negotiators is real, which is why {entity} moves so carefully.",
    "Someone in Essex asked me about {entity} yesterday and I had no good answer.",
    "We should assess whether {entity} can really deliver this.",
)
QUOTED = (
    'One official reportedly called the plan "bullshit", which says a lot about how {entity} sees it.',
    'The headline in the local paper was literally "Damn the Deal", and {entity} was asked about it.',
    'When a minister says the talks are "fucked", as one did about {entity}, you know it is serious.',
)
INFORMED = (
    "The part about {number} is what matters here. {opinion}",
    "I doubt {entity} can deliver on this. {opinion}",
    "Good to see {entity} and {entity2} talking, but {skeptic}.",
    "{claim} {opinion}",
    "If {entity} is serious, {entity2} has to be part of it. {opinion}",
    "Nobody seems to mention {entity2} in all this. {opinion}",
    "{number}? That says a lot about where {entity} stands.",
    "The article says: {claim_lower} {opinion}",
)


LEADS = ("Honestly, ", "To be fair, ", "Look, ", "I think ", "Frankly, ", "As I see it, ", "Well, ", "Sorry but ")
TAILS = (
    " Just my view.",
    " Time will tell.",
    " We will see.",
    " Let's be realistic.",
    " Again.",
    " That is the real story.",
    " Hard to argue otherwise.",
    " Worth remembering.",
    " Anyway.",
)


def _vary(rng: random.Random, text: str) -> str:
    """Small personal touches, so two readers with the same thought rarely write the same words."""
    if rng.random() < 0.5:
        lead = rng.choice(LEADS)
        text = lead + (text[0].lower() + text[1:] if lead.endswith(", ") or lead == "I think " else text)
    if rng.random() < 0.4:
        text += rng.choice(TAILS)
    return text


@dataclass(frozen=True)
class Persona:
    name: str
    weight: float
    reply_rate: float
    write: Callable[[random.Random, ArticleFacts, str], str]
    truth: Truth


def _fill(template: str, rng: random.Random, facts: ArticleFacts, parent: str) -> str:
    entities = facts.entities
    entity = rng.choice(entities[:6])
    others = [e for e in entities if e != entity] or [entity]
    claim = rng.choice(facts.claims)
    values = {
        "entity": entity,
        "entity2": rng.choice(others[:8]),
        "number": rng.choice(facts.numbers) if facts.numbers else entity,
        "claim": claim,
        "claim_lower": claim[0].lower() + claim[1:],
        "opinion": rng.choice(OPINIONS),
        "skeptic": rng.choice(SKEPTIC),
        "parent": parent or "mate",
        "group": rng.choice(GROUPS),
        "n": str(rng.choice((200, 500, 800, 1500, 8000))),
        "domain": rng.choice(("easycash", "bestdeal", "win-now", "luckyday", "fastloan")) + str(rng.randint(1, 99)),
        "tld": rng.choice(("com", "xyz", "top", "biz", "online")),
        "code": "".join(rng.choice("abcdefghjkmnpqrstuvwxyz23456789") for _ in range(6)),
    }
    for key, options in OFF_TOPIC_FILL.items():
        values[key] = rng.choice(options)
    return template.format(**values)


def _writer(templates: tuple[str, ...], vary: bool = False) -> Callable[[random.Random, ArticleFacts, str], str]:
    def write(rng: random.Random, facts: ArticleFacts, parent: str) -> str:
        text = _fill(rng.choice(templates), rng, facts, parent)
        return _vary(rng, text) if vary else text

    return write


def _short(rng: random.Random, facts: ArticleFacts, parent: str) -> str:
    text = rng.choice(SHORT)
    return f"{parent}, {text[0].lower()}{text[1:]}" if parent and rng.random() < 0.3 else text


CLEAN = Truth(abusive=False, on_topic=True, spam=False)
PERSONAS = (
    Persona("informed", 30, 0.25, _writer(INFORMED, vary=True), CLEAN),
    Persona("oblique", 8, 0.2, _writer(OBLIQUE, vary=True), CLEAN),
    Persona("heated", 12, 0.5, _writer(HEATED, vary=True), CLEAN),
    Persona("short_reply", 10, 1.0, _short, CLEAN),
    Persona("scunthorpe", 3, 0.2, _writer(SCUNTHORPE), CLEAN),
    Persona("quoting", 2, 0.2, _writer(QUOTED), CLEAN),
    Persona("off_topic", 9, 0.1, _writer(OFF_TOPIC, vary=True), Truth(abusive=False, on_topic=False, spam=False)),
    Persona("spammer", 6, 0.05, _writer(SPAM), Truth(abusive=False, on_topic=False, spam=True)),
    Persona(
        "abuser_swearing", 5, 0.6, _writer(ABUSE_SWEARING, vary=True), Truth(abusive=True, on_topic=True, spam=False)
    ),
    Persona("abuser_clean", 6, 0.6, _writer(ABUSE_CLEAN, vary=True), Truth(abusive=True, on_topic=True, spam=False)),
    Persona("evader", 4, 0.6, _writer(EVASIONS), Truth(abusive=True, on_topic=True, spam=False)),
    Persona(
        "troll",
        5,
        1.0,
        _writer(ABUSE_CLEAN + ABUSE_SWEARING, vary=True),
        Truth(abusive=True, on_topic=True, spam=False),
    ),
)

ABUSIVE_PERSONAS = frozenset({"abuser_swearing", "abuser_clean", "troll"})
# Real comments are not about our article: their topic is unknown, not "on-topic".
REAL_ABUSIVE = Truth(abusive=True, on_topic=None, spam=False)
REAL_CLEAN = Truth(abusive=False, on_topic=None, spam=False)


class CorpusError(ValueError):
    pass


@dataclass(frozen=True)
class Corpus:
    """Real labelled comments to speak with: abusive and clean texts, and where they came from."""

    name: str
    abusive: tuple[str, ...]
    clean: tuple[str, ...]

    @classmethod
    def load(cls, path: str | Path) -> Corpus:
        try:
            records = read_records(path)
        except TrainingError as exc:
            raise CorpusError(str(exc)) from None
        abusive: list[str] = []
        clean: list[str] = []
        for record in records:
            # The public sets' placeholders for mentions and links read oddly in a comment section.
            text = " ".join(record.text.replace("@USER", "").replace("URL", "").split())
            if len(text) >= 3:
                (abusive if record.abusive else clean).append(text[:3000])
        if not abusive:
            raise CorpusError(f"{path}: no abusive records to draw from")
        sources = ", ".join(sorted({r.source for r in records}))
        return cls(f"{Path(path).name} ({sources})", tuple(abusive), tuple(clean))

    def describe(self) -> str:
        return (
            f"abusive comments and a fifth of the clean ones are real, labelled by their data set: {self.name}, "
            f"{len(self.abusive)} abusive and {len(self.clean)} clean texts; the rest are generated"
        )


GENERATED_TRUTH = "generated: every comment is written from templates beside the filter's rules"

BURST_SHARE = 0.75  # most comments arrive soon after publication
BURST_MEAN_SECONDS = 2 * 3600
TAIL_SECONDS = 48 * 3600
# A reply answers one of this many latest comments (generated replies answer one of the last few dozen).
REPLY_REACH = 10_000


def generate(facts: ArticleFacts, count: int, seed: int, corpus: Corpus | None = None) -> Iterator[StreamItem]:
    """``count`` comments in time order; the same facts, count, seed and corpus give the same stream."""
    rng = random.Random(seed)
    # Eight bytes a comment (a million of them: 8 MB), in the order the draws were made, then sorted.
    times = np.fromiter(
        (rng.expovariate(1 / BURST_MEAN_SECONDS) if rng.random() < BURST_SHARE else rng.uniform(0, TAIL_SECONDS)
         for _ in range(count)),
        dtype=np.float64, count=count,
    )  # fmt: skip
    times.sort()
    weights = [p.weight for p in PERSONAS]
    # Each persona has a small crowd of regulars, so some authors post more than once.
    crowds = {p.name: [f"{rng.choice(FIRST_NAMES)}{rng.randint(1, 99)}" for _ in range(max(3, count // 40))]
              for p in PERSONAS}  # fmt: skip
    # The authors of the latest comments, the last one last: a reply answers one of them.
    posted: deque[str] = deque(maxlen=REPLY_REACH)
    for index, at in enumerate(_floats(times)):
        persona = rng.choices(PERSONAS, weights)[0]
        author = rng.choice(crowds[persona.name])
        parent_id, parent_author = None, ""
        if posted and rng.random() < persona.reply_rate:
            # Mostly answer something recent: the one that many comments back (one in e^-1250 would be
            # further back than REPLY_REACH, and answers the oldest remembered instead).
            back = min(len(posted) - 1, index - 1 - max(0, index - 1 - int(rng.expovariate(1 / 8))))
            parent_author = posted[len(posted) - 1 - back]
            parent_id = f"sim-{seed}-{index - back}"
        text = persona.write(rng, facts, parent_author)
        truth = persona.truth
        if corpus is not None and persona.name in ABUSIVE_PERSONAS:
            text, truth = rng.choice(corpus.abusive), REAL_ABUSIVE
        elif corpus is not None and corpus.clean and persona.truth == CLEAN and rng.random() < 0.2:
            text, truth = rng.choice(corpus.clean), REAL_CLEAN
        if parent_author and persona.name in {"informed", "heated"} and rng.random() < 0.5:
            text = f"@{parent_author} {text}"
        ident = f"sim-{seed}-{index + 1}"
        yield StreamItem(
            id=ident,
            text=text,
            author=author,
            email=f"{author.lower()}@sim.example",
            parent_id=parent_id,
            at=round(at, 1),
            persona=persona.name,
            truth=truth,
        )
        posted.append(author)


def _floats(values: npt.NDArray[np.float64], chunk: int = 10_000) -> Iterator[float]:
    """The array's values as Python floats, a chunk at a time (not a list of them all at once)."""
    for offset in range(0, len(values), chunk):
        yield from values[offset : offset + chunk].tolist()
