"""Direct contacts: threads, messages, who reads them, and what goes out by e-mail because of them.

Threads are read by their participants only (named people, everyone in a named office); a thread
on a partnership also needs sight of the partnership. Every way of reading (the thread page, the
inbox, search, attachments, the live stream, `policy.visible`) must agree.
"""

import hashlib
import re
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from regionbridge import policy
from regionbridge.accounts.models import NotificationMode, RoleAssignment, User
from regionbridge.accounts.services import role_assign, user_create
from regionbridge.audit.models import AuditEntry
from regionbridge.messaging import live, replies, search, selectors, services
from regionbridge.messaging.digest import digests_queue
from regionbridge.messaging.models import (
    Attachment,
    Mention,
    Message,
    MessageRevision,
    Participant,
    Thread,
)
from regionbridge.messaging.text import ALLOWED_TAGS
from regionbridge.outbox.models import OutboundEmail
from regionbridge.outbox.tasks import deliver_due
from regionbridge.partnerships import clearance
from regionbridge.partnerships import services as partnerships
from regionbridge.partnerships.models import Partnership
from tests.conftest import close_response, org, region
from tests.factories import PersonFactory, UserFactory
from tests.test_stream import Stream, bus_of_its_own

pytestmark = pytest.mark.django_db

Action = policy.Action

PDF_BYTES = (
    b"%PDF-1.4\n"
    b"1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
    b"trailer\n<< /Root 1 0 R >>\n%%EOF\n"
)
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


# --- helpers --------------------------------------------------------------------------------


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def pdf(name: str = "note.pdf", content: bytes = PDF_BYTES) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def stored_files(root) -> list:
    return [path for path in root.rglob("*") if path.is_file()]


def start(by, subject: str = "Test thread", **kwargs) -> Thread:
    return services.thread_create(by=by, subject=subject, **kwargs)


def start_before_the_rule(by, *, users=(), organizations=(), **kwargs) -> Thread:
    """A thread whose participants were added before the invitation rules (or before its tie
    became confidential): some of them could not be invited today, and must still read nothing."""
    thread = start(by, **kwargs)
    for user in users:
        Participant.objects.create(thread=thread, user=user)
    for organization in organizations:
        Participant.objects.create(thread=thread, organization=organization)
    return thread


def post(thread: Thread, author, body: str = "Hello", **kwargs) -> Message:
    return services.message_post(thread=thread, author=author, body=body, **kwargs)


def tie(ukrainian: str, partner: str, *, confidential: bool = False) -> Partnership:
    return partnerships.partnership_create(
        by=None,
        ukrainian_region=region(ukrainian),
        partner_region=region(partner),
        confidential=confidential,
    )


def chernihiv_minnesota() -> Partnership:
    """The confidential negotiation between Chernihiv Oblast and Minnesota."""
    return tie("UA-74", "US-MN", confidential=True)


def member(role: str, **binding) -> User:
    user = UserFactory()
    role_assign(user=user, role=role, **binding)
    return user


def recipients(message: Message) -> list[str]:
    return sorted(
        OutboundEmail.objects.filter(key__startswith=f"message:{message.pk}:").values_list(
            "to", flat=True
        )
    )


def rendered(message: Message, to: str) -> OutboundEmail:
    """The notification of `message` to `to` as the worker renders and sends it."""
    deliver_due()
    return OutboundEmail.objects.get(key=f"message:{message.pk}:{to}")


def token_of(address: str) -> str:
    local, domain = settings.REPLY_ADDRESS.split("@")
    match = re.fullmatch(rf"{re.escape(local)}\+(?P<token>[^@]+)@{re.escape(domain)}", address)
    assert match, address
    return match["token"]


def who_takes_part(thread: Thread) -> set:
    return {(p.user_id, p.organization_id, p.guest_email) for p in thread.participants.all()}


# --- starting a thread ------------------------------------------------------------------------


def test_the_author_takes_part_with_the_people_and_offices_named(zhytomyr, indiana):
    mfa = org("mfa")
    thread = start(
        zhytomyr,
        users=[indiana],
        organizations=[mfa],
        guests=[("Emma@Partner.Example", "Emma Hoosier")],
    )
    assert thread.created_by == zhytomyr
    assert who_takes_part(thread) == {
        (zhytomyr.pk, None, ""),
        (indiana.pk, None, ""),
        (None, mfa.pk, ""),
        (None, None, "emma@partner.example"),  # guests by e-mail, in lower case
    }
    assert thread.participants.get(guest_email="emma@partner.example").guest_name == (
        "Emma Hoosier"
    )
    assert services.guest_emails(thread) == ["emma@partner.example"]
    assert AuditEntry.objects.filter(
        action="thread.created", target_type="messaging.thread", target_id=str(thread.pk)
    ).exists()
    assert not thread.messages.exists()


def test_people_with_accounts_take_part_as_users_the_others_as_guests(zhytomyr, indiana):
    thread = start(zhytomyr, guests=[("INDIANA@example.org", ""), ("new@partner.example", "")])
    assert thread.participants.filter(user=indiana).exists()
    assert not thread.participants.filter(guest_email__iexact="indiana@example.org").exists()
    assert services.guest_emails(thread) == ["new@partner.example"]


def test_a_deactivated_account_takes_part_only_as_a_guest(zhytomyr):
    gone = UserFactory(email="gone@example.org", is_active=False)
    thread = start(zhytomyr, guests=[("gone@example.org", "")])
    assert not thread.participants.filter(user=gone).exists()
    assert services.guest_emails(thread) == ["gone@example.org"]


def test_naming_someone_twice_makes_one_participant(zhytomyr, indiana):
    mfa = org("mfa")
    thread = start(
        zhytomyr,
        users=[indiana, indiana, zhytomyr],
        organizations=[mfa, mfa],
        guests=[("a@partner.example", ""), ("A@Partner.Example", ""), ("indiana@example.org", "")],
    )
    assert thread.participants.count() == 4  # zhytomyr, indiana, the MFA, a@partner.example


def test_the_first_message_comes_with_the_thread(zhytomyr, indiana):
    thread = start(zhytomyr, users=[indiana], body="Shall we meet in May?")
    message = thread.messages.get()
    assert message.author == zhytomyr
    assert message.body == "Shall we meet in May?"
    thread.refresh_from_db()
    assert thread.last_message_at == message.created_at


@pytest.mark.parametrize("name", ["anonymous", "outsider"])
def test_only_members_start_threads(request, name):
    user = AnonymousUser() if name == "anonymous" else request.getfixturevalue(name)
    with pytest.raises(PermissionDenied):
        start(user, body="Hello")
    assert not Thread.objects.exists()


