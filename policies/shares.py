"""Hold levels that travel: the learned model's hold level as a share of the site's own comments.

A fixed score chosen on one kind of text holds a different share of another: the shipped model's 0.61 holds
9.5 % of the clean posts of the public test sets and 6.0 % of clean news comments. A policy may instead say
"hold the top 15 % of comments by the model's score" (``model_hold_share``); the score that does so here is
read from the scores stored on the site's recent real comments, and the core only ever sees ``model_hold``::

    policy = with_shares(policy)        # model_hold resolved from the site's recent comments, if a share is set
    hold_level(share=0.15, fixed=0.61)  # HoldLevel(threshold=0.702, comments=4210, ...): what holds now, and why

The recent scores are one cached read (``CACHE_SECONDS``): most posts cost no query for it. With fewer than
``MIN_COMMENTS`` recent comments scored, the fixed ``model_hold`` holds, and ``HoldLevel.describe()`` says so.

The trade-off an editor chooses on: for each candidate hold level, the share of clean comments it holds against
the share of abusive ones it catches, on the site's moderator decisions and on the public test sets, both
scored by the loaded model (``tradeoff``), with the live policy's point marked; ``policies.tradeoff_chart`` draws it
(apart, so that a process building policies never loads the charting library).

Comments live in the comments app, above this one: the model is looked up by name (``apps.get_model``), as a
migration does, rather than imported.
"""

from __future__ import annotations

import bisect
import datetime as dt
import math
from array import array
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from django.apps import apps
from django.utils import timezone

import moderation
from moderation import Policy
from moderation.model import AbuseModel
from moderation.training import read_records
from newsroom import cache
from policies.models import ModerationPolicy

# The window a share is read from: the last 30 days, or the last 5,000 comments if there were more.
RECENT_DAYS = 30
RECENT_COMMENTS = 5000
# Fewer recent comments than this and a share says little: the fixed level holds until there are enough.
MIN_COMMENTS = 200
CACHE_SECONDS = 300
SCORE = "model"  # the verdict's score of the learned model (moderation/checks/learned.py)
RECENT_KEY = f"policies:recent-scores:{SCORE}"
# The lowest level a share resolves to: a level of 0 would hold every comment, scored or tied at the bottom.
LOWEST_LEVEL = 0.001

PUBLIC_TEST = Path(moderation.__file__).resolve().parent / "data" / "public-test.jsonl"
# The candidate hold levels of the curve (the live policy's own is added to them).
LEVELS = tuple(round(0.05 * step, 2) for step in range(1, 20))
SITE_SECONDS = 600


def recent_scores(*, now: dt.datetime | None = None) -> Sequence[float]:
    """The learned model's scores of the site's recent real comments (never the simulator's), lowest first:
    read once every ``CACHE_SECONDS`` and kept as packed floats, 40 kB at most, unpacked on each post in
    microseconds."""
    packed = cache.through(RECENT_KEY, lambda: array("d", _read_recent(now)).tobytes(), CACHE_SECONDS)
    scores = array("d")
    scores.frombytes(packed)
    return scores


def _read_recent(now: dt.datetime | None) -> list[float]:
    comment = apps.get_model("comments", "Comment")
    since = (now or timezone.now()) - dt.timedelta(days=RECENT_DAYS)
    stored = (
        comment.objects.real()
        .filter(created_at__gte=since, scores__has_key=SCORE)
        .order_by("-created_at")
        .values_list(f"scores__{SCORE}", flat=True)[:RECENT_COMMENTS]
    )
    return sorted(float(score) for score in stored if isinstance(score, int | float))


def forget() -> None:
    """Read the recent scores afresh on the next post, not up to ``CACHE_SECONDS`` later."""
    cache.forget(RECENT_KEY)


def level_for_share(scores: Sequence[float], share: float) -> float:
    """The score that holds ``share`` of ``scores`` (sorted, lowest first): the lowest of the top share.
    Ties at that score are held too, so a little more than the share may be."""
    held = max(1, math.ceil(share * len(scores) - 1e-9))
    return max(scores[len(scores) - held], LOWEST_LEVEL)


