"""The comment section under an article: ``{% load comment_section %}{% comment_section article %}``.

The article app's template includes it; the article app's code knows nothing of comments
(as django-contrib-comments is included through its template tags).
"""

from __future__ import annotations

from typing import Any

from django import template
from django.conf import settings
from django.urls import reverse

from articles.models import Article
from commenters.selectors import story_state
from comments.forms import REMEMBER_COOKIE, CommentForm, Identity, ReportForm, remembered
from comments.selectors import SORT_LABELS, featured_entries, reply_target, section_counts
from comments.selectors import comment_section as section_for
from comments.session import ignored_commenters, own_comment_ids, reaction_reader
from policies.selectors import active_policy_record, policy_from_record

register = template.Library()


def _counts(request: Any, article: Article) -> tuple[int, int]:
    """The article's published comments and threads, read once a request (the headline's link and the section
    share them)."""
    counts: dict[int, tuple[int, int]] = request.__dict__.setdefault("_section_counts", {})
    if article.pk not in counts:
        counts[article.pk] = section_counts(article=article)
    return counts[article.pk]


def _where(section: Any, featured_view: bool = False) -> str:
    """The rest of a Reply or Report link's query (no JavaScript) that keeps the reader where they are:
    the thread's own view and its page, or the page of threads; and the sort."""
    where: dict[str, Any] = {}
    if section.thread_view and section.threads:
        where = {"thread": section.threads[0].root.pk, "replies": section.threads[0].replies_page}
    elif section.page.number > 1:
        where = {"page": section.page.number}
    if section.sort != "oldest":
        where["sort"] = section.sort
    if featured_view:
        where = {"tab": "featured"}
    return "".join(f"&{key}={value}" for key, value in where.items())


@register.inclusion_tag("comments/count_link.html", takes_context=True)
def comment_count_link(context: template.Context, article: Article) -> dict[str, Any]:
    """ "N comments" by the headline, a link down to the section."""
    return {"count": _counts(context["request"], article)[0]}


@register.inclusion_tag("comments/section.html", takes_context=True)
def comment_section(context: template.Context, article: Article) -> dict[str, Any]:
    """The section on our article page; or, with ``embed_root`` in the context (our address, e.g.
    "https://comments.example"), the same section for another site's page: its links within the section stay
    relative (the embed loads them into itself), those to our own pages are absolute and open a new tab. A
    ``comment_identity`` in the context is a reader another site vouches for: the form asks no name or email."""
    request = context["request"]
    form: CommentForm | None = context.get("comment_form")  # sent back bound, with what the reader typed
    identity: Identity | None = context.get("comment_identity")
    embed_root: str | None = context.get("embed_root")
    kept = {} if identity else remembered(request.COOKIES.get(REMEMBER_COOKIE))
    if form is None:
        replying_to = reply_target(article=article, comment_id=request.GET.get("reply_to"))
        initial: dict[str, Any] = {"parent": replying_to.pk} if replying_to else {}
        if kept:
            initial.update(kept, remember=True)
        form = CommentForm(article=article, initial=initial, identity=identity)
    else:
        replying_to = form.parent_comment
    form.helper.form_action = reverse("comments:post", kwargs={"slug": article.slug}) + "#comment-form"
    policy = active_policy_record()
    ignored = ignored_commenters(request)
    state = story_state(article=article, auto_close_days=policy_from_record(policy).auto_close_days)
    section = section_for(
        article=article,
        counts=_counts(request, article),
        page_number=request.GET.get("page"),
        sort=request.GET.get("sort", "oldest"),
        own_comment_ids=own_comment_ids(request),
        thread=request.GET.get("thread"),
        replies_page=request.GET.get("replies"),
        ignored=[i.key for i in ignored],
        reader=reaction_reader(request),
    )
    featured_view = request.GET.get("tab") == "featured"
    featured = (
        featured_entries(
            article=article,
            own=own_comment_ids(request),
            ignored=[i.key for i in ignored],
            reader=reaction_reader(request),
        )  # fmt: skip
        if featured_view
        else []
    )
    return {
        "request": request,
        "article": article,
        "section": section,
        "featured_view": featured_view,
        "featured": featured,
        "stay": _where(section, featured_view),
        "sort_labels": SORT_LABELS,
        "form": form,
        "report_form": ReportForm(),
        "replying_to": replying_to,
        "remembered": bool(kept),
        # Reporting without JavaScript: the page's one report form is shown under this comment.
        "reporting": reply_target(article=article, comment_id=request.GET.get("report")),
        "policy": policy,
        # Closed (the story, or the whole site paused): the comments stay, the form says why instead.
        "closed": "" if state.open else state.message,
        "show_form": state.open or form.is_bound,
        "csrf_token": context.get("csrf_token"),
        "embedded": embed_root is not None,
        # Where the section's own links lead: this page, or (embedded) the section itself, by its query alone.
        "here": "" if embed_root is not None else article.get_absolute_url(),
        "our_site": embed_root or "",
        "ignored": ignored,
        "reaction_label": settings.COMMENTS_REACTION_LABEL,
    }