@pytest.mark.parametrize(("subject", "kind"), [("   ", "topic"), ("Fine", "gossip")])
def test_a_thread_needs_a_subject_and_a_known_kind(zhytomyr, subject, kind):
    with pytest.raises(ValidationError):
        start(zhytomyr, subject=subject, kind=kind)
    assert not Thread.objects.exists()


@pytest.mark.parametrize("name", ["zhytomyr", "indiana", "institution_user"])
def test_a_thread_on_a_partnership_needs_sight_of_it(request, name):
    user = request.getfixturevalue(name)
    secret = chernihiv_minnesota()
    assert not policy.can(user, Action.PARTNERSHIP_VIEW, secret)
    with pytest.raises(PermissionDenied):
        start(user, partnership=secret, body="What are they negotiating?")
    assert not Thread.objects.exists()
    assert not Message.objects.exists()


@pytest.mark.parametrize("name", ["chernihiv", "embassy", "ministry", "coordinator"])
def test_whoever_sees_the_negotiation_may_start_a_thread_on_it(request, name):
    user = request.getfixturevalue(name)
    thread = start(user, partnership=chernihiv_minnesota())
    assert thread.partnership.confidential
    assert policy.can(user, Action.THREAD_VIEW, thread)


def test_a_thread_on_a_document_is_on_its_partnership(chernihiv, zhytomyr):
    secret = chernihiv_minnesota()
    draft = clearance.document_create(
        partnership=secret, kind="memorandum", by=None, title_en="Draft memorandum"
    )
    thread = start_before_the_rule(chernihiv, document=draft, users=[zhytomyr])
    assert thread.partnership == secret
    assert not policy.can(zhytomyr, Action.THREAD_VIEW, thread)
    with pytest.raises(PermissionDenied):
        start(zhytomyr, document=draft)


def test_the_new_thread_page_starts_a_thread(client, zhytomyr, indiana):
    client.force_login(zhytomyr)
    response = client.post(
        reverse("messaging:create"),
        {
            "subject": "Hospital twinning",
            "kind": "topic",
            "people": "indiana@example.org\nNew.Person@Partner.Example",
            "organizations": [org("mfa").pk],
            "body": "Shall we start?",
        },
    )
    thread = Thread.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("messaging:thread", args=[thread.pk])
    assert who_takes_part(thread) == {
        (zhytomyr.pk, None, ""),
        (indiana.pk, None, ""),
        (None, org("mfa").pk, ""),
        (None, None, "new.person@partner.example"),
    }
    assert thread.messages.get().body == "Shall we start?"


def test_the_new_thread_page_starts_a_thread_on_a_partnership_one_sees(client, chernihiv):
    secret = chernihiv_minnesota()
    client.force_login(chernihiv)
    form = client.get(reverse("messaging:create") + f"?partnership={secret.pk}")
    assert form.status_code == 200
    assert f'value="{secret.pk}"' in form.content.decode()
    response = client.post(
        reverse("messaging:create"),
        {
            "subject": "Terms",
            "kind": "topic",
            "partnership": secret.pk,
            "organizations": [org("rma-UA-74").pk],  # at least one recipient (tests/test_contact)
        },
    )
    assert response.status_code == 302
    assert Thread.objects.get().partnership == secret


@pytest.mark.parametrize("name", ["zhytomyr", "indiana", "institution_user"])
def test_the_new_thread_page_refuses_a_partnership_one_does_not_see(client, request, name):
    secret = chernihiv_minnesota()
    client.force_login(request.getfixturevalue(name))
    response = client.post(
        reverse("messaging:create"),
        {"subject": "Peek", "kind": "topic", "partnership": secret.pk, "body": "Hi"},
    )
    assert response.status_code == 404
    assert not Thread.objects.exists()
    assert not Message.objects.exists()


def test_the_partnership_page_lists_only_ones_own_threads(client, chernihiv, embassy, ministry):
    secret = chernihiv_minnesota()
    start(chernihiv, subject="With the embassy", users=[embassy], partnership=secret)
    start(chernihiv, subject="Chernihiv alone", partnership=secret)
    client.force_login(embassy)
    page = client.get(reverse("partnerships:detail", args=[secret.pk])).content.decode()
    assert "With the embassy" in page
    assert "Chernihiv alone" not in page
    client.force_login(ministry)  # sees the negotiation, takes part in neither thread
    page = client.get(reverse("partnerships:detail", args=[secret.pk])).content.decode()
    assert "With the embassy" not in page and "Chernihiv alone" not in page


def test_the_new_thread_page_refuses_a_bad_address(client, zhytomyr):
    client.force_login(zhytomyr)
    response = client.post(
        reverse("messaging:create"), {"subject": "Hi", "kind": "topic", "people": "not-an-address"}
    )
    assert response.status_code == 400
    assert not Thread.objects.exists()


# --- guests who get an account ---------------------------------------------------------------


def test_a_guest_who_gets_an_account_takes_part_with_it(zhytomyr):
    thread = start(zhytomyr, guests=[("emma@partner.example", "Emma")])
    other = start(zhytomyr, subject="Another", guests=[("emma@partner.example", "")])
    user = user_create(email="Emma@Partner.Example", password=None, full_name="Emma")
    for each in (thread, other):
        assert each.participants.filter(user=user).exists()
        assert services.guest_emails(each) == []
        # Without a role, through the thread alone.
        assert policy.can(user, Action.THREAD_VIEW, each)
    assert set(policy.visible(user, Thread)) == {thread, other}
    message = post(thread, zhytomyr, "Welcome aboard")
    assert recipients(message) == ["emma@partner.example"]  # once, as the account


def test_guests_claim_counts_and_touches_nobody_else(zhytomyr):
    thread = start(zhytomyr, guests=[("a@partner.example", ""), ("b@partner.example", "")])
    user = UserFactory(email="a@partner.example")
    assert services.guests_claim(user=user) == 1
    assert services.guest_emails(thread) == ["b@partner.example"]
    assert services.guests_claim(user=user) == 0


def test_a_reply_token_issued_to_a_guest_still_works_after_they_claim_an_account(zhytomyr):
    thread = start(zhytomyr, guests=[("emma@partner.example", "")])
    message = post(thread, zhytomyr, "Before the account")
    row = rendered(message, "emma@partner.example")
    user_create(email="emma@partner.example", password=None)
    read = replies.read_reply_token(token_of(row.reply_to))
    assert (read.thread_id, read.email) == (thread.pk, "emma@partner.example")


# --- what a message may contain ---------------------------------------------------------------

