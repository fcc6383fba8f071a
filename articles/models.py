from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils import timezone


class ArticleQuerySet(models.QuerySet["Article"]):
    def published(self) -> ArticleQuerySet:
        return self.filter(is_published=True)

    def own(self) -> ArticleQuerySet:
        """The stories this site publishes itself (not those it only hosts the comments of, on another site)."""
        return self.filter(canonical_url__isnull=True)

    def search(self, query: str) -> ArticleQuerySet:
        query = query.strip()
        if not query:
            return self
        return self.filter(models.Q(headline__icontains=query) | models.Q(standfirst__icontains=query))


class Article(models.Model):
    headline = models.CharField(max_length=255)
    slug = models.SlugField(max_length=255, unique=True)
    standfirst = models.TextField(blank=True, help_text="The summary line under the headline.")
    source = models.CharField(max_length=120, blank=True, help_text="The agency or outlet, e.g. Anadolu Agency.")
    published_on = models.DateField()
    dateline = models.CharField(max_length=120, blank=True, help_text="The city the story is filed from.")
    body = models.TextField(
        blank=True,
        help_text="Paragraphs, separated by a blank line. A story embedded on another site may have none yet: "
        "the on-topic check then only flags, never holds.",
    )
    photo = models.ImageField(upload_to="articles/%Y/%m/", blank=True)
    photo_caption = models.TextField(blank=True)
    photo_credit = models.CharField(max_length=200, blank=True)
    is_published = models.BooleanField(default=True)
    # A story published on another site (a newsroom's own CMS) whose comment section is embedded there:
    # its address there. Empty for the stories this site publishes itself.
    canonical_url = models.URLField(
        max_length=500,
        unique=True,
        null=True,
        blank=True,
        help_text="For a story on another site whose comments are embedded there: its address on that site.",
    )
    # A story created by importing another comment system's export (transfer.import_comments): which system.
    # Known by its address and title only; empty for every story written or pushed here.
    imported_from = models.CharField(max_length=12, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ArticleQuerySet.as_manager()

    class Meta:
        ordering = ["-published_on", "-id"]

    def __str__(self) -> str:
        return self.headline

    def get_absolute_url(self) -> str:
        return reverse("articles:detail", kwargs={"slug": self.slug})

    @property
    def is_embedded(self) -> bool:
        return self.canonical_url is not None

    @property
    def has_text(self) -> bool:
        """Whether the story's text is known (an embedded story may be known by its address and title only)."""
        return bool(self.body.strip())

    @property
    def paragraphs(self) -> list[str]:
        return [block.strip() for block in self.body.replace("\r\n", "\n").split("\n\n") if block.strip()]

    def text_for_relevance(self) -> str:
        """All the words a reader sees, for judging whether a comment is on-topic. Kept in this process by the
        article's id and last change (every comment posted asks): a change to the article or to its related
        links moves ``updated_at`` (``RelatedLink.save`` and ``delete`` touch it), so a kept text is never
        an old one."""
        kept = _RELEVANCE_TEXTS.get(self.pk) if self.pk is not None else None
        if kept is not None and kept[0] == self.updated_at:
            return kept[1]
        links = " ".join(link.headline for link in self.related_links.all())
        text = "\n".join([self.headline, self.standfirst, self.photo_caption, self.dateline, self.body, links])
        if self.pk is not None and self.updated_at is not None:
            if len(_RELEVANCE_TEXTS) >= RELEVANCE_TEXTS_KEPT:
                _RELEVANCE_TEXTS.clear()
            _RELEVANCE_TEXTS[self.pk] = (self.updated_at, text)  # one a story: its older texts let go
        return text

    def touch(self) -> None:
        """Mark the article changed (its related links were), in the database and on this instance."""
        self.updated_at = timezone.now()
        Article.objects.filter(pk=self.pk).update(updated_at=self.updated_at)


# The texts ``Article.text_for_relevance`` keeps: by id, with the ``updated_at`` they were read at; emptied when
# full (a story's text is at most about 200,000 characters, so this is at most some 50 MB, usually far less).
RELEVANCE_TEXTS_KEPT = 256
_RELEVANCE_TEXTS: dict[int, tuple[dt.datetime, str]] = {}


def is_safe_link(url: str) -> bool:
    """An address a reader can be sent to: http(s) anywhere, or a path on this site (not "//other.host")."""
    url = url.strip()
    if url.startswith("/"):
        return not url.startswith("//") and "\\" not in url
    return urlsplit(url).scheme in {"http", "https"} and bool(urlsplit(url).netloc)


def validate_link(url: str) -> None:
    if url and not is_safe_link(url):
        raise ValidationError("Give an http(s) address or a path on this site starting with a single “/”.")


class RelatedLink(models.Model):
    """A related-story link set between paragraphs of the body."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="related_links")
    after_paragraph = models.PositiveIntegerField(
        help_text="Shown after this paragraph (1 = after the first paragraph)."
    )
    headline = models.CharField(max_length=255)
    url = models.CharField(
        max_length=500,
        blank=True,
        validators=[validate_link],
        help_text="Where it leads. Left blank, it links to our own article with that headline, or a search for it.",
    )

    class Meta:
        ordering = ["after_paragraph", "id"]

    def __str__(self) -> str:
        return self.headline

    def save(self, *args: Any, **kwargs: Any) -> None:
        super().save(*args, **kwargs)
        self._touch_article()

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        deleted = super().delete(*args, **kwargs)
        self._touch_article()
        return deleted

    def _touch_article(self) -> None:
        """The article's text for judging comments changed (``Article.text_for_relevance``)."""
        if self._meta.get_field("article").is_cached(self):  # type: ignore[union-attr]
            self.article.touch()
        else:
            Article.objects.filter(pk=self.article_id).update(updated_at=timezone.now())
