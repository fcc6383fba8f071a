from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from articles.models import Article
from commenters.mailboxes import mailbox_key, parent_domains
from commenters.models import Sanction, SiteSwitch, StorySettings
from newsroom import cache, db


@dataclass(frozen=True)
class StoryState:
    """Whether a story takes comments now, why not, and how its comments are moderated ("" = the site's way)."""

    open: bool
    message: str = ""
    mode: str = ""


SWITCH_CACHE_KEY = "comments:site-switch"


def site_switch() -> SiteSwitch:
    """The site-wide pause, read through the cache (every page asks; it changes a few times a day)."""
    return cache.through(SWITCH_CACHE_KEY, lambda: SiteSwitch.objects.filter(pk=1).first() or SiteSwitch(pk=1))


def forget_site_switch() -> None:
    cache.forget(SWITCH_CACHE_KEY)


def story_state(*, article: Article, auto_close_days: int = 0, today: dt.date | None = None) -> StoryState:
    """The site-wide pause, then the story's own switch, then its closing date (its own, or the policy's)."""
    pause = site_switch()
    settings_ = story_settings(article)
    mode = settings_.mode if settings_ else ""
    if pause.comments_paused:
        return StoryState(False, pause.message or "Comments are paused for now.", mode)
    if settings_ is not None and not settings_.comments_open:
        return StoryState(False, settings_.closed_message or "Comments are closed on this story.", mode)
    days = settings_.close_after_days if settings_ and settings_.close_after_days is not None else auto_close_days
    today = today or timezone.localdate()
    if days and article.published_on + dt.timedelta(days=days) <= today:
        return StoryState(False, f"Comments on this story closed {days} days after it was published.", mode)
    return StoryState(True, "", mode)


def story_settings(article: Article) -> StorySettings | None:
    """A story's own comment settings, if it has any: as read with the article (``select_related``), else
    read now (and not kept on the article, where a later change would not be seen)."""
    reverse = StorySettings._meta.get_field("article").remote_field
    if reverse.is_cached(article):
        found = reverse.get_cached_value(article)
        return found if isinstance(found, StorySettings) else None
    return StorySettings.objects.filter(article=article).first()


def active_sanctions(*, email: str, at: dt.datetime | None = None) -> list[Sanction]:
    """A commenter's sanctions in force: on their mailbox (however the address is spelled), or a ban of its
    domain or of a domain above it."""
    found = in_force_sql(email=email, at=at or timezone.now())
    if found is None:
        return []
    condition, params = found
    # Every post asks (within ``comments.selectors.author_standing``); written out (``newsroom.db``).
    return db.instances(
        Sanction,
        db.rows(
            f"SELECT {db.columns(Sanction)} FROM {db.table(Sanction)} WHERE {condition} "  # noqa: S608
            'ORDER BY "created_at" DESC, "id" DESC',  # Sanction's own order: the newest first
            params,
        ),
    )


def in_force_sql(*, email: str, at: dt.datetime, alias: str = "") -> tuple[str, list[Any]] | None:
    """The condition that a sanction row (of the table named ``alias``, if given) is in force on this address,
    and its parameters; None for an address without a mailbox, on which nothing can be in force."""
    key = mailbox_key(email)
    if not key:
        return None
    on = f'"{alias}".' if alias else ""
    _, at_sign, domain = key.rpartition("@")
    # (And by the address as stored: a sanction written without its key, by a fixture or an old path.)
    mine, params = f'{on}"mailbox" = %s OR {on}"email" = %s', [key, email.strip().lower()]
    if at_sign:
        domains = parent_domains(domain)
        mine += f' OR ({on}"domain" IN ({db.placeholders(domains)}) AND {on}"kind" = %s)'
        params += [*domains, Sanction.Kind.BAN.value]
    condition = f'{on}"lifted_at" IS NULL AND ({on}"ends_at" IS NULL OR {on}"ends_at" > %s) AND ({mine})'
    return condition, [db.when(at), *params]


def signed_in_sql(*, email: str) -> tuple[str, list[Any]]:
    """The condition that a commenter row is this address's and signed in by its site (a newsroom's site signs
    its reader in), and its parameters: by its mailbox (``mailbox_key``), or as stored (a commenter recorded
    without its key, as the embed's sign-in still does)."""
    return '("mailbox" = %s OR "email" = %s) AND "signed_in_by_site"', [mailbox_key(email), email]