HOSTILE = {
    "script_tag": ('<script>alert("x")</script>', ["<script", "alert"]),
    "javascript_link": ("[click](javascript:alert(1))", ["javascript"]),
    "javascript_link_mixed_case": ('<a href="JaVaScRiPt:alert(1)">x</a>', ["javascript"]),
    "javascript_link_entity": ('<a href="javascript&#58;alert(1)">x</a>', ["javascript"]),
    "onerror_attribute": ("<img src=x onerror=alert(1)>", ["<img", "onerror", "alert"]),
    "onload_on_svg": ("<svg onload=alert(1)>", ["<svg", "onload"]),
    "onclick_on_allowed_tag": ('<p onclick="steal()">hi</p>', ["onclick", "steal"]),
    "onmouseover_on_a_link": (
        '<a href="https://ok.example" onmouseover="steal()">ok</a>',
        ["onmouseover", "steal"],
    ),
    "iframe": ('<iframe src="https://evil.example/"></iframe>', ["<iframe", "evil.example"]),
    "style_tag": ("<style>body{display:none}</style>", ["<style", "display"]),
    "style_attribute": ('<p style="position:fixed;top:0">x</p>', ["style", "position"]),
    "data_url_link": ("[x](data:text/html;base64,PHNjcmlwdD4=)", ["data:"]),
    "data_url_image": ("![x](data:image/svg+xml;base64,PHN2Zz4=)", ["data:", "<img"]),
    "form": ('<form action="https://evil.example"><input name=p></form>', ["<form", "<input"]),
    "entity_encoded_script": ("&lt;script&gt;alert(1)&lt;/script&gt;", ["<script"]),
    "numeric_entity_script": ("&#60;script&#62;alert(1)&#60;/script&#62;", ["<script"]),
    "html_comment_trick": ("<!--><script>alert(1)</script>-->", ["<script"]),
}


@pytest.mark.parametrize(
    ("body", "forbidden"), list(HOSTILE.values()), ids=[f"harmless_{k}" for k in HOSTILE]
)
def test_hostile_text_is_rendered_harmless(zhytomyr, indiana, body, forbidden):
    thread = start(zhytomyr, users=[indiana])
    message = post(thread, zhytomyr, body)
    html = message.body_html.lower()
    rendered = RenderedMarkup(message.body_html)
    markup = rendered.markup.lower()
    for fragment in forbidden:
        # Raw HTML is shown as text (escaped), so a word such as "onerror" may be read there, but
        # no tag opens ("<" is always &lt;) and no tag or attribute carries the fragment.
        if fragment.startswith("<"):
            assert fragment not in html, (fragment, message.body_html)
        assert fragment not in markup, (fragment, message.body_html)
    for tag, attrs in rendered.tags:
        assert tag in ALLOWED_TAGS, (tag, message.body_html)
        for name, value in attrs:
            assert tag == "a" and name in ("href", "rel"), (tag, name, message.body_html)
            if name == "href":
                assert value.lower().startswith(("http://", "https://", "mailto:")), value
    assert rendered.other == [], message.body_html  # no comment, doctype or processing instruction
    assert message.body == body  # the text itself is kept as written


