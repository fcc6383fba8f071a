"""What the API reads and writes, as pydantic schemas (ninja turns them into the OpenAPI document).

Strings a client sends are checked to be text a database can store (no lone surrogates); lengths, NULs and
the rest are the services' rules, checked as the page's forms check them.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from ninja import Schema
from pydantic import AfterValidator, ConfigDict, Field, StrictBool


def _storable(value: str) -> str:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("contains a character that is not valid Unicode (a lone surrogate)") from None
    return value


Text = Annotated[str, AfterValidator(_storable)]
# Ids as the database keeps them: anything larger names nothing.
Id = Annotated[int, Field(ge=1, le=2**63 - 1)]


class Problem(Schema):
    type: str
    title: str
    status: int
    detail: str
    errors: list[dict[str, str]] | None = None


# Readers


class Story(Schema):
    id: int
    title: str
    url: str | None = Field(None, description="The story's address on its own site (embedded stories)")
    page_url: str = Field(description="Where it is read on this site")


class AppealOut(Schema):
    status: str = Field(description="open (waiting for a moderator), upheld (the decision stands) or overturned")
    created_at: dt.datetime
    note: str
    decided_at: dt.datetime | None = None


class StatementOut(Schema):
    """Why one of the reader's own comments is hidden (a statement of reasons), and their appeal."""

    decided: str = Field(description="What was decided, in a few words")
    decided_at: dt.datetime
    by: Literal["filter", "moderator"] = Field(description="The comment filter, automatically, or a person")
    ground: str = Field(description="On which ground of the policy")
    appeal_until: dt.datetime | None = Field(description="Until when it may be appealed (null: no appeals)")
    can_appeal: bool = Field(description="POST /comments/{id}/appeal is open to it now")
    appeal: AppealOut | None = None


class CommentOut(Schema):
    id: int
    parent_id: int | None
    author_name: str
    created_at: dt.datetime
    body: str
    depth: int = Field(description="Display depth: replies deeper than the page shows stay at its deepest")
    replying_to: str = Field(description="The name of the author of the comment it answers")
    removed: bool = Field(default=False, description="A removed comment kept for its replies: no name, no text")
    status: str = Field(description="published; or, for the reader's own comments only, held, rejected or removed")
    notice: str = Field(default="", description="For the reader's own comments: what became of it, as the page says it")
    reasons: list[str] = Field(default_factory=list, description="For the reader's own: why it is not published")
    reply_count: int = Field(default=0, description="On a thread's first comment: its published replies")
    ignored: bool = Field(
        default=False, description="By a commenter this reader ignores, kept for its replies: no name, no text"
    )
    reactions: int = Field(default=0, description="Readers' reactions to it (the site's one kind, e.g. Respect)")
    reacted: bool = Field(default=False, description="This reader reacted to it")
    featured: bool = Field(default=False, description="A moderator featured it (GET /stories/{id}/featured)")
    statement: StatementOut | None = Field(
        default=None, description="For the reader's own comment a decision hides: why, and their appeal"
    )


class ThreadOut(Schema):
    comment: CommentOut
    replies: list[CommentOut]
    replies_page: int = Field(description="Which page of the thread's replies is shown (0: the first few)")
    has_more_replies: bool


class SectionOut(Schema):
    story: Story
    count: int = Field(description="Published comments on the story")
    sort: str
    page: int
    pages: int
    threads: list[ThreadOut]
    own_pending: list[CommentOut] = Field(description="The reader's own comments others cannot see (held…)")


class Incoming(Schema):
    """What a client sends: a field this API does not know is refused by name (a reply sent with the answers'
    ``parent_id`` instead of ``parent`` is not posted as a new comment), and a yes/no is JSON's true or false."""

    model_config = ConfigDict(extra="forbid")


class CommentIn(Incoming):
    name: Text = Field("", description="Ignored for a reader signed in by their site")
    email: Text = Field("", description="Never shown; ignored for a reader signed in by their site")
    body: Text
    parent: Id | None = Field(None, description="The comment it replies to")
    token: Text | None = Field(
        None,
        max_length=64,
        description="An idempotency key, unique across the whole site: a random UUID made for each new comment "
        "(never a fixed value). The same token sent again with the same words returns the comment stored the "
        "first time; a token already used for other words is refused with 409.",
    )
    notify: StrictBool = Field(False, description="Email the author when someone replies")