def share_held(scores: Sequence[float], level: float) -> float | None:
    """The share of ``scores`` (sorted) at or over ``level``, None when there are none."""
    return (len(scores) - bisect.bisect_left(scores, level)) / len(scores) if scores else None


@dataclass(frozen=True)
class HoldLevel:
    """The learned model's hold level of one policy as it stands now, and where it comes from."""

    share: float  # the policy's model_hold_share (0: off)
    fixed: float  # the policy's model_hold
    threshold: float  # the level that holds now
    comments: int  # the recent scored comments a share was read from

    @property
    def from_share(self) -> bool:
        return self.share > 0 and self.comments >= MIN_COMMENTS

    @property
    def fell_back(self) -> bool:
        """A share is set, but too few recent comments to read it from: the fixed level holds meanwhile."""
        return self.share > 0 and self.comments < MIN_COMMENTS

    def describe(self) -> str:
        if self.from_share:
            return (
                f"Holds the top {as_percent(self.share)} of comments by the learned model's score: a score of "
                f"{self.threshold:.3f} or more, read from the site's last {self.comments:,} comments."
            )
        if self.fell_back:
            return (
                f"Set to hold the top {as_percent(self.share)} of comments, but the site has {self.comments:,} "
                f"recent comments scored and a share needs {MIN_COMMENTS}: until then it holds at the fixed "
                f"score of {self.fixed:.3f}."
            )
        return f"Holds at a fixed learned-model score of {self.fixed:.3f}."


def hold_level(*, share: float, fixed: float, scores: Sequence[float] | None = None) -> HoldLevel:
    """What a policy with this share and fixed level holds at now (the recent scores are read if not given)."""
    if share <= 0:
        return HoldLevel(share=0.0, fixed=fixed, threshold=fixed, comments=0)
    scores = recent_scores() if scores is None else scores
    if len(scores) < MIN_COMMENTS:
        return HoldLevel(share=share, fixed=fixed, threshold=fixed, comments=len(scores))
    return HoldLevel(share=share, fixed=fixed, threshold=level_for_share(scores, share), comments=len(scores))


def hold_settings(record: ModerationPolicy) -> tuple[float, float]:
    """A stored policy's ``model_hold_share`` and ``model_hold`` as saved (``policy_from_record`` gives the level
    resolved). Read by name: the settings are columns made from their declarations, unknown to type checkers."""
    share, fixed = (float(getattr(record, name)) for name in ("model_hold_share", "model_hold"))
    return share, fixed


def record_hold_level(record: ModerationPolicy) -> HoldLevel:
    """What a stored policy holds at now, and why."""
    share, fixed = hold_settings(record)
    return hold_level(share=share, fixed=fixed)


def with_shares(policy: Policy) -> Policy:
    """The policy with ``model_hold`` the level its ``model_hold_share`` holds on this site now (unchanged when
    no share is set, or no model judges, or too few comments are in). Reads nothing when there is no share."""
    if policy.model_hold_share <= 0 or policy.model is None:
        return policy
    level = hold_level(share=policy.model_hold_share, fixed=policy.model_hold)
    return policy if level.threshold == policy.model_hold else replace(policy, model_hold=level.threshold)


# -- the trade-off curve


@dataclass(frozen=True)
class Point:
    """At one hold level: the share of clean comments held and of abusive ones caught (None: none of them)."""

    clean_held: float | None
    abuse_caught: float | None

    # As the pages' tables show them.
    @property
    def clean_percent(self) -> float | None:
        return None if self.clean_held is None else self.clean_held * 100

    @property
    def caught_percent(self) -> float | None:
        return None if self.abuse_caught is None else self.abuse_caught * 100