class RenderedMarkup(HTMLParser):
    """Rendered text's markup: its tags (with attributes) as written, without the text."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.markup = ""
        self.other: list[str] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))
        self.markup += self.get_starttag_text() or ""

    def handle_endtag(self, tag):
        self.markup += f"</{tag}>"

    def handle_comment(self, data):
        self.other.append(data)

    handle_decl = handle_pi = unknown_decl = handle_comment


def test_entities_stay_text(zhytomyr):
    message = post(start(zhytomyr), zhytomyr, "&lt;b&gt;bold&lt;/b&gt; &amp; R&D")
    assert "<b>" not in message.body_html
    assert "&lt;b&gt;bold&lt;/b&gt;" in message.body_html
    assert "R&amp;D" in message.body_html


def test_links_lists_and_emphasis_survive(zhytomyr):
    body = (
        "See [the site](https://example.org/plan?a=1&b=2), *this* and **that**; "
        "write to [us](mailto:office@example.org).\n\n"
        "- one\n- two\n\n1. first\n2. second\n\n> quoted\n\n`code`"
    )
    html = post(start(zhytomyr), zhytomyr, body).body_html
    assert '<a href="https://example.org/plan?a=1&amp;b=2" rel="noopener noreferrer nofollow">' in (
        html
    )
    assert '<a href="mailto:office@example.org"' in html
    assert "<em>this</em>" in html
    assert "<strong>that</strong>" in html
    assert "<ul>" in html and "<li>one</li>" in html
    assert "<ol>" in html and "<li>second</li>" in html
    assert "<blockquote>" in html
    assert "<code>code</code>" in html


class Markup(HTMLParser):
    """The live markup of a page: its tags with their attributes, and what its scripts say."""

    def __init__(self, html: str):
        super().__init__()
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.script = ""
        self._in_script = False
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, {name: value or "" for name, value in attrs}))
        self._in_script = tag == "script"

    def handle_endtag(self, tag):
        self._in_script = False

    def handle_data(self, data):
        if self._in_script:
            self.script += data


def assert_no_live_hostile_markup(html: str) -> None:
    markup = Markup(html)
    assert "pwned" not in markup.script
    for tag, attrs in markup.tags:
        assert tag != "iframe", attrs
        assert attrs.get("src") != "x", (tag, attrs)  # the hostile <img>
        for name, value in attrs.items():
            assert not name.startswith("on"), (tag, attrs)
            assert name != "style", (tag, attrs)
            if name in ("href", "src", "action", "formaction"):
                assert not value.lower().startswith(("javascript:", "data:")), (tag, attrs)


HOSTILE_MESSAGE = (
    'Marmalade <script>alert("pwned")</script><img src=x onerror=alert("pwned")> '
    '[x](javascript:alert("pwned")) <iframe src="https://evil.example/"></iframe>'
)


def test_the_thread_page_and_search_show_no_hostile_markup(client, zhytomyr):
    thread = start(zhytomyr)
    post(thread, zhytomyr, HOSTILE_MESSAGE)
    client.force_login(zhytomyr)
    for url in (
        reverse("messaging:thread", args=[thread.pk]),
        reverse("messaging:search") + "?q=marmalade",
    ):
        content = client.get(url).content.decode()
        assert "Marmalade" in content, url
        assert_no_live_hostile_markup(content)


def test_a_quoted_hostile_message_stays_text(client, zhytomyr, indiana):
    thread = start(zhytomyr, users=[indiana])
    quoted = post(thread, zhytomyr, HOSTILE_MESSAGE)
    post(thread, indiana, "What was that?", reply_to=quoted)
    client.force_login(indiana)
    content = client.get(reverse("messaging:thread", args=[thread.pk])).content.decode()
    assert '<blockquote class="quote">' in content
    assert_no_live_hostile_markup(content)


def test_the_thread_page_shows_notices_not_messages_as_notices(client, zhytomyr):
    thread = start(zhytomyr)
    post(thread, zhytomyr, "Marmalade sandwiches")
    client.force_login(zhytomyr)
    response = client.post(
        reverse("messaging:participant_add", args=[thread.pk]),
        {"email": "guest@partner.example"},
        follow=True,
    )
    notices = re.findall(r'<p class="msg msg-[a-z]*">(.*?)</p>', response.content.decode())
    assert notices == ["Added."]


def test_a_hostile_subject_is_escaped_on_the_pages(client, zhytomyr):
    thread = start(zhytomyr, subject='<script>alert("pwned")</script>')
    client.force_login(zhytomyr)
    for url in (reverse("messaging:inbox"), reverse("messaging:thread", args=[thread.pk])):
        content = client.get(url).content.decode()
        assert '<script>alert("pwned")' not in content, url
        assert "&lt;script&gt;" in content, url


# --- mentions ---------------------------------------------------------------------------------


def test_mentioning_a_participant_records_it_and_notifies_even_a_digest_reader(
    zhytomyr, indiana, embassy, ministry
):
    for user in (indiana, embassy):
        user.notification_mode = NotificationMode.DIGEST
        user.save()
    thread = start(zhytomyr, users=[indiana], organizations=[org("embassy-us"), org("mfa")])
    quiet = post(thread, zhytomyr, "Nothing urgent")
    assert recipients(quiet) == ["mfa@example.org"]  # the others read a digest
    loud = post(thread, zhytomyr, "@Embassy@Example.org and @indiana@example.org, please look.")
    assert set(Mention.objects.filter(message=loud).values_list("user", flat=True)) == {
        embassy.pk,
        indiana.pk,
    }
    assert recipients(loud) == ["embassy@example.org", "indiana@example.org", "mfa@example.org"]


def test_mentioning_someone_who_takes_no_part_does_nothing(zhytomyr, indiana, coordinator):
    thread = start(zhytomyr, users=[indiana])
    message = post(thread, zhytomyr, "Cc @coordinator@example.org and @nobody@example.org")
    assert not Mention.objects.exists()
    assert recipients(message) == ["indiana@example.org"]


def test_a_mention_does_not_reach_someone_who_wants_no_email(zhytomyr, indiana):
    indiana.notification_mode = NotificationMode.OFF
    indiana.save()
    thread = start(zhytomyr, users=[indiana])
    message = post(thread, zhytomyr, "@indiana@example.org")
    assert Mention.objects.filter(message=message, user=indiana).exists()
    assert recipients(message) == []


def test_an_email_address_inside_a_word_is_not_a_mention(zhytomyr, indiana):
    thread = start(zhytomyr, users=[indiana])
    post(thread, zhytomyr, "write to x@indiana@example.org or me.@indiana@example.org")
    assert not Mention.objects.exists()


# --- who may post, and what ------------------------------------------------------------------


@pytest.mark.parametrize("name", ["chernihiv", "coordinator", "outsider"])
def test_a_non_participant_cannot_post_and_nothing_is_saved(request, media, zhytomyr, name):
    thread = start(zhytomyr)
    stranger = request.getfixturevalue(name)
    with pytest.raises(PermissionDenied):
        post(thread, stranger, "Let me in @zhytomyr@example.org", files=[pdf()])
    assert not Message.objects.exists()
    assert not Mention.objects.exists()
    assert not Attachment.objects.exists()
    assert not OutboundEmail.objects.exists()
    assert stored_files(media) == []
    thread.refresh_from_db()
    assert thread.last_message_at is None


def test_a_participant_who_may_not_see_the_negotiation_cannot_post(chernihiv, zhytomyr):
    thread = start_before_the_rule(chernihiv, users=[zhytomyr], partnership=chernihiv_minnesota())
    with pytest.raises(PermissionDenied):
        post(thread, zhytomyr, "Hello?")
    assert not Message.objects.exists()


def test_a_guest_posts_only_to_their_own_threads(zhytomyr):
    thread = start(zhytomyr, guests=[("guest@partner.example", "")])
    message = services.message_post(
        thread=thread, guest_email="Guest@Partner.Example", body="Hi", via="email"
    )
    assert message.author is None and message.guest_email == "guest@partner.example"
    with pytest.raises(PermissionDenied):
        services.message_post(thread=thread, guest_email="other@partner.example", body="Hi")
    assert thread.messages.count() == 1


@pytest.mark.parametrize("body", ["", "   \n\t  ", "\x00", " \x00 \n"])
def test_an_empty_message_is_refused(zhytomyr, body):
    thread = start(zhytomyr)
    with pytest.raises(ValidationError):
        post(thread, zhytomyr, body)
    assert not Message.objects.exists()


def test_a_file_alone_is_a_message(media, zhytomyr):
    message = post(start(zhytomyr), zhytomyr, "  ", files=[pdf()])
    assert message.body == ""
    assert message.attachments.count() == 1


def test_a_message_of_the_longest_length_passes_and_one_more_is_refused(zhytomyr):
    thread = start(zhytomyr)
    assert len(post(thread, zhytomyr, "x" * services.MAX_BODY).body) == services.MAX_BODY
    with pytest.raises(ValidationError):
        post(thread, zhytomyr, "x" * (services.MAX_BODY + 1))
    assert thread.messages.count() == 1


def test_a_reply_quotes_a_message_of_the_same_thread_only(zhytomyr, indiana):
    thread = start(zhytomyr, users=[indiana])
    other = start(zhytomyr, subject="Other", users=[indiana])
    first = post(thread, zhytomyr, "Question")
    elsewhere = post(other, zhytomyr, "Elsewhere")
    answer = post(thread, indiana, "Answer", reply_to=first)
    assert answer.reply_to == first
    with pytest.raises(ValidationError):
        post(thread, indiana, "Crossed", reply_to=elsewhere)
    assert list(thread.messages.values_list("body", flat=True)) == ["Question", "Answer"]


def test_the_post_page_does_not_quote_across_threads(client, zhytomyr, indiana):
    thread = start(zhytomyr, users=[indiana])
    secret_thread = start(zhytomyr, subject="Private")
    secret = post(secret_thread, zhytomyr, "Private words")
    client.force_login(indiana)
    response = client.post(
        reverse("messaging:post", args=[thread.pk]), {"body": "Hi", "reply_to": secret.pk}
    )
    assert response.status_code == 302
    message = thread.messages.get()
    assert message.reply_to is None
    page = client.get(reverse("messaging:thread", args=[thread.pk])).content.decode()
    assert "Private words" not in page


def test_the_post_page_saves_a_message_and_refuses_an_empty_one(client, zhytomyr, indiana):
    thread = start(zhytomyr, users=[indiana])
    client.force_login(indiana)
    url = reverse("messaging:post", args=[thread.pk])
    assert client.post(url, {"body": "From the page"}).status_code == 302
    assert client.post(url, {"body": "   "}).status_code == 400
    assert client.post(url, {"body": "x" * 20_001}).status_code == 400
    htmx = client.post(url, {"body": "By htmx"}, headers={"HX-Request": "true"})
    assert htmx.status_code == 200
    assert list(thread.messages.values_list("body", flat=True)) == ["From the page", "By htmx"]


@pytest.mark.parametrize("name", ["chernihiv", "coordinator"])
def test_posting_through_the_page_to_a_thread_one_is_not_in_is_404(client, request, name):
    thread = start(request.getfixturevalue("zhytomyr"))
    client.force_login(request.getfixturevalue(name))
    response = client.post(reverse("messaging:post", args=[thread.pk]), {"body": "Hi"})
    assert response.status_code == 404
    add = client.post(
        reverse("messaging:participant_add", args=[thread.pk]), {"email": "me@example.org"}
    )
    assert add.status_code == 404
    assert not Message.objects.exists()
    assert thread.participants.count() == 1


def test_a_participant_adds_a_guest_through_the_page(client, zhytomyr, indiana):
    thread = start(zhytomyr)
    client.force_login(zhytomyr)
    url = reverse("messaging:participant_add", args=[thread.pk])
    assert client.post(url, {"email": "Indiana@Example.org"}).status_code == 302
    assert client.post(url, {"email": "guest@partner.example"}).status_code == 302
    assert client.post(url, {"email": "not an address"}).status_code == 302
    assert who_takes_part(thread) == {
        (zhytomyr.pk, None, ""),
        (indiana.pk, None, ""),
        (None, None, "guest@partner.example"),
    }


# --- attachments ------------------------------------------------------------------------------


def test_an_attachment_is_checked_stored_and_described(media, zhytomyr):
    message = post(start(zhytomyr), zhytomyr, "The plan", files=[pdf("Plan 2026.pdf")])
    attachment = message.attachments.get()
    assert attachment.original_name == "Plan 2026.pdf"
    assert attachment.content_type == "application/pdf"
    assert attachment.size == len(PDF_BYTES)
    assert attachment.sha256 == hashlib.sha256(PDF_BYTES).hexdigest()
    files = stored_files(media)
    assert len(files) == 1
    assert files[0].read_bytes() == PDF_BYTES
    assert files[0].suffix == ".pdf"


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("fake.pdf", PNG_BYTES),
        ("page.pdf", b"<!doctype html><script>alert(1)</script>"),
        ("program.exe", b"MZ" + b"\x00" * 64),
        ("notes.txt", b"plain text"),
        ("pdf-named.docx", PDF_BYTES),
        ("empty.pdf", b""),
    ],
    ids=["fake_pdf", "html_as_pdf", "exe", "txt", "pdf_named_docx", "empty"],
)
def test_a_file_that_is_not_what_it_claims_is_refused_and_nothing_saved(
    media, zhytomyr, indiana, name, content
):
    thread = start(zhytomyr, users=[indiana])
    with pytest.raises(ValidationError):
        post(thread, zhytomyr, "See attached", files=[pdf(), pdf(name, content)])
    assert not Message.objects.exists()
    assert not Attachment.objects.exists()
    assert not OutboundEmail.objects.exists()
    assert stored_files(media) == []


def test_a_file_over_the_size_limit_is_refused(settings, media, zhytomyr):
    settings.UPLOAD_MAX_BYTES = len(PDF_BYTES) - 1
    with pytest.raises(ValidationError):
        post(start(zhytomyr), zhytomyr, "Big", files=[pdf()])
    assert stored_files(media) == []


def test_a_participant_downloads_the_attachment_and_nobody_else(
    client, media, zhytomyr, indiana, chernihiv
):
    message = post(start(zhytomyr, users=[indiana]), zhytomyr, "Plan", files=[pdf("Plan.pdf")])
    url = reverse("messaging:attachment", args=[message.attachments.get().pk])
    client.force_login(indiana)
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF_BYTES
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    assert "Plan.pdf" in response["Content-Disposition"]
    close_response(response)
    client.force_login(chernihiv)
    assert client.get(url).status_code == 404


# --- editing ----------------------------------------------------------------------------------


def test_the_author_edits_within_15_minutes_and_the_earlier_text_is_kept(zhytomyr, indiana):
    message = post(start(zhytomyr, users=[indiana]), zhytomyr, "Meet on *Monday*")
    services.message_edit(message=message, by=zhytomyr, body="Meet on **Tuesday**")
    services.message_edit(message=message, by=zhytomyr, body="Meet on Wednesday")
    message.refresh_from_db()
    assert message.body == "Meet on Wednesday"
    assert message.body_html == "<p>Meet on Wednesday</p>"
    assert message.edited_at is not None
    assert list(message.revisions.values_list("body", flat=True)) == [
        "Meet on *Monday*",
        "Meet on **Tuesday**",
    ]


def test_an_edit_that_changes_nothing_keeps_no_revision(zhytomyr):
    message = post(start(zhytomyr), zhytomyr, "Same")
    services.message_edit(message=message, by=zhytomyr, body="  Same  ")
    assert not MessageRevision.objects.exists()
    message.refresh_from_db()
    assert message.edited_at is None


def test_an_edit_is_sanitized_like_a_post(zhytomyr):
    message = post(start(zhytomyr), zhytomyr, "Fine")
    services.message_edit(message=message, by=zhytomyr, body="<script>alert(1)</script>Still")
    message.refresh_from_db()
    assert "<script" not in message.body_html and "Still" in message.body_html


@pytest.mark.parametrize(("minutes", "allowed"), [(14, True), (16, False), (60 * 24, False)])
def test_the_edit_window_is_15_minutes(zhytomyr, minutes, allowed):
    message = post(start(zhytomyr), zhytomyr, "Original")
    Message.objects.filter(pk=message.pk).update(
        created_at=timezone.now() - timedelta(minutes=minutes)
    )
    if allowed:
        services.message_edit(message=message, by=zhytomyr, body="Corrected")
    else:
        with pytest.raises(ValidationError):
            services.message_edit(message=message, by=zhytomyr, body="Corrected")
    message.refresh_from_db()
    assert message.body == ("Corrected" if allowed else "Original")
    assert MessageRevision.objects.count() == int(allowed)


def test_nobody_edits_someone_elses_message(zhytomyr, indiana, coordinator):
    message = post(start(zhytomyr, users=[indiana]), zhytomyr, "Mine")
    for other in (indiana, coordinator):
        with pytest.raises(PermissionDenied):
            services.message_edit(message=message, by=other, body="Theirs")
    message.refresh_from_db()
    assert message.body == "Mine"
    assert not MessageRevision.objects.exists()


def test_an_edit_cannot_empty_a_message(zhytomyr):
    message = post(start(zhytomyr), zhytomyr, "Something")
    with pytest.raises(ValidationError):
        services.message_edit(message=message, by=zhytomyr, body="   ")
    message.refresh_from_db()
    assert message.body == "Something"


def test_search_finds_the_edited_text_not_the_old(zhytomyr):
    message = post(start(zhytomyr), zhytomyr, "Meeting in Lviv")
    services.message_edit(message=message, by=zhytomyr, body="Meeting in Odesa")
    mine = policy.visible(zhytomyr, Message)
    assert list(search.matching(mine, "Odesa")) == [message]
    assert not search.matching(mine, "Lviv").exists()


def test_the_edit_page_for_author_participant_and_stranger(client, zhytomyr, indiana, chernihiv):
    thread = start(zhytomyr, users=[indiana])
    message = post(thread, zhytomyr, "Draft")
    url = reverse("messaging:edit", args=[message.pk])
    client.force_login(chernihiv)
    assert client.post(url, {"body": "Stranger"}).status_code == 404
    client.force_login(indiana)
    assert client.post(url, {"body": "Participant"}).status_code == 403
    client.force_login(zhytomyr)
    response = client.post(url, {"body": "Final"})
    assert response.status_code == 302
    assert response["Location"] == reverse("messaging:thread", args=[thread.pk])
    message.refresh_from_db()
    assert message.body == "Final"
    Message.objects.filter(pk=message.pk).update(created_at=timezone.now() - timedelta(hours=1))
    assert client.post(url, {"body": "Too late"}).status_code == 400
    message.refresh_from_db()
    assert message.body == "Final"


# --- read state -------------------------------------------------------------------------------


def unread(user, thread: Thread) -> int:
    return selectors.threads_for(user).get(pk=thread.pk).unread


def test_unread_counts_follow_reading(client, zhytomyr, indiana, ministry):
    thread = start(zhytomyr, users=[indiana], organizations=[org("mfa")])
    post(thread, zhytomyr, "One")
    post(thread, zhytomyr, "Two")
    assert unread(zhytomyr, thread) == 0  # one's own messages are read
    assert unread(indiana, thread) == 2
    assert unread(ministry, thread) == 2  # through the MFA
    assert selectors.unread_total(indiana) == 2

    client.force_login(indiana)
    assert client.get(reverse("messaging:inbox")).context["unread_messages"] == 2
    assert client.get(reverse("messaging:thread", args=[thread.pk])).status_code == 200
    assert unread(indiana, thread) == 0
    assert client.get(reverse("messaging:inbox")).context["unread_messages"] == 0
    assert unread(ministry, thread) == 2  # read state is each person's own

    post(thread, zhytomyr, "Three")
    assert unread(indiana, thread) == 1
    post(thread, indiana, "Answer")  # answering reads everything before it
    assert unread(indiana, thread) == 0
    assert unread(zhytomyr, thread) == 1


def test_the_nav_badge_counts_every_thread(client, zhytomyr, indiana, chernihiv):
    first = start(zhytomyr, users=[indiana])
    second = start(chernihiv, subject="Second", users=[indiana])
    post(first, zhytomyr, "a")
    post(first, zhytomyr, "b")
    post(second, chernihiv, "c")
    client.force_login(indiana)
    response = client.get(reverse("core:home"))
    assert response.context["unread_messages"] == 3
    assert '<span class="tag unread">3' in response.content.decode()


def test_guest_messages_count_as_unread(zhytomyr):
    thread = start(zhytomyr, guests=[("guest@partner.example", "")])
    services.message_post(thread=thread, guest_email="guest@partner.example", body="By e-mail")
    assert unread(zhytomyr, thread) == 1


def test_reading_never_goes_backwards(zhytomyr, indiana):
    thread = start(zhytomyr, users=[indiana])
    first, second = post(thread, zhytomyr, "1"), post(thread, zhytomyr, "2")
    services.thread_mark_read(thread=thread, user=indiana, upto=second.pk)
    services.thread_mark_read(thread=thread, user=indiana, upto=first.pk)
    assert unread(indiana, thread) == 0


def test_unread_messages_of_a_thread_one_cannot_see_are_not_counted(chernihiv, zhytomyr):
    thread = start_before_the_rule(chernihiv, users=[zhytomyr], partnership=chernihiv_minnesota())
    post(thread, chernihiv, "Secret")
    assert selectors.unread_total(zhytomyr) == 0
    assert not selectors.threads_for(zhytomyr).exists()


# --- no one reads a thread they are not in ----------------------------------------------------

SECRET_WORD = "Zebrafish"


def reads(client, user, thread: Thread, attachment: Attachment) -> dict[str, bool]:
    """Every way `user` might read `thread`, and whether it showed it."""
    client.force_login(user)
    page = client.get(reverse("messaging:thread", args=[thread.pk]))
    inbox = client.get(reverse("messaging:inbox")).content.decode()
    found = client.get(reverse("messaging:search") + f"?q={SECRET_WORD.lower()}").content.decode()
    download = client.get(reverse("messaging:attachment", args=[attachment.pk]))
    close_response(download)
    stream = client.get(reverse("messaging:stream", args=[thread.pk]))
    close_response(stream)  # not read: opening it is what matters here
    policy.forget(user)
    return {
        "page": page.status_code == 200,
        "inbox": thread.subject in inbox,
        "search": SECRET_WORD in found,
        "attachment": download.status_code == 200,
        "stream": stream.status_code == 200,
        "visible_thread": policy.visible(user, Thread).filter(pk=thread.pk).exists(),
        "visible_message": policy.visible(user, Message).filter(thread=thread).exists(),
        "visible_attachment": policy.visible(user, Attachment).filter(pk=attachment.pk).exists(),
        "can": policy.can(user, Action.THREAD_VIEW, thread),
    }


def everything(value: bool) -> dict[str, bool]:
    keys = ("page", "inbox", "search", "attachment", "stream")
    keys += ("visible_thread", "visible_message", "visible_attachment", "can")
    return dict.fromkeys(keys, value)


def secret_talk(by, **kwargs) -> tuple[Thread, Attachment]:
    thread = start_before_the_rule(by, subject="Quiet arrangements", **kwargs)
    message = post(thread, by, f"The word is {SECRET_WORD}.", files=[pdf()])
    return thread, message.attachments.get()


@pytest.mark.parametrize(
    "name", ["indiana", "chernihiv", "coordinator", "ministry", "embassy", "institution_user"]
)
def test_only_participants_read_a_thread_in_any_way(client, request, media, zhytomyr, name):
    """Zhytomyr's thread with Indiana; nobody else, not even the coordinator."""
    thread, attachment = secret_talk(zhytomyr, users=[request.getfixturevalue("indiana")])
    user = request.getfixturevalue(name)
    assert reads(client, user, thread, attachment) == everything(name == "indiana")


