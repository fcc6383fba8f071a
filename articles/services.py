"""Writes for articles. Everything that creates or changes an article goes through here."""

from __future__ import annotations

import hashlib

from django.db import transaction
from django.utils.text import slugify

from articles.importer import ParsedArticle
from articles.models import Article, RelatedLink


def article_slug_for(headline: str) -> str:
    """The address of a headline: its Latin letters and digits; for a headline with none (Arabic, Chinese …),
    "article-" and a short digest of it, so two such stories never share one."""
    digest = hashlib.sha256(headline.encode("utf-8")).hexdigest()[:10]
    return slugify(headline)[:200].strip("-") or f"article-{digest}"


@transaction.atomic
def article_import(*, parsed: ParsedArticle, slug: str | None = None) -> tuple[Article, bool]:
    """Create the article, or update the one with the same slug; returns (article, created).

    Re-importing a file therefore updates in place: the article keeps its id, its
    comments and any uploaded photo.
    """
    if slug is None:
        slug = base = article_slug_for(parsed.headline)
        # Same address, another story: this one gets the next free address instead of overwriting it.
        number = 2
        while (other := Article.objects.filter(slug=slug).first()) and other.headline != parsed.headline:
            slug, number = f"{base[:200]}-{number}", number + 1
    article, created = Article.objects.select_for_update().update_or_create(
        slug=slug,
        defaults={
            "headline": parsed.headline,
            "standfirst": parsed.standfirst,
            "source": parsed.source,
            "published_on": parsed.published_on,
            "dateline": parsed.dateline,
            "body": parsed.body,
            "photo_caption": parsed.photo_caption,
            "photo_credit": parsed.photo_credit,
        },
    )
    article.related_links.all().delete()
    RelatedLink.objects.bulk_create(
        RelatedLink(article=article, after_paragraph=story.after_paragraph, headline=story.headline)
        for story in parsed.related
    )
    article.touch()  # its related links changed after it was saved
    return article, created
