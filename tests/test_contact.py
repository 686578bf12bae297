"""Contact from wherever a person is found (issue 11, point 3): the "Write" button of a person, an
office and a partnership, the new-thread form it opens (chosen by ids, never by addresses; a
searchable picker of what the viewer may see; at least one recipient; attachments on the first
message; a safe "Cancel"), the thread page (own messages marked, both sides' times, "Replying
to", quotes as text) and the live inbox."""

import re
import time
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from regionbridge.messaging import selectors, services, views
from regionbridge.messaging.models import Attachment, Message, Thread
from regionbridge.organizations.models import Organization
from tests.conftest import org
from tests.factories import OrganizationFactory, PersonFactory, UserFactory
from tests.test_messaging import PDF_BYTES, media, stored_files  # noqa: F401 (fixture)
from tests.test_policy import chernihiv_minnesota, zhytomyr_indiana
from tests.test_stream import (
    KEEP_ALIVE,
    LONG_STREAM,
    WOKEN_WITHIN,
    Stream,
    bus_of_its_own,
    parse_block,
)

pytestmark = pytest.mark.django_db

NEW = reverse("messaging:create")
FIND = reverse("messaging:recipients")
HTMX = {"HX-Request": "true"}


def person_with_account(organization: Organization | None = None, **names):
    user = UserFactory()
    return PersonFactory(organization=organization or org("rma-UA-18"), user=user, **names)


def page(client, url: str, **headers) -> str:
    response = client.get(url, headers=headers)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def write_link(html: str) -> str | None:
    found = re.search(r'<a class="btn write-button" href="([^"]+)">', html)
    return found.group(1).replace("&amp;", "&") if found else None


# --- the "Write" button -----------------------------------------------------------------------


@pytest.mark.parametrize("name", ["coordinator", "ministry", "embassy", "zhytomyr", "indiana"])
def test_a_member_sees_write_on_a_person_with_an_account(client, request, name):
    person = person_with_account()
    client.force_login(request.getfixturevalue(name))
    link = write_link(page(client, reverse("directory:person", args=[person.pk])))
    assert link is not None
    assert f"person={person.pk}" in link
    assert "@" not in link  # ids, never addresses


def test_no_write_button_for_a_person_without_an_account_or_oneself(
    client, zhytomyr, zhytomyr_head
):
    client.force_login(zhytomyr)
    assert write_link(page(client, reverse("directory:person", args=[zhytomyr_head.pk]))) is None
    own = PersonFactory(organization=org("rma-UA-18"), user=zhytomyr)
    assert write_link(page(client, reverse("directory:person", args=[own.pk]))) is None


def test_no_write_button_for_someone_whose_account_was_closed(client, zhytomyr):
    person = person_with_account()
    person.user.is_active = False
    person.user.save()
    client.force_login(zhytomyr)
    assert write_link(page(client, reverse("directory:person", args=[person.pk]))) is None


def test_outsiders_and_visitors_get_no_person_page_and_no_button(client, outsider):
    person = person_with_account()
    url = reverse("directory:person", args=[person.pk])
    assert client.get(url).status_code == 302
    client.force_login(outsider)
    assert client.get(url).status_code in (403, 404)


def test_write_on_a_staffed_office_and_not_on_an_empty_one(client, zhytomyr, ministry):
    client.force_login(zhytomyr)
    link = write_link(page(client, reverse("directory:organization", args=[org("mfa").pk])))
    assert link is not None and f"organization={org('mfa').pk}" in link
    empty = OrganizationFactory()
    assert write_link(page(client, reverse("directory:organization", args=[empty.pk]))) is None


def test_write_on_a_partnership_one_sees(client, zhytomyr):
    tie = zhytomyr_indiana()
    client.force_login(zhytomyr)
    link = write_link(page(client, reverse("partnerships:detail", args=[tie.pk])))
    assert link is not None and f"partnership={tie.pk}" in link


# --- the form opened by ids -------------------------------------------------------------------


def test_a_person_is_chosen_by_id(client, zhytomyr):
    person = person_with_account(name_en="Olena Writeme", name_uk="Олена Напишіть")
    client.force_login(zhytomyr)
    html = page(client, f"{NEW}?person={person.pk}")
    assert f'name="persons" value="{person.pk}" checked' in html
    assert "Olena Writeme" in html
    assert person.user.email not in html
    assert 'value="direct" selected' in html  # one person: a direct conversation