def test_the_inbox_and_search_list_only_ones_own_threads(client, zhytomyr, indiana, chernihiv):
    mine = start(zhytomyr, subject="Ours", users=[indiana])
    theirs = start(chernihiv, subject="Theirs")
    post(mine, zhytomyr, "apple orchard")
    post(theirs, chernihiv, "apple harvest")
    client.force_login(indiana)
    inbox = client.get(reverse("messaging:inbox"))
    assert list(inbox.context["threads"]) == [mine]
    found = client.get(reverse("messaging:search") + "?q=apple")
    assert [m.body for m in found.context["results"]] == ["apple orchard"]
    assert "harvest" not in found.content.decode()


def test_search_finds_other_forms_of_a_word(zhytomyr):
    message = post(start(zhytomyr), zhytomyr, "Проєкт договору про співпрацю")
    assert list(search.matching(policy.visible(zhytomyr, Message), "договір")) == [message]


def test_members_of_a_participating_office_read_it_and_other_offices_do_not(
    client, media, zhytomyr, embassy, ministry
):
    colleague = member("embassy", organization=org("embassy-us"))
    consul = member("embassy", organization=org("consulate-chicago"))
    listed = UserFactory()  # no role, but listed at the embassy in the directory
    PersonFactory(organization=org("embassy-us"), user=listed)
    thread, attachment = secret_talk(zhytomyr, organizations=[org("embassy-us")])
    for user in (embassy, colleague, listed):
        assert reads(client, user, thread, attachment) == {
            **everything(True),
            # Without a role the pages are closed, but the policy lets them take part.
            **(
                dict.fromkeys(("page", "inbox", "search", "attachment", "stream"), False)
                if user is listed
                else {}
            ),
        }, user.email
    for user in (consul, ministry):
        assert reads(client, user, thread, attachment) == everything(False), user.email


