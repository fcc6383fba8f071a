from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from comments.forms import CommentForm, ReportForm
from comments.policy import active_policy_record
from comments.selectors import SORT_LABELS, comment_section, reply_target
from comments.session import own_comment_ids

from .models import Article
from .selectors import article_body, article_for_page


def article_list(request: HttpRequest) -> HttpResponse:
    # NUL can't be stored or searched in PostgreSQL text; nobody types it on purpose.
    query = request.GET.get("q", "")[:200].replace("\x00", "")
    articles = Article.objects.published().search(query)
    page = Paginator(articles, 20).get_page(request.GET.get("page"))
    return render(request, "articles/article_list.html", {"page": page, "query": query})


def render_article_page(
    request: HttpRequest, article: Article, *, form: CommentForm | None = None, status: int = 200
) -> HttpResponse:
    """The article with its comment section; a bound form is shown back with what the reader typed."""
    replying_to = None
    if form is None:
        replying_to = reply_target(article=article, comment_id=request.GET.get("reply_to"))
        form = CommentForm(article=article, initial={"parent": replying_to.pk} if replying_to else None)
    else:
        replying_to = form.parent_comment
    form.helper.form_action = reverse("comments:post", kwargs={"slug": article.slug}) + "#comment-form"
    section = comment_section(
        article=article,
        page_number=request.GET.get("page"),
        sort=request.GET.get("sort", "oldest"),
        own_comment_ids=own_comment_ids(request),
    )
    context = {
        "article": article,
        "body_items": article_body(article),
        "section": section,
        "sort_labels": SORT_LABELS,
        "form": form,
        "report_form": ReportForm(),
        "replying_to": replying_to,
        "policy": active_policy_record(),
    }
    return render(request, "articles/article_detail.html", context, status=status)


def article_detail(request: HttpRequest, slug: str) -> HttpResponse:
    return render_article_page(request, article_for_page(slug=slug))