def test_an_office_is_chosen_by_id(client, zhytomyr, ministry):
    client.force_login(zhytomyr)
    html = page(client, f"{NEW}?organization={org('mfa').pk}")
    assert f'name="organizations" value="{org("mfa").pk}" checked' in html


def test_a_partnership_is_kept_and_its_other_side_suggested(client, zhytomyr, indiana):
    tie = zhytomyr_indiana()
    governor = org("gov-US-IN")
    person_with_account(organization=governor)  # someone works there
    client.force_login(zhytomyr)
    html = page(client, f"{NEW}?partnership={tie.pk}")
    assert f'name="partnership" value="{tie.pk}"' in html
    about = html.split('class="about"', 1)[1].split("</p>", 1)[0]
    assert "About:" in about and "Indiana" in about and "Zhytomyr" in about
    suggested = html.split('id="suggested"', 1)[1].split("</ul>", 1)[0]
    assert f'name="organizations" value="{governor.pk}"' in suggested
    assert "checked" not in suggested  # suggested, not chosen


def test_the_partner_side_is_suggested_the_ukrainian_side(client, indiana, zhytomyr):
    tie = zhytomyr_indiana()
    rma = org("rma-UA-18")
    person_with_account(organization=rma)
    client.force_login(indiana)
    suggested = selectors.counterpart_offices(indiana, tie)
    assert rma in suggested
    assert org("gov-US-IN") not in suggested


@pytest.mark.parametrize("raw", ["abc", "-1", "0", "1.5", "9" * 30, "١٢", ""])
def test_an_unreadable_id_opens_the_form_without_it(client, zhytomyr, raw):
    client.force_login(zhytomyr)
    for key in ("person", "organization", "partnership"):
        response = client.get(NEW, {key: raw})
        assert response.status_code == 200


def test_a_hidden_person_or_partnership_is_left_out_exactly_like_an_unknown_one(
    client, chernihiv, zhytomyr
):
    no_account = PersonFactory(name_en="Hidden Noaccount", organization=org("rma-UA-18"))
    secret = chernihiv_minnesota()
    client.force_login(zhytomyr)
    unknown = page(client, f"{NEW}?person=999999&partnership=999999")
    hidden = page(client, f"{NEW}?person={no_account.pk}&partnership={secret.pk}")
    assert "Hidden Noaccount" not in hidden
    assert "About:" not in hidden
    assert str(secret.partner_region.name_en) not in hidden

    def form_part(html: str) -> str:
        body = html.split('id="thread-form"', 1)[1]
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", body)

    assert form_part(unknown) == form_part(hidden)


def test_posting_a_hidden_person_is_refused_like_an_unknown_one(client, zhytomyr):
    no_account = PersonFactory(organization=org("rma-UA-18"))
    client.force_login(zhytomyr)
    answers = []
    for pk in (no_account.pk, 999999):
        response = client.post(NEW, {"subject": "Hi", "kind": "topic", "persons": [pk]})
        assert response.status_code == 400
        answers.append(response.context["form"].errors["persons"])
    assert answers[0] == answers[1]
    assert not Thread.objects.exists()


# --- the form ----------------------------------------------------------------------------------