def test_a_participant_who_cannot_see_the_negotiation_cannot_read_its_thread(
    client, media, chernihiv, zhytomyr, institution_user, embassy
):
    hospital = RoleAssignment.objects.get(user=institution_user).organization
    thread, attachment = secret_talk(
        chernihiv,
        users=[zhytomyr, embassy],
        organizations=[hospital],
        partnership=chernihiv_minnesota(),
    )
    assert reads(client, embassy, thread, attachment) == everything(True)
    for user in (zhytomyr, institution_user):
        assert reads(client, user, thread, attachment) == everything(False), user.email


def test_a_participant_who_loses_sight_of_the_negotiation_loses_its_thread(
    client, media, chernihiv
):
    officer = member("regional", region=region("UA-74"))
    thread, attachment = secret_talk(chernihiv, users=[officer], partnership=chernihiv_minnesota())
    assert reads(client, officer, thread, attachment) == everything(True)
    RoleAssignment.objects.filter(user=officer).update(region=region("UA-18"))
    policy.forget(officer)
    assert reads(client, officer, thread, attachment) == everything(False)
    assert selectors.unread_total(officer) == 0


def test_a_thread_is_lost_when_its_open_partnership_turns_confidential(client, media, zhytomyr):
    ours = tie("UA-18", "US-IN")
    officer = member("regional", region=region("UA-74"))
    thread, attachment = secret_talk(zhytomyr, users=[officer], partnership=ours)
    assert reads(client, officer, thread, attachment) == everything(True)
    Partnership.objects.filter(pk=ours.pk).update(confidential=True)
    assert reads(client, officer, thread, attachment) == everything(False)


