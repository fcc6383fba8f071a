"""Writes for articles. Everything that creates or changes an article goes through here."""

from __future__ import annotations

from django.db import transaction
from django.utils.text import slugify

from .importer import ParsedArticle
from .models import Article, RelatedLink


def article_slug_for(headline: str) -> str:
    return slugify(headline)[:200].strip("-") or "article"


@transaction.atomic
def article_import(*, parsed: ParsedArticle, slug: str | None = None) -> tuple[Article, bool]:
    """Create the article, or update the one with the same slug; returns (article, created).

    Re-importing a file therefore updates in place: the article keeps its id, its
    comments and any uploaded photo.
    """
    slug = slug or article_slug_for(parsed.headline)
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
    return article, created