def test_at_least_one_recipient_is_required(client, zhytomyr):
    client.force_login(zhytomyr)
    response = client.post(NEW, {"subject": "Nobody", "kind": "topic", "body": "Hello?"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Choose at least one person or office to write to." in html
    assert 'class="error-summary"' in html
    assert "<title>Error:" in html.replace("\n", "")
    assert not Thread.objects.exists()


def test_the_form_starts_a_thread_with_people_and_offices(client, zhytomyr, ministry):
    person = person_with_account()
    client.force_login(zhytomyr)
    response = client.post(
        NEW,
        {
            "subject": "Hospital twinning",
            "kind": "topic",
            "persons": [person.pk],
            "organizations": [org("mfa").pk],
            "body": "Shall we start?",
        },
    )
    thread = Thread.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("messaging:thread", args=[thread.pk])
    assert set(thread.participants.values_list("user", "organization")) == {
        (zhytomyr.pk, None),
        (person.user_id, None),
        (None, org("mfa").pk),
    }


def test_the_partnership_is_kept_on_the_thread(client, zhytomyr, indiana):
    tie = zhytomyr_indiana()
    client.force_login(zhytomyr)
    response = client.post(
        NEW,
        {
            "subject": "Next steps",
            "kind": "topic",
            "partnership": tie.pk,
            "persons": [PersonFactory(organization=org("gov-US-IN"), user=indiana).pk],
        },
    )
    assert response.status_code == 302
    assert Thread.objects.get().partnership == tie


def test_attachments_go_with_the_first_message(client, media, zhytomyr):  # noqa: F811
    person = person_with_account()
    client.force_login(zhytomyr)
    upload = SimpleUploadedFile("Plan.pdf", PDF_BYTES, content_type="application/pdf")
    response = client.post(
        NEW,
        {"subject": "Plan", "kind": "topic", "persons": [person.pk], "files": [upload]},
    )
    assert response.status_code == 302
    message = Message.objects.get()
    assert message.attachments.get().original_name == "Plan.pdf"


def _bomb() -> bytes:
    """A small ODT whose `mimetype` entry unpacks to 64 MiB of zeros (far beyond 100:1)."""
    import io

    buffer = io.BytesIO()
    chunk = bytes(1024 * 1024)
    with (
        zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive,
        archive.open("mimetype", "w", force_zip64=True) as out,
    ):
        out.write(b"application/vnd.oasis.opendocument.text")
        for _ in range(64):
            out.write(chunk)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("bomb.odt", None),
        ("fake.pdf", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64),
        ("page.pdf", b"<!doctype html><script>alert(1)</script>"),
        ("program.exe", b"MZ" + b"\x00" * 64),
    ],
    ids=["zip_bomb", "png_as_pdf", "html_as_pdf", "exe"],
)
def test_a_hostile_first_attachment_is_refused_and_nothing_is_kept(
    client,
    media,  # noqa: F811
    zhytomyr,
    name,
    content,
):
    person = person_with_account()
    client.force_login(zhytomyr)
    upload = SimpleUploadedFile(name, content if content is not None else _bomb())
    response = client.post(
        NEW,
        {"subject": "Look", "kind": "topic", "persons": [person.pk], "files": [upload]},
    )
    assert response.status_code == 400
    assert not Thread.objects.exists()
    assert not Message.objects.exists()
    assert not Attachment.objects.exists()
    assert stored_files(media) == []


@pytest.mark.parametrize(
    ("raw", "kept"),
    [
        ("/directory/people/5/", True),
        ("/partnerships/3/?tab=threads", True),
        ("//evil.example/", False),
        ("/\\evil.example/", False),
        ("https://evil.example/", False),
        ("javascript:alert(1)", False),
        ("/\x1b/", False),
        ("/ok\nLocation: x", False),
        ("", False),
    ],
)
def test_cancel_leads_back_only_to_a_page_of_this_site(client, zhytomyr, raw, kept):
    client.force_login(zhytomyr)
    response = client.get(NEW, {"next": raw})
    assert response.status_code == 200
    assert response.context["back"] == (raw if kept else reverse("messaging:inbox"))
    html = response.content.decode()
    assert "Start the conversation" in html and "Cancel" in html


# --- the picker --------------------------------------------------------------------------------


def test_the_picker_finds_only_people_with_accounts_and_staffed_offices(client, zhytomyr, ministry):
    PersonFactory(name_en="Pickme Noaccount", organization=org("rma-UA-18"))
    person_with_account(name_en="Pickme Withaccount", name_uk="Пікмі Зобліковим")
    client.force_login(zhytomyr)
    html = page(client, f"{FIND}?q=Pickme", **HTMX)
    assert "Pickme Noaccount" not in html
    assert "Зобліковим" in html or "Pickme Withaccount" in html
    assert "@" not in html  # no address in the options
    offices = page(client, f"{FIND}?q=ministry", **HTMX)
    assert f'value="{org("mfa").pk}"' in offices


def test_the_picker_sorts_in_ukrainian_alphabetical_order_on_ukrainian_pages(client, zhytomyr):
    for name in ("Іванна Тест", "Запорізька Тест", "Волинська Тест", "Вінницька Тест"):
        person_with_account(name_uk=name, name_en=f"{name} en")
    zhytomyr.language = "uk"
    zhytomyr.save()
    client.force_login(zhytomyr)
    html = page(client, f"{FIND}?q=Тест", **HTMX)
    order = [m for m in re.findall(r"(\w+) Тест", html)]
    assert order == ["Вінницька", "Волинська", "Запорізька", "Іванна"]