class StoryCommentIn(CommentIn):
    story_url: Text = Field(description="The story's address on its site, or its slug on this one")


class PostOut(Schema):
    comment: CommentOut
    decision: Literal["published", "held", "rejected"]
    reasons: list[str]
    message: str
    warnings: list[str] = Field(default_factory=list, description="A moderator's warnings, shown once")
    duplicate: bool = Field(False, description="The same token was posted before: this is that comment")


class ReportIn(Incoming):
    reason: Text = Field(description="abusive, off_topic, spam or other")
    note: Text = ""


class ReportOut(Schema):
    message: str


class AppealIn(Incoming):
    note: Text = Field(description="Why the decision should change (required)")


class FeaturedOut(Schema):
    story: Story
    comments: list[CommentOut] = Field(description="Newest featured first, at most 50; each as shown alone")


class ReactionOut(Schema):
    reactions: int = Field(description="Readers' reactions to the comment now")
    reacted: bool = Field(description="Whether this reader's reaction is among them")
    label: str = Field(description="The reaction's word on this site (COMMENTS_REACTION_LABEL)")


class IgnoredOut(Schema):
    who: str = Field(description="Names the commenter without their address: DELETE /me/ignored/{who} undoes it")
    name: str


class MyComment(CommentOut):
    story: Story


class MyCommentsOut(Schema):
    signed_in_as: str | None
    comments: list[MyComment]


# Sites


class StoryPushIn(Incoming):
    url: Text
    title: Text
    text: Text = ""
    standfirst: Text = ""


class StoryPushOut(Schema):
    id: int
    url: str
    title: str
    created: bool


class SignInIn(Incoming):
    token: Text = Field(max_length=8192)
    site: Text | None = Field(None, description="The site's origin, if the request has no Origin header")


class SignedInOut(Schema):
    name: str
    email: str
    site: str


# Staff


class Reason(Schema):
    code: str
    message: str


class Report(Schema):
    reason: str
    note: str
    created_at: dt.datetime


class Parent(Schema):
    id: int
    author_name: str
    body: str


class QueueAppeal(Schema):
    note: str
    created_at: dt.datetime
    against: str = Field(description="Whose decision: 'filter', or the moderator's username (who may not answer it)")


class QueueItem(Schema):
    id: int
    story: Story
    author_name: str
    author_email: str
    body: str
    created_at: dt.datetime
    status: str
    status_label: str
    parent: Parent | None
    reasons: list[Reason]
    scores: dict[str, float]
    reports: list[Report]
    flagged: bool
    suggested_reason: str
    seen: str = Field(description="Send it back with a decision: a decision on a changed comment is refused")
    appeal: QueueAppeal | None = Field(
        default=None, description="Its author's appeal, waiting: approve overturns the decision, reject upholds it"
    )


class QueueTab(Schema):
    key: str
    label: str
    count: int


class QueueOut(Schema):
    tab: str
    tabs: list[QueueTab]
    page: int
    pages: int
    items: list[QueueItem]


class DecisionIn(Incoming):
    action: Literal["approve", "reject"]
    reason: Text = Field("", description="To reject: abusive, off_topic, spam or other (other needs a note)")
    note: Text = ""
    seen: Text = Field(
        description="Required: the item's seen token, as the queue listed it. A decision on a comment that changed "
        "since (another moderator decided, a reader reported it) is refused with 409."
    )


class DecisionOut(Schema):
    id: int
    status: str
    seen: str
    message: str
    action: str
    reason: str
    actor: str


class SanctionOut(Schema):
    id: int
    kind: str
    reason: str
    created_at: dt.datetime
    ends_at: dt.datetime | None
    lifted_at: dt.datetime | None
    created_by: str | None
    in_force: bool


class HistoryComment(Schema):
    id: int
    story: Story
    status: str
    body: str
    created_at: dt.datetime
    reasons: list[str]


class CommenterOut(Schema):
    email: str
    confirmed: bool
    counts: dict[str, int]
    recent: list[HistoryComment]
    sanctions: list[SanctionOut]
    active_sanctions: list[SanctionOut]


class SanctionIn(Incoming):
    kind: Literal["warn", "premoderate", "suspend", "ban"]
    reason: Text
    days: int | None = Field(None, ge=1, le=36500)


class ThreadPageOut(Schema):
    story: Story
    thread: ThreadOut
    page: int
