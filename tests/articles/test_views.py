import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from factories import make_article, make_seed_article

pytestmark = pytest.mark.django_db


def test_article_page_shows_every_part_of_the_seed(client):
    article = make_seed_article()
    response = client.get(article.get_absolute_url())
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1" in html and "US seeks Pakistan&#x27;s help for intra-Afghan dialogue" in html
    assert "Khalilzad also sought Islamabad&#x27;s assistance in helping obtain freedom" in html
    assert "Anadolu Agency" in html
    assert '<time datetime="2020-05-10">May 10, 2020</time>' in html
    # No photo was imported: the caption and credit stand alone, with no empty picture block.
    assert re.search(r'<p class="figure-caption nr-caption-only">[^<]*Zalmay Khalilzad \(R\).*REUTERS/FILE', html)
    assert "<figure" not in html and "<img" not in html
    assert '<span class="nr-dateline">KARACHI:</span> The US has asked Pakistan' in html
    assert html.count("<p>") >= 10
    for fragment in ["So far, the Kabul and the Taliban have released 933 and 155 prisoners", "missing US contractor."]:
        assert fragment in html
    # The related link sits between the fourth and fifth paragraphs.
    related = html.index("Khalilzad meets Gen Qamar amid deadlock in Afghan peace process")
    assert html.index("the statement said.") < related < html.index("The US-Taliban peace deal")
    assert re.search(r'<a href="[^"]+">Khalilzad meets Gen Qamar', html)
    # The comment block.
    assert ">Comments <" in html or ">Comments<" in html
    assert "Comments are moderated and generally will be posted if they are on-topic and not abusive." in html
    assert 'href="/comments/faq/"' in html and "Comments FAQ" in html


def test_related_link_points_at_our_article_when_we_have_it(client):
    article = make_seed_article()
    other = make_article(
        headline="Khalilzad meets Gen Qamar amid deadlock in Afghan peace process", slug="khalilzad-meets"
    )
    html = client.get(article.get_absolute_url()).content.decode()
    assert f'href="{other.get_absolute_url()}"' in html


def test_uploaded_photo_is_shown_instead_of_placeholder(client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    article = make_article(photo_caption="A caption.", photo_credit="AFP")
    gif = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
    article.photo = SimpleUploadedFile("p.gif", gif, content_type="image/gif")
    article.save()
    html = client.get(article.get_absolute_url()).content.decode()
    assert article.photo.url in html and "placeholder.svg" not in html
    assert "A caption." in html and "AFP" in html


def test_list_and_search(client):
    make_seed_article()
    make_article(headline="Budget passes")
    html = client.get("/").content.decode()
    assert "US seeks Pakistan" in html and "Budget passes" in html
    html = client.get("/?q=pakistan").content.decode()
    assert "US seeks Pakistan" in html and "Budget passes" not in html


def test_unknown_article_is_a_proper_404(client):
    response = client.get("/articles/no-such-story/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


def test_unpublished_article_is_404(client):
    article = make_article(is_published=False)
    assert client.get(article.get_absolute_url()).status_code == 404


def test_faq_page_explains_the_policy(client):
    html = client.get("/comments/faq/").content.decode()
    assert "Comments are moderated and generally will be posted if they are on-topic and not abusive." in html
    assert "Off-topic" in html and "Abusive" in html
    # What the filter does with a likely off-topic comment, as the live policy says (it holds only strong cases).
    assert "are published and shown to a moderator, who may remove them; only a comment clearly about" in html


def test_the_faq_says_off_topic_comments_are_published_when_the_policy_flags_them(client):
    from policies.models import ModerationPolicy
    from policies.selectors import active_policy_record, forget_active_policy

    ModerationPolicy.objects.filter(pk=active_policy_record().pk).update(off_topic_action="flag")
    forget_active_policy()
    html = client.get("/comments/faq/").content.decode()
    assert "are published and shown to a moderator, who may remove them." in html
    assert "held for a moderator first" not in html


def test_content_security_policy_forbids_inline_script(client):
    make_seed_article()
    response = client.get("/")
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp


def test_article_written_in_the_admin_with_a_photo(admin_client, client, settings, tmp_path):
    import io

    from PIL import Image

    from articles.models import Article

    settings.MEDIA_ROOT = tmp_path
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "navy").save(buffer, format="PNG")
    photo = SimpleUploadedFile("harbour.png", buffer.getvalue(), content_type="image/png")
    response = admin_client.post(
        "/admin/articles/article/add/",
        {
            "headline": "Harbour reopens after storm",
            "slug": "harbour-reopens",
            "standfirst": "Ferries run again.",
            "is_published": "on",
            "source": "Local Wire",
            "published_on": "2022-03-04",
            "dateline": "DOVER",
            "photo": photo,
            "photo_caption": "The first ferry leaves.",
            "photo_credit": "J. SMITH",
            "body": "The harbour reopened on Friday.\r\n\r\nCrews worked all week.",
            "related_links-TOTAL_FORMS": "1",
            "related_links-INITIAL_FORMS": "0",
            "related_links-0-after_paragraph": "1",
            "related_links-0-headline": "Storm damage costs rise",
            "related_links-0-url": "https://example.com/storm",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    article = Article.objects.get(slug="harbour-reopens")
    assert (article.photo.name or "").endswith(".png")
    html = client.get(article.get_absolute_url()).content.decode()
    assert article.photo.url in html and "J. SMITH" in html
    assert '<span class="nr-dateline">DOVER:</span> The harbour reopened on Friday.' in html
    assert html.index("The harbour reopened") < html.index("Storm damage costs rise") < html.index("Crews worked")
    assert client.get(article.photo.url).status_code == 200


def test_favicon_is_served(client):
    response = client.get("/favicon.ico", follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[0][0].endswith("newsroom/favicon.svg")


def test_a_story_published_on_another_site_is_read_there_and_not_listed_here(client):
    make_seed_article()
    elsewhere = make_article(
        headline="Hosted elsewhere", slug="elsewhere", body="", canonical_url="https://paper.example/s"
    )
    response = client.get(elsewhere.get_absolute_url())
    assert response.status_code == 302 and response["Location"] == "https://paper.example/s"
    listing = client.get("/").content.decode()
    assert "US seeks Pakistan" in listing and "Hosted elsewhere" not in listing
    assert "Hosted elsewhere" not in client.get("/?q=Hosted").content.decode()


def test_no_form_sent_here_shows_an_embedded_storys_title_as_a_page_of_ours(client):
    story = make_article(headline="ATTACKER HEADLINE", slug="attack", body="", canonical_url="https://paper.example/a")
    response = client.post(f"/articles/{story.slug}/comments/", {"email": "bad", "body": ""})
    assert response.status_code == 302 and response["Location"] == "https://paper.example/a"
    assert b"ATTACKER HEADLINE" not in response.content