def test_the_picker_is_paged_in_sql(client, zhytomyr, django_assert_max_num_queries):
    for n in range(selectors.RECIPIENTS_PAGE_SIZE + 5):
        person_with_account(name_en=f"Many Person {n:02d}", name_uk=f"Багато {n:02d}")
    client.force_login(zhytomyr)
    with django_assert_max_num_queries(12):
        first = page(client, f"{FIND}?q=Many", **HTMX)
    assert first.count('name="persons"') == selectors.RECIPIENTS_PAGE_SIZE
    assert "page=2" in first
    second = page(client, f"{FIND}?q=Many&page=2", **HTMX)
    assert second.count('name="persons"') == 5


def test_without_htmx_the_search_is_a_page_of_links_to_write(client, zhytomyr):
    person = person_with_account(name_en="Linked Person", name_uk="Пов’язана Особа")
    client.force_login(zhytomyr)
    response = client.get(FIND, {"q": "Linked"})
    assert response.status_code == 200
    assert "HX-Request" in response["Vary"]
    html = response.content.decode()
    assert "<!doctype html>" in html.lower()
    assert f'href="{NEW}?person={person.pk}"' in html


def test_the_picker_is_for_members_only(client, outsider):
    assert client.get(FIND, {"q": "a"}).status_code == 302
    client.force_login(outsider)
    assert client.get(FIND, {"q": "a"}).status_code == 403


def test_without_script_find_searches_and_keeps_what_was_typed(client, zhytomyr):
    person = person_with_account(name_en="Nojs Findme", name_uk="Ноджс Знайди")
    client.force_login(zhytomyr)
    response = client.post(NEW, {"find": "1", "q": "Findme", "subject": "Kept", "kind": "topic"})
    assert response.status_code == 200
    html = response.content.decode()
    assert f'name="persons" value="{person.pk}"' in html
    assert 'value="Kept"' in html
    assert not Thread.objects.exists()


# --- the thread page ---------------------------------------------------------------------------


@pytest.fixture
def talk(zhytomyr, indiana):
    indiana.timezone = "America/Indiana/Indianapolis"
    indiana.save()
    thread = services.thread_create(by=zhytomyr, subject="Talk", users=[indiana])
    mine = services.message_post(thread=thread, author=zhytomyr, body="Mine")
    theirs = services.message_post(
        thread=thread, author=indiana, body="**Bold** and [a link](https://example.org)"
    )
    return thread, mine, theirs


def article(html: str, message: Message) -> str:
    return html.split(f'id="message-{message.pk}"', 1)[1].split("</article>", 1)[0]


def opening_tag(html: str, message: Message) -> str:
    return html.split(f'id="message-{message.pk}"', 1)[0].rsplit("<article", 1)[1]


def test_own_messages_are_marked_with_a_class_and_a_visible_label(client, talk, zhytomyr):
    thread, mine, theirs = talk
    client.force_login(zhytomyr)
    html = page(client, reverse("messaging:thread", args=[thread.pk]))
    assert "message-own" in opening_tag(html, mine)
    assert '<span class="you-label">You</span>' in article(html, mine)
    assert "message-own" not in opening_tag(html, theirs)
    assert '<span class="you-label" hidden>' in article(html, theirs)


def test_times_show_the_readers_zone_and_the_other_sides(client, talk, zhytomyr, indiana):
    thread, mine, _theirs = talk
    client.force_login(zhytomyr)  # Kyiv
    html = article(page(client, reverse("messaging:thread", args=[thread.pk])), mine)
    assert re.search(r"\d\d:\d\d</time> Kyiv · \d\d:\d\d Indianapolis", html), html
    client.force_login(indiana)
    html = article(page(client, reverse("messaging:thread", args=[thread.pk])), mine)
    assert re.search(r"\d\d:\d\d</time> Indianapolis · \d\d:\d\d Kyiv", html), html


def test_one_zone_is_shown_once_when_both_sides_share_it(client, zhytomyr, chernihiv):
    thread = services.thread_create(by=zhytomyr, subject="Same zone", users=[chernihiv])
    message = services.message_post(thread=thread, author=zhytomyr, body="Hi")
    client.force_login(zhytomyr)
    html = article(page(client, reverse("messaging:thread", args=[thread.pk])), message)
    assert " · " not in html.split("</time>", 1)[1].split("</span>", 1)[0]


