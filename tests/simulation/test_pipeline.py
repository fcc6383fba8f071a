"""The simulator's in-memory context: duplicates within the policy's window, by author, and nothing after it."""

from moderation import Policy, moderate
from simulation.pipeline import Pipeline
from simulation.stream import StreamItem

TEXT = "Buy cheap watches at my shop today, best prices in town for everyone!"


def item(n: int, at: float, author: str, text: str = TEXT) -> StreamItem:
    return StreamItem(id=str(n), text=text, author=author, at=at)


def feed(pipeline: Pipeline, entry: StreamItem):
    context = pipeline.context_for(entry)
    pipeline.observe(entry, moderate(entry.text, context, Policy()))
    return context


def test_the_same_text_again_is_seen_by_author_and_by_others_within_the_window():
    pipeline = Pipeline(article_text="An article about watches and shops.", policy=Policy(duplicate_window_minutes=10))
    feed(pipeline, item(1, 0, "Ann"))
    feed(pipeline, item(2, 10, "Ben"))
    feed(pipeline, item(3, 15, "Cy", "Something else entirely, about the article and its shops."))
    again = pipeline.context_for(item(4, 20, "ann"))
    assert again.own_recent == (TEXT,) and again.others_recent == (TEXT,)
    verdict = moderate(TEXT, again, Policy())
    assert "spam.duplicate" in verdict.codes


def test_the_window_forgets():
    pipeline = Pipeline(article_text="An article.", policy=Policy(duplicate_window_minutes=10))
    feed(pipeline, item(1, 0, "Ann"))
    feed(pipeline, item(2, 10, "Ben"))
    late = pipeline.context_for(item(3, 700, "Ann"))
    assert late.own_recent == () and late.others_recent == ()
    assert pipeline.by_mark == {} and not pipeline.recent


def test_the_window_is_the_policys():
    pipeline = Pipeline(article_text="An article.", policy=Policy(duplicate_window_minutes=1))
    feed(pipeline, item(1, 0, "Ann"))
    assert pipeline.context_for(item(2, 59, "Ann")).own_recent == (TEXT,)
    assert pipeline.context_for(item(3, 61, "Ann")).own_recent == ()
