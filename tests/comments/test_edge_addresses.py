"""Addresses at the edges, through the real form, on whichever database the run uses (CI runs SQLite and
PostgreSQL): no field can wedge a comment.

An address of an internationalised domain used to make an unsubscribe link of over 500 characters (the
address, signed, in the link): on PostgreSQL each later post from it was a 500, a reply to it was lost,
and a decision on its held comment rolled back and stayed in the queue for good. Each address here posts
with replies asked for, is answered, confirms from the emailed link and is decided on both ways; every
stored value fits its column (checked here too, as SQLite does not), every emailed link opens, and
every email is sent.
"""

from __future__ import annotations

import re
from unittest import mock
from urllib.parse import urlsplit

import pytest
from django.core import signing
from django.core.management import call_command
from django.db import models
from django.test import Client
from django.utils import timezone

from commenters.models import Commenter
from commenters.services import normalise_email
from comments.emails import CONFIRM_SALT
from comments.models import Comment, ModerationEvent
from comments.services import comment_approve, comment_post, comment_reject
from factories import HOLD_ALL, comment_form_data, make_seed_article
from outbox.models import EmailOptOut, OutboundEmail, Recipient
from outbox.services import UNSUBSCRIBE_SALT

pytestmark = pytest.mark.django_db

# Chinese labels, each as long as DNS allows: few repeats for compression to find, so the address signed
# into a link made one of some 850 characters (and of some 500 for the first five labels alone).
CHINESE = (
    "多哈和谈新闻读者评论区巴基斯坦与塔利班.的关系国际新闻中心美国寻求帮助阿富汗和.平进程谈判代表团外交部发言人表示双方将"
    ".继续对话以达成协议并释放囚犯停火安排.正在讨论之中联合国安理会欢迎此举各方应"
)
CHINESE_MORE = (
    ".保持克制伊斯兰堡官员周一说他们愿意在会谈中.发挥作用但强调最终决定权属于阿富汗人自.己分析人士认为巴方对塔利班领导层的影响"
    ".力有限而且各派系之间的分歧可能使任何协议.都难以落实记者从喀布尔和白沙瓦发回报.道说当地民众对和平前景既抱有希望又心存.疑虑"
)
# 207 characters once written for mail ("xn--…"), 180 as typed.
GERMAN = (
    "nachrichten-über-die-gespräche-in-doha-für-leser.zeitungsverlag-köln-düsseldorf-und-münchen"
    ".bücherstube-für-alle-leserinnen-und-leser.straße-der-presse-freiheit-und-der-wahrheit.de"
)
EDGES = {
    "plus-addressing": "amina+doha.talks@example.com",
    "idn-domain-of-100-characters": (
        "leser@verhandlungen-über-afghanistan-in-doha.nachrichten-für-leserinnen-und-leser.zeitungsverlag-köln-bonn.de"
    ),
    "chinese-domain": "du.zhe@多哈和谈新闻读者评论区.中国",
    # 254, the most an address may have: a 64-character local part with a "+tag", labels of 63 characters.
    "254-characters": (
        "amina.khan+comments.on.the.doha.talks.and.pakistans.part.in.them@"
        "readers-of-the-talks-in-doha-between-washington-and-the-taliban"
        ".with-pakistan-as-the-go-between-for-the-exchange-of-prisoners"
        ".comments-desk-of-the-newsroom-in-islamabad-and-doha.example.org"
    ),
    "254-characters-written-for-mail": f"amina.khan+comments.on.the.doha.talks.in.qatar@{GERMAN}",
    "capitals-in-an-idn": "Bilal.Khan+Replies@ZEITUNGSVERLAG-KÖLN.de",
}
# Addresses the form refuses, saying why, with the text kept: none can be mailed as given.
REFUSED = {
    # Django's mailer has no SMTPUTF8: it would send to another, mangled, mailbox.
    "unicode-local-part": ("アミナ@example.jp", "letters other than a–z before the @"),
    "unicode-local-part-and-domain": ("müller@bücher.de", "letters other than a–z before the @"),
    # A label of 100 characters, or of 60 that take more than 63 once written in ASCII, cannot exist in DNS.
    "idn-label-of-100-characters": ("leser@" + "ü" * 100 + ".de", "Enter a valid email address"),
    "idn-label-too-long-once-encoded": (
        "leser@nachrichten-über-die-gespräche-in-doha-für-unsere-leserinnen.de",
        "part of its domain is too long",
    ),
    "255-characters": ("x" + EDGES["254-characters"], "at most 254 characters"),
    # Mail servers take at most 254 characters (RFC 5321), counted in the "xn--" form an IDN is sent in.
    "chinese-domain-of-100-characters": (f"du.zhe@{CHINESE}.中国", "too long to email"),
    "254-characters-chinese": (f"du.zhe+comments.on.the.doha@{CHINESE}{CHINESE_MORE}.中国", "too long to email"),
    "255-written-for-mail": ("x" + EDGES["254-characters-written-for-mail"], "too long to email"),
    # 254 once written for mail, more once lower-cased: "İ" becomes "i" and a combining dot.
    "longer-once-lower-cased": (
        EDGES["254-characters-written-for-mail"].replace("köln", "kİln"),
        "too long to email",
    ),
}