def test_replying_to_a_message_is_shown_with_a_way_to_cancel(client, talk, zhytomyr):
    thread, _mine, theirs = talk
    client.force_login(zhytomyr)
    url = reverse("messaging:thread", args=[thread.pk])
    html = page(client, f"{url}?reply={theirs.pk}")
    banner = html.split('id="replying"', 1)[1].split("</div>", 1)[0]
    assert not banner.startswith(" hidden")
    assert "Replying to" in banner and theirs.author_label in banner
    assert "Cancel reply" in banner
    assert f'name="reply_to" value="{theirs.pk}"' in html
    # Without ?reply the banner is there, hidden, for the script to fill in.
    assert 'id="replying" hidden' in page(client, url)
    # A reply to a message of another thread is not offered.
    other = services.thread_create(by=zhytomyr, subject="Other", body="elsewhere")
    assert 'id="replying" hidden' in page(client, f"{url}?reply={other.messages.get().pk}")


def test_a_quote_is_shown_as_text_not_markdown(client, talk, zhytomyr):
    thread, _mine, theirs = talk
    reply = services.message_post(thread=thread, author=zhytomyr, body="Agreed", reply_to=theirs)
    client.force_login(zhytomyr)
    html = article(page(client, reverse("messaging:thread", args=[thread.pk])), reply)
    quote = html.split('<blockquote class="quote">', 1)[1].split("</blockquote>", 1)[0]
    assert "Bold and a link" in quote
    assert "**" not in quote and "](" not in quote


def test_a_quote_of_markup_stays_text(client, zhytomyr, indiana):
    thread = services.thread_create(by=zhytomyr, subject="Markup", users=[indiana])
    hostile = services.message_post(
        thread=thread, author=indiana, body="<script>alert(1)</script> & <b>x</b>"
    )
    reply = services.message_post(thread=thread, author=zhytomyr, body="No", reply_to=hostile)
    client.force_login(zhytomyr)
    html = article(page(client, reverse("messaging:thread", args=[thread.pk])), reply)
    assert "<script>" not in html
    assert "&lt;script&gt;" in html


