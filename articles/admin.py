from django.contrib import admin

from articles.models import Article, RelatedLink


class RelatedLinkInline(admin.TabularInline[RelatedLink, Article]):
    model = RelatedLink
    extra = 0


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin[Article]):
    list_display = ["headline", "source", "published_on", "dateline", "is_published"]
    list_filter = ["is_published", "source", "published_on"]
    search_fields = ["headline", "standfirst", "body"]
    prepopulated_fields = {"slug": ["headline"]}
    date_hierarchy = "published_on"
    inlines = [RelatedLinkInline]
    fieldsets = [
        (None, {"fields": ["headline", "slug", "standfirst", "is_published"]}),
        ("Byline", {"fields": ["source", "published_on", "dateline"]}),
        ("Photo", {"fields": ["photo", "photo_caption", "photo_credit"]}),
        ("Story", {"fields": ["body"]}),
    ]
