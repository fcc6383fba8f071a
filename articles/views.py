from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render

from articles.models import Article
from articles.selectors import article_body, article_for_page


def article_list(request: HttpRequest) -> HttpResponse:
    # NUL can't be stored or searched in PostgreSQL text; nobody types it on purpose.
    query = request.GET.get("q", "")[:200].replace("\x00", "")
    articles = Article.objects.published().own().search(query)
    page = Paginator(articles, 20).get_page(request.GET.get("page"))
    return render(request, "articles/article_list.html", {"page": page, "query": query})


def render_article_page(
    request: HttpRequest, article: Article, *, extra: dict[str, Any] | None = None, status: int = 200
) -> HttpResponse:
    """The article page. Whatever sits under the article (the comment section, through its
    template tag) reads ``extra``: the comments app passes a form back with what a reader typed."""
    if article.is_embedded:
        # Published on another site, whose page shows these comments: readers are sent there (a link in an
        # email keeps its #comment anchor). Its title came from that page, not from us: it is never shown
        # as a page of ours, whatever asks for one (the article's address, or a form sent here for it).
        return HttpResponseRedirect(str(article.canonical_url))
    context = {"article": article, "body_items": article_body(article), **(extra or {})}
    return render(request, "articles/article_detail.html", context, status=status)


def article_detail(request: HttpRequest, slug: str) -> HttpResponse:
    return render_article_page(request, article_for_page(slug=slug))