@dataclass(frozen=True)
class Series:
    """One set of labelled comments scored by the model, as (score, abusive) pairs sorted by score."""

    clean: tuple[float, ...]
    abusive: tuple[float, ...]

    @classmethod
    def of(cls, scored: Sequence[tuple[float, bool]]) -> Series:
        return cls(
            clean=tuple(sorted(score for score, abusive in scored if not abusive)),
            abusive=tuple(sorted(score for score, abusive in scored if abusive)),
        )

    def at(self, level: float) -> Point:
        return Point(share_held(self.clean, level), share_held(self.abusive, level))


@dataclass(frozen=True)
class Row:
    threshold: float
    traffic: float | None  # the share of the site's recent comments it holds (None: too few to say)
    site: Point
    public: Point
    live: bool

    @property
    def value(self) -> str:
        """The level as the form sends it back."""
        return f"{self.threshold:.3f}"

    @property
    def traffic_percent(self) -> float | None:
        return None if self.traffic is None else self.traffic * 100


@dataclass(frozen=True)
class Tradeoff:
    model: str
    live: HoldLevel
    site: Series
    public: Series
    rows: tuple[Row, ...]
    recent: int  # the recent scored comments the traffic shares are read from

    @property
    def shares_known(self) -> bool:
        """Whether the site has enough recent comments scored to hold a share of them."""
        return self.recent >= MIN_COMMENTS

    @property
    def live_row(self) -> Row:
        return next(row for row in self.rows if row.live)

    def row(self, value: str) -> Row | None:
        return next((row for row in self.rows if row.value == value), None)


_public: dict[str, Series] = {}


def _model_key(model: AbuseModel) -> str:
    return model.source[1][:16] if model.source else f"{model.name}-{id(model)}"


def public_series(model: AbuseModel) -> Series:
    """The public test sets (``moderation/data/public-test.jsonl``, never trained on) scored by this model:
    once per process and model (2,784 texts, about 0.3 s)."""
    key = _model_key(model)
    if key not in _public:
        records = read_records(PUBLIC_TEST)
        scores = model.scores([record.text for record in records]).tolist()
        _public.clear()  # one model is live at a time
        _public[key] = Series.of([(s, r.abusive) for s, r in zip(scores, records, strict=True)])
    return _public[key]


def site_series(model: AbuseModel, records: Callable[[], Sequence[tuple[str, bool]]], *, key: str) -> Series:
    """The site's moderator decisions (``records()``: text and abusive) scored by this model, cached a while:
    scoring them costs a moment a thousand, and moderators add only a few a minute."""

    def load() -> Series:
        decided = list(records())
        scores = model.scores([text for text, _ in decided]).tolist() if decided else []
        return Series.of([(score, abusive) for score, (_, abusive) in zip(scores, decided, strict=True)])

    return cache.through(f"policies:tradeoff:{key}:{_model_key(model)}", load, SITE_SECONDS)


def forget_site_series(model: AbuseModel, *, key: str) -> None:
    cache.forget(f"policies:tradeoff:{key}:{_model_key(model)}")


def tradeoff(
    *, model: AbuseModel | None, live: ModerationPolicy, records: Callable[[], Sequence[tuple[str, bool]]], key: str
) -> Tradeoff | None:
    """The curve, with the live policy's point, None when no model judges. ``records`` are the site's decided
    comments, read only when their cached series (under ``key``) has expired."""
    if model is None:
        return None
    scores = recent_scores()
    share, fixed = hold_settings(live)
    level = hold_level(share=share, fixed=fixed, scores=scores)
    site, public = site_series(model, records, key=key), public_series(model)
    levels = sorted({*LEVELS, round(level.threshold, 3)})
    enough = len(scores) >= MIN_COMMENTS
    rows = tuple(
        Row(
            threshold=at,
            traffic=share_held(scores, at) if enough else None,
            site=site.at(at),
            public=public.at(at),
            live=at == round(level.threshold, 3),
        )
        for at in levels
    )
    return Tradeoff(model=model.name, live=level, site=site, public=public, rows=rows, recent=len(scores))


def as_percent(share: float) -> str:
    return f"{share * 100:.1f}".removesuffix(".0") + " %"