# --- the live stream --------------------------------------------------------------------------


# Read through tests/test_stream.py's reader: the stream is an async view (decision 0006).


@pytest.fixture
def own_bus(monkeypatch, settings, tmp_path):
    yield from bus_of_its_own(monkeypatch, settings, tmp_path)


@pytest.mark.usefixtures("own_bus")
def test_the_stream_sends_messages_after_the_last_seen_one(client, zhytomyr, indiana):
    thread = start(zhytomyr, users=[indiana])
    first = post(thread, zhytomyr, "First")
    second = post(thread, zhytomyr, "Second <script>alert(1)</script>")
    client.force_login(indiana)
    response = client.get(reverse("messaging:stream", args=[thread.pk]))
    assert response["Content-Type"].startswith("text/event-stream")
    assert response["Cache-Control"] == "no-cache"
    stream = Stream(response)
    try:
        assert stream.block() == "retry: 1000"
        events = stream.messages_until_keep_alive()
    finally:
        stream.close()
    assert [event.id for event in events] == [str(first.pk), str(second.pk)]
    data = events[1].json
    assert data["id"] == second.pk
    assert "<script" not in data["html"]

    resumed = Stream(
        client.get(
            reverse("messaging:stream", args=[thread.pk]),
            headers={"Last-Event-ID": str(first.pk)},
        )
    )
    try:
        assert [event.id for event in resumed.messages_until_keep_alive()] == [str(second.pk)]
    finally:
        resumed.close()


@pytest.mark.usefixtures("own_bus")
def test_the_stream_stops_when_its_reader_is_taken_out(client, zhytomyr, indiana):
    thread = start(zhytomyr, users=[indiana])
    client.force_login(indiana)
    stream = Stream(client.get(reverse("messaging:stream", args=[thread.pk])))
    try:
        assert stream.messages_until_keep_alive() == []
        thread.participants.filter(user=indiana).delete()
        live.members_changed(thread.pk)  # what a service that removes a participant announces
        post(thread, zhytomyr, "Now that Indiana is gone")
        assert stream.rest() == []  # it ends, sending nothing
    finally:
        stream.close()


# --- e-mail out -------------------------------------------------------------------------------


