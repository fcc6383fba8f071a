"""Two addresses of one page are one story; the text of an HTML comment is what its reader wrote."""

from transfer.formats import html_to_text
from transfer.stories import canonical_url, story_key


def test_addresses_of_one_page_share_a_key():
    same = [
        "https://paper.example/2024/doha/",
        "http://paper.example/2024/doha",
        "https://WWW.Paper.Example/2024/doha/?utm_source=x&fbclid=1#comments",
        "https://paper.example:443/2024/doha",
    ]
    assert len({story_key(url) for url in same}) == 1


def test_a_query_that_names_a_page_is_kept_and_other_addresses_differ():
    assert story_key("https://paper.example/?p=12") != story_key("https://paper.example/?p=13")
    assert story_key("https://paper.example/?b=2&a=1") == story_key("https://paper.example/?a=1&b=2")
    assert story_key("https://paper.example/doha") != story_key("https://paper.example/doha-2")
    assert story_key("https://other.example/doha") != story_key("https://paper.example/doha")


def test_what_is_not_a_web_address_has_no_key():
    for url in ("", "post-12", "ftp://paper.example/doha", "https://user:pw@paper.example/", "http://host:99999/"):
        assert story_key(url) is None
        assert canonical_url(url) is None


def test_a_created_story_keeps_its_address_without_tracking_or_fragment():
    assert (
        canonical_url("HTTPS://Paper.Example/2024/Doha/?utm_medium=x&p=3#c") == "https://paper.example/2024/Doha/?p=3"
    )
    assert canonical_url("https://paper.example/" + "a" * 600) is None  # longer than the column


def test_html_becomes_the_plain_text_a_reader_wrote():
    assert html_to_text("<p>One &amp; two.</p><p>Three<br>four <a href='x'>link</a></p>") == (
        "One & two.\n\nThree\nfour link"
    )
    assert html_to_text("Plain\n\n\n\ntext  ") == "Plain\n\ntext"
    assert html_to_text("<script>alert(1)</script>") == "alert(1)"  # shown escaped, as every comment is