def test_the_edges_are_where_they_say():
    def written(address):
        local, _, domain = address.rpartition("@")
        return f"{local}@{domain.encode('idna').decode()}"

    assert len(EDGES["254-characters"]) == len(written(EDGES["254-characters-written-for-mail"])) == 254
    assert 100 <= len(EDGES["idn-domain-of-100-characters"].partition("@")[2]) < 110
    chinese_100, _ = REFUSED["chinese-domain-of-100-characters"]
    chinese_254, _ = REFUSED["254-characters-chinese"]
    assert 100 <= len(chinese_100.partition("@")[2]) < 110 and len(chinese_254) == 254


def post_url(article):
    return f"/articles/{article.slug}/comments/"


def post(client, article, email, body, *, parent=None, name="Amina"):
    data = comment_form_data(name=name, email=email, body=body, notify="on", parent=parent.pk if parent else "")
    with mock.patch("comments.services.live_policy", return_value=HOLD_ALL):  # each one waits for a moderator
        response = client.post(post_url(article), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    return Comment.objects.get(submission_token=data["token"])


def link_in(text, path):
    (link,) = re.findall(rf"https?://\S+{re.escape(path)}\S+", text)
    return link


def opens(client, link, shown):
    page = client.get(urlsplit(link).path)
    assert page.status_code == 200 and shown in page.content.decode(), link
    return page


def assert_every_value_fits_its_column():
    """PostgreSQL refuses a value longer than its column; SQLite stores it. Both runs check it here."""
    for model in (Comment, ModerationEvent, Commenter, OutboundEmail, Recipient, EmailOptOut):
        for field in model._meta.concrete_fields:
            if isinstance(field, models.CharField) and field.max_length:  # EmailField and URLField too
                values = model.objects.values_list(field.attname, flat=True)
                longest = max((len(v) for v in values if v), default=0)
                assert longest <= field.max_length, (model.__name__, field.name, longest)


@pytest.mark.parametrize("address", EDGES.values(), ids=EDGES.keys())
def test_an_address_at_the_edge_posts_is_answered_confirms_and_is_decided_both_ways(address, smtp, admin_user):
    email = normalise_email(address)
    article = make_seed_article()
    reader, other = Client(), Client()

    first = post(reader, article, address, "Pakistan's leverage over the Taliban is overstated.")
    assert (first.status, first.author_email, first.notify_replies) == (Comment.Status.HELD, email, True)
    confirm = OutboundEmail.objects.get(kind=OutboundEmail.Kind.CONFIRM, to=email)
    link = link_in(confirm.body, "/comments/confirm/")
    assert len(link) < 150  # a signed id, not the address
    opens(reader, link, "Confirm my address")
    assert reader.post(urlsplit(link).path).status_code == 200
    assert Commenter.objects.get(email=email).confirmed_at is not None

    comment_approve(comment=first, actor=admin_user)
    answer = post(other, article, "ben@example.com", "Overstated? Rawalpindi hosts them.", parent=first, name="Ben")
    comment_approve(comment=answer, actor=admin_user)  # published: the reader asked to hear of it
    again = post(reader, article, address, "It hosts them, and still cannot make them sign.", parent=answer)
    comment_reject(comment=again, actor=admin_user, reason="other", note="Kept to the story, please.")

    first.refresh_from_db(), again.refresh_from_db()
    assert (first.status, again.status) == (Comment.Status.PUBLISHED, Comment.Status.REJECTED)
    assert not Comment.objects.needing_review().exists()  # nothing stuck in the queue
    emails = list(OutboundEmail.objects.filter(to=email).order_by("pk"))
    assert [e.kind for e in emails] == ["confirm", "decision", "reply", "decision"]
    for sent in emails:
        assert sent.unsubscribe_url and sent.unsubscribe_url in sent.body and len(sent.unsubscribe_url) < 150
        opens(Client(), sent.unsubscribe_url, "Stop these emails")
    assert_every_value_fits_its_column()

    call_command("send_outbox")
    assert not OutboundEmail.objects.filter(sent_at__isnull=True).exists()
    assert not OutboundEmail.objects.exclude(last_error="").exists()
    domain = email.rpartition("@")[2].encode("idna").decode()
    assert {m["X-Envelope-To"] for m in smtp.messages if "Ben" not in str(m["To"])} >= {
        f"{email.rpartition('@')[0]}@{domain}"
    }

    # The link stops the emails (a mail program's one-click POST), and the next decision writes none.
    assert Client().post(urlsplit(emails[0].unsubscribe_url).path).status_code == 200
    assert EmailOptOut.objects.filter(email=email).exists()
    last = post(reader, article, address, "One more on the Doha talks.")
    comment_approve(comment=last, actor=admin_user)
    assert not OutboundEmail.objects.filter(to=email, comment=last).exists()
    assert_every_value_fits_its_column()


@pytest.mark.parametrize(("address", "message"), REFUSED.values(), ids=REFUSED.keys())
def test_an_address_that_cannot_be_stored_or_mailed_is_refused_with_the_reason_and_the_text_kept(
    client, address, message
):
    article = make_seed_article()
    response = client.post(post_url(article), comment_form_data(email=address, body="My words on Doha, kept."))
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html and "My words on Doha, kept." in html
    assert not Comment.objects.exists() and not Commenter.objects.exists() and not OutboundEmail.objects.exists()


def test_links_sent_before_they_carried_an_id_still_open(client):
    """Emails already sent name the address itself in their links: those keep working."""
    address = EDGES["idn-domain-of-100-characters"]
    unsubscribe = signing.dumps(address, salt=UNSUBSCRIBE_SALT, compress=True)
    confirm = signing.dumps(address, salt=CONFIRM_SALT, compress=True)
    assert "Stop these emails" in client.get(f"/comments/unsubscribe/{unsubscribe}/").content.decode()
    assert "Confirm my address" in client.get(f"/comments/confirm/{confirm}/").content.decode()
    assert client.post(f"/comments/unsubscribe/{unsubscribe}/").status_code == 200
    assert EmailOptOut.objects.filter(email=address).exists()
    # An id that is not signed here opens nothing.
    assert client.get(f"/comments/unsubscribe/{signing.dumps(1, salt='another')}/").status_code == 400


# Rows the form now refuses may be stored already (posted before it checked, or by a path other than the
# form): a decision on their comments, and a reply to them, never fail for their address.
STORED_BEFORE = {key: REFUSED[key][0] for key in ("chinese-domain-of-100-characters", "254-characters-chinese")}


@pytest.mark.parametrize("address", STORED_BEFORE.values(), ids=STORED_BEFORE.keys())
def test_a_stored_address_no_mail_server_takes_never_stops_a_decision_or_a_reply(address, smtp, admin_user):
    email = normalise_email(address)
    article = make_seed_article()

    def posted(author_email, body, parent=None):
        with mock.patch("comments.services.live_policy", return_value=HOLD_ALL):
            return comment_post(
                article=article, author_name="Du Zhe", author_email=author_email, body=body, parent=parent,
                notify_replies=True,
            ).comment  # fmt: skip

    first = posted(address, "Pakistan's leverage over the Taliban is overstated.")
    confirm = OutboundEmail.objects.get(kind=OutboundEmail.Kind.CONFIRM, to=email)
    opens(Client(), link_in(confirm.body, "/comments/confirm/"), "Confirm my address")
    Commenter.objects.filter(email=email).update(confirmed_at=timezone.now())
    comment_approve(comment=first, actor=admin_user)
    answer = posted("ben@example.com", "Overstated? Rawalpindi hosts them.", parent=first)
    comment_approve(comment=answer, actor=admin_user)
    again = posted(address, "It hosts them, and still cannot make them sign.", parent=answer)
    comment_reject(comment=again, actor=admin_user, reason="other", note="Kept to the story, please.")

    assert [c.status for c in Comment.objects.filter(author_email=email).order_by("pk")] == ["published", "rejected"]
    emails = list(OutboundEmail.objects.filter(to=email).order_by("pk"))
    assert [e.kind for e in emails] == ["confirm", "decision", "reply", "decision"]
    for queued in emails:
        assert queued.unsubscribe_url and queued.unsubscribe_url in queued.body
        opens(Client(), queued.unsubscribe_url, "Stop these emails")
    used = Client().get(urlsplit(link_in(emails[0].body, "/comments/confirm/")).path)  # confirmed since: used
    assert used.status_code == 400 and "This link has been used already" in used.content.decode()
    assert_every_value_fits_its_column()
    # Beyond RFC 5321's limit: a server may take it or not (this one refuses the longest); either way each
    # email is sent or its failure is recorded on it, to be tried again.
    call_command("send_outbox")
    assert all(e.sent_at or e.last_error for e in OutboundEmail.objects.filter(to=email))
