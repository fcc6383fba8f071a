from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from articles.models import Article, RelatedLink


class RelatedLinkInline(admin.TabularInline[RelatedLink, Article]):
    model = RelatedLink
    extra = 0


class WhereFilter(admin.SimpleListFilter):
    title = "published"
    parameter_name = "where"

    def lookups(self, request: HttpRequest, model_admin: object) -> list[tuple[str, str]]:
        return [("here", "on this site"), ("embedded", "on another site (comments embedded)")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Article]) -> QuerySet[Article]:
        if self.value() == "here":
            return queryset.filter(canonical_url__isnull=True)
        if self.value() == "embedded":
            return queryset.filter(canonical_url__isnull=False)
        return queryset


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin[Article]):
    list_display = ["headline", "source", "published_on", "dateline", "is_published"]
    list_filter = ["is_published", WhereFilter, "source", "published_on"]
    search_fields = ["headline", "standfirst", "body", "canonical_url"]
    prepopulated_fields = {"slug": ["headline"]}
    date_hierarchy = "published_on"
    inlines = [RelatedLinkInline]
    fieldsets = [
        (None, {"fields": ["headline", "slug", "standfirst", "is_published"]}),
        ("Byline", {"fields": ["source", "published_on", "dateline"]}),
        ("Photo", {"fields": ["photo", "photo_caption", "photo_credit"]}),
        ("Story", {"fields": ["body"]}),
        ("Published on another site", {"fields": ["canonical_url"], "classes": ["collapse"]}),
    ]