def test_sending_with_htmx_answers_an_empty_form(client, talk, zhytomyr):
    thread, _mine, theirs = talk
    client.force_login(zhytomyr)
    response = client.post(
        reverse("messaging:post", args=[thread.pk]),
        {"body": "Reply", "reply_to": theirs.pk},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="message-form"' in html and 'id="replying" hidden' in html
    assert Message.objects.order_by("-pk").first().reply_to == theirs


def test_the_thread_page_query_count_is_pinned(
    client, talk, zhytomyr, django_assert_max_num_queries
):
    thread, *_ = talk
    client.force_login(zhytomyr)
    client.get(reverse("messaging:thread", args=[thread.pk]))
    with django_assert_max_num_queries(22):
        client.get(reverse("messaging:thread", args=[thread.pk]))


def test_the_new_thread_page_query_count_is_pinned(
    client, zhytomyr, indiana, django_assert_max_num_queries
):
    tie = zhytomyr_indiana()
    person = person_with_account()
    client.force_login(zhytomyr)
    with django_assert_max_num_queries(20):
        page(client, f"{NEW}?person={person.pk}&organization={org('mfa').pk}&partnership={tie.pk}")


# --- the live inbox ----------------------------------------------------------------------------


@pytest.fixture
def own_bus(monkeypatch, settings, tmp_path):
    yield from bus_of_its_own(monkeypatch, settings, tmp_path)


@pytest.fixture
def short_streams(monkeypatch):
    monkeypatch.setattr(views, "STREAM_SECONDS", LONG_STREAM)


@pytest.fixture
def inbox(client, own_bus, short_streams):
    opened = []

    def open_inbox(user, **params) -> Stream:
        client.force_login(user)
        stream = Stream(client.get(reverse("messaging:inbox_stream"), params))
        opened.append(stream)
        return stream

    yield open_inbox
    for stream in opened:
        stream.close()


def inbox_events_until_keep_alive(stream: Stream) -> list:
    events = []
    while (block := stream.block()) is not None:
        event = parse_block(block)
        if event.event == "inbox":
            events.append(event)
        if KEEP_ALIVE in event.comments:
            return events
    return events


def test_the_inbox_stream_sends_a_new_message_of_a_thread_one_reads_at_once(
    inbox, zhytomyr, indiana, django_capture_on_commit_callbacks
):
    thread = services.thread_create(by=indiana, subject="Live inbox", users=[zhytomyr])
    stream = inbox(zhytomyr)
    assert stream.response["Content-Type"] == "text/event-stream"
    assert parse_block(stream.block()).retry == "1000"
    assert inbox_events_until_keep_alive(stream) == []
    with django_capture_on_commit_callbacks(execute=True):
        message = services.message_post(thread=thread, author=indiana, body="News")
    started = time.monotonic()
    events = inbox_events_until_keep_alive(stream)
    assert time.monotonic() - started < WOKEN_WITHIN, "woken by its poll, not by the bus"
    assert [int(event.id) for event in events] == [message.pk]
    data = events[0].json
    assert [row["id"] for row in data["threads"]] == [thread.pk]
    assert f'id="thread-row-{thread.pk}"' in data["threads"][0]["html"]
    assert "1 new" in data["threads"][0]["html"]
    assert data["badge"] == 1
    assert ">1<" in data["badge_html"]


def test_the_inbox_stream_says_nothing_of_a_thread_one_may_not_read(
    inbox, zhytomyr, indiana, chernihiv, monkeypatch, django_capture_on_commit_callbacks
):
    secret = chernihiv_minnesota()
    # zhytomyr was named on it before it became confidential, or by mistake: still not theirs.
    thread = services.thread_create(by=chernihiv, subject="Secret terms", partnership=secret)
    thread.participants.create(user=zhytomyr)
    other = services.thread_create(by=indiana, subject="Between others", users=[chernihiv])
    monkeypatch.setattr(views, "STREAM_SECONDS", 1.5)
    stream = inbox(zhytomyr)
    stream.block()
    assert inbox_events_until_keep_alive(stream) == []
    with django_capture_on_commit_callbacks(execute=True):
        services.message_post(thread=thread, author=chernihiv, body="Terms: 42")
        services.message_post(thread=other, author=indiana, body="Private")
    rest = []
    while (block := stream.block()) is not None:
        rest.append(block)
    assert stream.ended
    assert not [block for block in rest if "event: inbox" in block]
    assert not any("Secret terms" in block or "Between others" in block for block in rest)


def test_the_inbox_stream_reads_the_roles_again_so_a_revoked_one_stops_counting(
    inbox, zhytomyr, indiana, settings, django_capture_on_commit_callbacks
):
    settings.LIVE_RECHECK_SECONDS = 0.2
    thread = services.thread_create(
        by=indiana, subject="On the tie", users=[zhytomyr], partnership=zhytomyr_indiana()
    )
    stream = inbox(zhytomyr)
    stream.block()
    assert inbox_events_until_keep_alive(stream) == []
    with django_capture_on_commit_callbacks(execute=True):
        services.message_post(thread=thread, author=indiana, body="Seen while a member")
    assert len(inbox_events_until_keep_alive(stream)) == 1
    zhytomyr.role_assignments.all().delete()  # the region's role is revoked meanwhile
    time.sleep(0.3)
    with django_capture_on_commit_callbacks(execute=True):
        services.message_post(thread=thread, author=indiana, body="Not for a former member")
    assert inbox_events_until_keep_alive(stream) == []


def test_the_inbox_stream_resumes_after_last_event_id(inbox, zhytomyr, indiana):
    thread = services.thread_create(by=indiana, subject="Resume", users=[zhytomyr])
    first = services.message_post(thread=thread, author=indiana, body="one")
    second = services.message_post(thread=thread, author=indiana, body="two")
    stream = inbox(zhytomyr, after=first.pk)
    stream.block()
    events = inbox_events_until_keep_alive(stream)
    assert [int(event.id) for event in events] == [second.pk]
    stream = inbox(zhytomyr, after=second.pk)
    stream.block()
    assert inbox_events_until_keep_alive(stream) == []


def test_past_live_max_streams_the_inbox_stream_answers_503(client, own_bus, zhytomyr, settings):
    settings.LIVE_MAX_STREAMS = 0
    client.force_login(zhytomyr)
    response = client.get(reverse("messaging:inbox_stream"))
    assert response.status_code == 503
    assert response["Retry-After"] == "5"


def test_the_inbox_stream_is_for_members_only(client, own_bus, outsider):
    assert client.get(reverse("messaging:inbox_stream")).status_code == 302
    client.force_login(outsider)
    assert client.get(reverse("messaging:inbox_stream")).status_code == 403


def test_the_inbox_page_points_the_browser_at_its_stream(client, zhytomyr, indiana):
    thread = services.thread_create(by=indiana, subject="Pointer", users=[zhytomyr])
    message = services.message_post(thread=thread, author=indiana, body="x")
    client.force_login(zhytomyr)
    html = page(client, reverse("messaging:inbox"))
    assert f'data-stream="{reverse("messaging:inbox_stream")}"' in html
    assert f'data-last-id="{message.pk}"' in html
    assert "js/inbox.js" in html
