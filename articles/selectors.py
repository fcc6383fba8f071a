"""Reads for the article pages."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django.shortcuts import get_object_or_404
from django.urls import reverse

from articles.models import Article, RelatedLink, is_safe_link


@dataclass(frozen=True)
class BodyItem:
    """One piece of the article body in reading order: a paragraph or a related link."""

    kind: str  # "paragraph" | "related"
    text: str
    url: str = ""
    is_first: bool = False


def article_for_page(*, slug: str) -> Article:
    return get_object_or_404(Article.objects.published(), slug=slug)


def related_link_url(link: RelatedLink, known: dict[str, str]) -> str:
    if link.url and is_safe_link(link.url):  # stored before the rule, or written around the admin
        return link.url
    # The wire text names related stories but gives no address: link our own
    # article with that headline when we have it, or a search for it.
    return known.get(link.headline.casefold()) or reverse("articles:list") + "?" + urlencode({"q": link.headline})


def article_body(article: Article) -> list[BodyItem]:
    links = list(article.related_links.all())
    known: dict[str, str] = {}
    if any(not link.url for link in links):
        headlines = [link.headline for link in links if not link.url]
        for other in Article.objects.published().own().filter(headline__in=headlines).only("slug", "headline"):
            known[other.headline.casefold()] = other.get_absolute_url()
    items: list[BodyItem] = []
    paragraphs = article.paragraphs
    for number, paragraph in enumerate(paragraphs, start=1):
        items.append(BodyItem("paragraph", paragraph, is_first=number == 1))
        items.extend(
            BodyItem("related", link.headline, related_link_url(link, known))
            for link in links
            if link.after_paragraph == number
        )
    # Links placed past the last paragraph still show, at the end.
    items.extend(
        BodyItem("related", link.headline, related_link_url(link, known))
        for link in links
        if link.after_paragraph > len(paragraphs) or link.after_paragraph == 0
    )
    return items
