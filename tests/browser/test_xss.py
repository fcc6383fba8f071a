"""Stored-XSS payloads in comment bodies and author names: none may run, all must show as text."""

from pathlib import Path

import pytest

from comments.models import Comment
from factories import make_comment, make_seed_article

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PAYLOADS = [
    line
    for line in (Path(__file__).parents[1] / "data" / "xss_payloads.txt").read_text(encoding="utf-8").splitlines()
    if line
]


def test_payloads_are_inert(live_server, page, settings):
    settings.COMMENTS_THREADS_PER_PAGE = 100
    assert len(PAYLOADS) >= 50
    article = make_seed_article()
    for payload in PAYLOADS:
        comment = make_comment(article, name=payload[:50], body=payload)
        assert comment.status == Comment.Status.PUBLISHED
    page.goto(live_server.url + article.get_absolute_url())
    page.wait_for_timeout(500)  # give any payload time to fire
    assert page.dialogs == []
    comments = page.locator(".nr-comment")
    assert comments.count() == len(PAYLOADS)
    injected = page.evaluate(
        """() => {
            const bodies = [...document.querySelectorAll('.nr-comment-body, .nr-author')];
            const bad = [];
            for (const node of bodies) {
                if (node.querySelector('*:not(br)')) bad.push('element in ' + node.className + ': ' + node.innerHTML.slice(0, 80));
            }
            for (const el of document.querySelectorAll('*')) {
                for (const attr of el.attributes) {
                    if (attr.name.startsWith('on')) bad.push('handler ' + attr.name + ' on ' + el.tagName);
                }
            }
            for (const a of document.querySelectorAll('a[href]')) {
                if (/^\\s*(javascript|data):/i.test(a.getAttribute('href'))) bad.push('link ' + a.getAttribute('href'));
            }
            if (document.body.dataset.pwned) bad.push('body was modified');
            if (document.querySelectorAll('script').length !== 1) bad.push(document.querySelectorAll('script').length + ' scripts');
            return bad;
        }"""
    )
    assert injected == []
    text = page.locator("#comments").inner_text()
    for payload in ("<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "<svg onload=alert(1)>"):
        assert payload in text  # shown, as text
    # Interacting does not trigger anything either.
    page.locator(".nr-comment-body").first.hover()
    page.locator(".nr-comment-body").nth(44).click()
    assert page.dialogs == []
    page.screenshot(path=str(page.shots / "xss.png"), full_page=False)