def test_one_email_per_recipient_but_none_for_the_author(zhytomyr, indiana, embassy, ministry):
    ministry.notification_mode = NotificationMode.DIGEST
    ministry.save()
    embassy.notification_mode = NotificationMode.OFF
    embassy.save()
    thread = start(
        zhytomyr,
        users=[indiana, embassy],
        organizations=[org("mfa"), org("embassy-us")],
        guests=[("guest@partner.example", "Guest")],
    )
    # Indiana is named and also listed in the embassy: still one e-mail.
    PersonFactory(organization=org("embassy-us"), user=indiana)
    message = post(thread, zhytomyr, "Agenda for *May*")
    assert recipients(message) == ["guest@partner.example", "indiana@example.org"]
    row = OutboundEmail.objects.get(to="indiana@example.org")
    assert row.key == f"message:{message.pk}:indiana@example.org"
    assert row.status == "pending"
    row = rendered(message, "indiana@example.org")
    assert "Test thread" in row.subject
    assert "Agenda for *May*" in row.text
    assert "<em>May</em>" in row.html
    assert reverse("messaging:thread", args=[thread.pk]) in row.text


def test_a_guests_message_notifies_the_others_not_the_guest(zhytomyr, indiana):
    thread = start(zhytomyr, users=[indiana], guests=[("guest@partner.example", "")])
    message = services.message_post(
        thread=thread, guest_email="guest@partner.example", body="By e-mail", via="email"
    )
    assert recipients(message) == ["indiana@example.org", "zhytomyr@example.org"]


def test_deactivated_participants_get_no_email(zhytomyr, indiana):
    thread = start(zhytomyr, users=[indiana])
    indiana.is_active = False
    indiana.save()
    assert recipients(post(thread, zhytomyr, "Anyone?")) == []


def test_the_reply_address_is_short_signed_and_leads_back(zhytomyr, indiana):
    thread = start(zhytomyr, users=[indiana], guests=[("guest@partner.example", "")])
    message = post(thread, zhytomyr, "Reply, please")
    for to in ("indiana@example.org", "guest@partner.example"):
        row = rendered(message, to)
        token = token_of(row.reply_to)
        assert len(row.reply_to.split("@")[0]) <= 64
        assert re.fullmatch(r"[a-z0-9.]+", token)
        for variant in (token, token.upper()):
            read = replies.read_reply_token(variant)
            assert (read.thread_id, read.email) == (thread.pk, to)
            assert read.expires_on == timezone.localdate() + timedelta(days=90)


def tampered(token: str, other_thread: Thread, stranger_pk: int) -> dict[str, str]:
    thread_part, who, expiry, signature = token.split(".")
    flipped = ("0" if signature[0] != "0" else "1") + signature[1:]
    return {
        "other_thread": f"{other_thread.pk}.{who}.{expiry}.{signature}",
        "other_person": f"{thread_part}.u{stranger_pk}.{expiry}.{signature}",
        "later_expiry": f"{thread_part}.{who}.{expiry}0.{signature}",
        "flipped_signature": f"{thread_part}.{who}.{expiry}.{flipped}",
        "short_signature": f"{thread_part}.{who}.{expiry}.{signature[:-1]}",
        "no_signature": f"{thread_part}.{who}.{expiry}.",
        "three_parts": f"{thread_part}.{who}.{signature}",
        "five_parts": f"{token}.x",
        "not_a_number": f"x{thread_part}.{who}.{expiry}.{signature}",
        "empty": "",
    }


def test_a_tampered_reply_token_is_refused(zhytomyr, indiana, chernihiv):
    thread = start(zhytomyr, users=[indiana])
    other = start(zhytomyr, subject="Other")
    message = post(thread, zhytomyr, "Hello")
    token = token_of(rendered(message, "indiana@example.org").reply_to)
    for label, forged in tampered(token, other, chernihiv.pk).items():
        with pytest.raises(signing.BadSignature):
            replies.read_reply_token(forged)
            pytest.fail(label)


def test_a_reply_address_is_only_for_someone_in_the_thread(zhytomyr):
    thread = start(zhytomyr)
    with pytest.raises(ValidationError):
        replies.reply_address(thread, "stranger@partner.example")


def test_plain_text_email_carries_the_words_as_written(zhytomyr, indiana):
    thread = start(zhytomyr, subject='R&D: Kyiv\'s "plan"', users=[indiana])
    message = post(thread, zhytomyr, 'Don\'t forget: 2 < 3 & "quotes"')
    row = rendered(message, "indiana@example.org")
    assert row.subject == '[Region Bridge] R&D: Kyiv\'s "plan"'
    assert 'Don\'t forget: 2 < 3 & "quotes"' in row.text
    assert "2 &lt; 3 &amp;" in row.html  # the HTML part stays escaped


def test_no_email_or_mention_reaches_a_participant_who_may_not_see_the_negotiation(
    chernihiv, zhytomyr, institution_user, embassy
):
    hospital = RoleAssignment.objects.get(user=institution_user).organization
    thread = start_before_the_rule(
        chernihiv,
        users=[zhytomyr, embassy],
        organizations=[hospital],
        partnership=chernihiv_minnesota(),
    )
    message = post(thread, chernihiv, "Terms: @zhytomyr@example.org @embassy@example.org")
    assert recipients(message) == ["embassy@example.org"]
    assert list(Mention.objects.values_list("user", flat=True)) == [embassy.pk]


def test_a_digest_reader_gets_the_news_in_the_daily_digest_once(zhytomyr, indiana, ministry):
    ministry.notification_mode = NotificationMode.DIGEST
    ministry.save()
    thread = start(zhytomyr, users=[indiana], organizations=[org("mfa")])
    post(thread, zhytomyr, "Agenda for the visit")
    post(start(zhytomyr, subject="Elsewhere"), zhytomyr, "Not the ministry's business")
    assert digests_queue() == 1
    assert digests_queue() == 0  # one a day
    digest = OutboundEmail.objects.get(key__startswith="digest:")
    assert digest.to == "mfa@example.org"
    assert "Agenda for the visit" in digest.text
    assert "Elsewhere" not in digest.text
    assert "ministry's business" not in digest.text


def test_the_outbox_row_is_written_once_per_message_and_recipient(zhytomyr, indiana):
    thread = start(zhytomyr, users=[indiana])
    message = post(thread, zhytomyr, "Once")
    services._queue_notifications(message, [])  # a retry of the same notification
    assert recipients(message) == ["indiana@example.org"]


def test_participants_are_each_kind_exactly(zhytomyr):
    thread = start(zhytomyr)
    with pytest.raises(ValidationError):
        services.thread_add_participant(thread=thread, by=zhytomyr)
    assert Participant.objects.filter(thread=thread).count() == 1
