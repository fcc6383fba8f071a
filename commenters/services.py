"""Writes for commenters: sanctions, story controls, the site-wide pause, confirmed addresses; each audited."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import connection, transaction
from django.utils import timezone

from commenters.mailboxes import domain_key, mailbox_key, valid_domain
from commenters.models import Commenter, ControlEvent, Sanction, SiteSwitch, StorySettings
from commenters.selectors import forget_site_switch
from newsroom import db, limits


class SanctionError(ValidationError):
    """A sanction refused, with a message for the moderator."""


# The longest domain name DNS allows (RFC 1035), and the sanction's column.
DOMAIN_MAX_LENGTH = Sanction._meta.get_field("domain").max_length or 253
# The longest sanction with an end: far beyond any real suspension, and short of the calendar's end (an end
# past the year 9999 cannot be stored). The API and the desk's row keep the same limit.
MAX_DAYS = 36500
TOO_MANY_DAYS = f"At most {MAX_DAYS} days (a hundred years); leave it empty for a ban or pre-moderation with no end."


# Characters no address or domain has, whatever a form lets through (a header could be forged with them);
# and a wildcard, which a domain ban needs not (it covers the subdomains) and must not be read as.
FORBIDDEN = frozenset("\r\n\t\x00 ")
NOT_IN_DOMAIN = FORBIDDEN | {"*", "@"}


def normalise_email(email: str) -> str:
    """An address as stored, for mail: trimmed and lower-cased. Who it identifies is its ``mailbox_key``."""
    return email.strip().lower()


def sanction_add(
    *, kind: str, reason: str, actor: User | None, email: str = "", domain: str = "", days: int | None = None
) -> Sanction:
    """Warn, pre-moderate, suspend or ban a commenter (or, for a ban, an email domain); audited."""
    email, domain = sanction_check(kind=kind, reason=reason, email=email, domain=domain, days=days)
    ends = timezone.now() + dt.timedelta(days=days) if days else None
    with transaction.atomic():
        sanction = Sanction.objects.create(
            email=email,
            mailbox=mailbox_key(email) if email else "",
            domain=domain,
            kind=kind,
            reason=reason.strip()[:500],
            created_by=actor,
            ends_at=ends,
        )
        ControlEvent.objects.create(
            actor=actor, action=ControlEvent.Action.SANCTION,
            detail=f"{sanction.get_kind_display()} for {email or '@' + domain}"
            + (f" until {ends:%Y-%m-%d %H:%M}" if ends else "") + f": {sanction.reason}",
        )  # fmt: skip
    return sanction


def sanction_check(*, kind: str, reason: str, email: str, domain: str, days: int | None) -> tuple[str, str]:
    """The rules a sanction keeps (the admin's form asks the same): returns the address as stored and the
    domain as DNS knows it (IDNA, folded; a ban covers it and its subdomains)."""
    typed_domain = domain.strip()
    email, domain = normalise_email(email) if email.strip() else "", domain_key(typed_domain) if typed_domain else ""
    if kind not in Sanction.Kind.values:
        raise SanctionError(f"Unknown sanction {kind!r}.")
    if not reason.strip():
        raise SanctionError("Give the reason: the commenter is told it.")
    if bool(email) == bool(domain):
        raise SanctionError("Sanction one email address, or (a ban only) one email domain.")
    if len(email) > limits.EMAIL_MAX_LENGTH or len(domain) > DOMAIN_MAX_LENGTH:
        raise SanctionError("That address or domain is too long to be a real one.")
    if email and (FORBIDDEN & set(email) or not _is_email(email)):
        raise SanctionError(f"{email[:100]!r} is not an email address.")
    if domain and (NOT_IN_DOMAIN & set(typed_domain.lstrip("@")) or not valid_domain(domain)):
        raise SanctionError(
            f"{typed_domain[:100]!r} is not a domain: give one like example.com (no '*', no spaces; a ban of a "
            "domain covers its subdomains already)."
        )
    if domain and kind != Sanction.Kind.BAN:
        raise SanctionError("Only a ban can cover a whole email domain.")
    if kind == Sanction.Kind.SUSPEND and not days:
        raise SanctionError("A suspension needs an end: give a number of days.")
    if days is not None and days <= 0:
        raise SanctionError("The number of days must be more than 0.")
    if days is not None and days > MAX_DAYS:
        raise SanctionError(TOO_MANY_DAYS)
    return email, domain


def _is_email(email: str) -> bool:
    try:
        validate_email(email)
    except ValidationError:
        return False
    return True


def sanction_lift(*, sanction: Sanction, actor: User | None) -> Sanction:
    """End a sanction early; audited like its start."""
    with transaction.atomic():
        if sanction.lifted_at is None:
            sanction.lifted_at, sanction.lifted_by = timezone.now(), actor
            sanction.save(update_fields=["lifted_at", "lifted_by"])
            ControlEvent.objects.create(
                actor=actor, action=ControlEvent.Action.LIFT,
                detail=f"{sanction.get_kind_display()} for {sanction.email or '@' + sanction.domain} lifted",
            )  # fmt: skip
    return sanction


def story_settings_save(*, story: StorySettings, actor: User | None) -> StorySettings:
    """Open, close or set the moderation mode of one story's comments, audited."""
    with transaction.atomic():
        story.save()
        state = "open" if story.comments_open else f"closed ({story.closed_message or 'no message'})"
        after = "the policy's default" if story.close_after_days is None else f"{story.close_after_days} days"
        ControlEvent.objects.create(
            actor=actor, action=ControlEvent.Action.STORY_SETTINGS, article=story.article,
            detail=f"comments {state}; mode: {story.get_mode_display()}; closes after {after}",
        )  # fmt: skip
    return story


def site_pause(*, paused: bool, message: str = "", actor: User | None) -> SiteSwitch:
    """Pause new comments everywhere (a night with no moderator), or resume them; audited."""
    with transaction.atomic():
        switch, _ = SiteSwitch.objects.get_or_create(pk=1)
        switch.comments_paused = paused
        if message:
            switch.message = message
        switch.save()
        ControlEvent.objects.create(
            actor=actor,
            action=ControlEvent.Action.SITE_PAUSE if paused else ControlEvent.Action.SITE_RESUME,
            detail=switch.message if paused else "",
        )
    forget_site_switch()
    return switch


def commenter_for(*, email: str) -> Commenter:
    """The commenter of an address, recorded the first time it is used (with the mailbox it delivers to)."""
    email = normalise_email(email)
    found = Commenter.objects.filter(email=email).first()
    return found or Commenter.objects.get(pk=commenter_record(email=email))


def commenter_record(*, email: str) -> int:
    """The id of an address's commenter, recorded the first time it is used (with the mailbox it delivers to).

    One statement, an insert that leaves the row alone if the address is there already, even one another
    request records at the same moment: no savepoint and no retry inside a post's transaction."""
    email = normalise_email(email)
    row = Commenter(email=email, mailbox=mailbox_key(email))
    # On a conflict the address is "updated" to itself, which is what makes the statement return the id.
    Commenter.objects.bulk_create([row], update_conflicts=True, unique_fields=["email"], update_fields=["email"])
    if row.pk is None:  # a database that cannot return it (SQLite before 3.35)
        return int(Commenter.objects.filter(email=email).values_list("pk", flat=True).get())
    return int(row.pk)


def confirmation_claim(*, commenter_id: int, mailbox: str, every: dt.timedelta) -> dt.datetime | None:
    """When to date a confirmation email to this commenter's address, or None if its mailbox was sent one within
    ``every`` under any spelling (``victim+1@``, ``VICTIM+2@``…): one a mailbox, however many spellings it is
    typed in. The time is stamped on the commenter; call it in the transaction that queues the email, so that
    an email that is not stored leaves no stamp."""
    commenters = db.table(Commenter)
    # In the caller's transaction, or one of its own: no savepoint (whatever fails here fails the post). Every
    # post from an address not proved on its browser asks: written out (``newsroom.db``).
    with transaction.atomic(savepoint=False):
        # The mailbox's rows locked (PostgreSQL; on SQLite the transaction holds the write lock from its
        # start, settings' IMMEDIATE): two spellings posted at once send one email.
        lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
        now = timezone.now()
        # (Every row of the mailbox, to lock them all; whether each was sent one lately is said alongside.)
        sent = db.rows(
            f'SELECT CASE WHEN "confirmation_sent_at" > %s THEN 1 ELSE 0 END FROM {commenters} '  # noqa: S608
            f'WHERE "mailbox" = %s OR "id" = %s{lock}',
            [db.when(now - every), mailbox, commenter_id],
        )
        if any(lately for (lately,) in sent):
            return None
        db.execute(
            f'UPDATE {commenters} SET "confirmation_sent_at" = %s WHERE "id" = %s',  # noqa: S608
            [db.when(now), commenter_id],
        )
    return now
