import pytest

from factories import make_seed_article

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_reader_sees_the_article(live_server, page):
    article = make_seed_article()
    page.goto(live_server.url + article.get_absolute_url())
    assert page.locator("h1").inner_text() == "US seeks Pakistan's help for intra-Afghan dialogue"
    assert "Khalilzad also sought Islamabad" in page.locator(".nr-standfirst").inner_text()
    assert page.locator("time").first.get_attribute("datetime") == "2020-05-10"
    # The seed carries a caption but no picture: the caption stands alone, with no empty grey block.
    caption = page.locator(".nr-caption-only").inner_text()
    assert "Zalmay Khalilzad" in caption and "REUTERS/FILE" in caption
    assert page.locator("figure, img").count() == 0
    # "N comments" by the headline takes the reader down to the section.
    page.locator(".nr-count-link").click()
    page.wait_for_url("**#comments")
    assert page.locator(".nr-body p").first.inner_text().startswith("KARACHI: The US has asked Pakistan")
    assert page.locator(".nr-body p").count() == 10
    related = page.get_by_role("link", name="Khalilzad meets Gen Qamar amid deadlock in Afghan peace process")
    assert related.is_visible()
    # Bootstrap's stylesheet is served locally and applied (no CDN).
    assert page.locator("body").evaluate("b => getComputedStyle(b).fontFamily") != "Times New Roman"
    comments = page.locator("#comments")
    assert (
        "Comments are moderated and generally will be posted if they are on-topic and not abusive."
        in comments.inner_text()
    )
    page.get_by_role("link", name="Comments FAQ").last.click()
    page.wait_for_url("**/comments/faq/")
    page.go_back()
    page.set_viewport_size({"width": 390, "height": 844})
    # Readable on a phone: nothing wider than the screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(page.shots / "article.png"), full_page=True)
    assert (page.shots / "article.png").stat().st_size > 10_000
    assert page.dialogs == []
    assert page.console_errors == []
