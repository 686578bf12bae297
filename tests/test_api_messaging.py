"""The messaging API at /api/v1: threads (unread counts; people, guests and whole offices),
messages (post, edit within the window, read state, polling after an id), search by word forms
in Ukrainian and English within one's own threads only, bounded query counts, and JSON errors
(never a 500) for hostile input."""

import json
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from regionbridge.messaging import services
from regionbridge.messaging.models import (
    Message,
    MessageRevision,
    Thread,
)
from regionbridge.outbox.models import OutboundEmail
from tests.api_contract import answers_documented  # noqa: F401 (a fixture)
from tests.conftest import org
from tests.test_api import assert_json_error, bearer, body

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("answers_documented")]

API = "/api/v1"
THREADS = f"{API}/threads"
SEARCH = f"{API}/search/messages"
MAX_ID = 2**63 - 1  # the largest id the API accepts (a signed 64-bit integer)
HUGE_IDS = [2**63, 2**64, 10**30]

AGREEMENT_UK = "Надсилаю проєкт договору на погодження до п'ятниці."
AGREEMENT_EN = "The agreements on rehabilitation are ready for signature."


# --- helpers -------------------------------------------------------------------------------


def send(client, method: str, url: str, data, headers: dict):
    raw = data if isinstance(data, str | bytes) else json.dumps(data)
    return getattr(client, method)(url, data=raw, content_type="application/json", headers=headers)


def ok(response, status: int = 200):
    assert response.status_code == status, (response.status_code, response.content[:500])
    return body(response) if status != 204 else None


def thread_items(client, headers: dict) -> dict[int, dict]:
    return {item["id"]: item for item in ok(client.get(THREADS, headers=headers))["items"]}


def post(thread: Thread, user, text: str, **kwargs) -> Message:
    return services.message_post(thread=thread, author=user, body=text, **kwargs)


@pytest.fixture
def thread(coordinator, zhytomyr):
    """The coordinator and Zhytomyr's officer."""
    return services.thread_create(
        by=coordinator, subject="Zhytomyr – Indiana: next steps", users=[zhytomyr]
    )


@pytest.fixture
def other_thread(chernihiv, indiana):
    """A thread neither the coordinator nor Zhytomyr takes part in."""
    return services.thread_create(
        by=chernihiv, subject="Chernihiv – Minnesota", kind="direct", users=[indiana]
    )


# --- threads -------------------------------------------------------------------------------


def test_thread_list_counts_messages_by_others_after_what_was_read(
    client, thread, coordinator, zhytomyr
):
    coordinator_auth, zhytomyr_auth = bearer(coordinator), bearer(zhytomyr)
    post(thread, coordinator, "Перше")
    post(thread, coordinator, "Друге")

    data = ok(client.get(THREADS, headers=zhytomyr_auth))
    assert data["count"] == 1
    assert data["items"][0]["id"] == thread.pk
    assert data["items"][0]["subject"] == "Zhytomyr – Indiana: next steps"
    assert data["items"][0]["kind"] == "topic"
    assert data["items"][0]["unread"] == 2
    # One's own messages are never unread.
    assert thread_items(client, coordinator_auth)[thread.pk]["unread"] == 0

    # Writing back reads what came before.
    post(thread, zhytomyr, "Дякую")
    assert thread_items(client, zhytomyr_auth)[thread.pk]["unread"] == 0
    assert thread_items(client, coordinator_auth)[thread.pk]["unread"] == 1


def test_a_guest_message_by_email_is_unread_for_everyone(client, coordinator, zhytomyr):
    thread = services.thread_create(
        by=coordinator,
        subject="With a guest",
        users=[zhytomyr],
        guests=[("emma@indiana.example.org", "Emma")],
    )
    services.message_post(
        thread=thread, guest_email="emma@indiana.example.org", body="Hello", via="email"
    )
    assert thread_items(client, bearer(coordinator))[thread.pk]["unread"] == 1
    assert thread_items(client, bearer(zhytomyr))[thread.pk]["unread"] == 1


def test_thread_list_shows_newest_activity_first(client, coordinator, zhytomyr):
    older = services.thread_create(by=coordinator, subject="Older", users=[zhytomyr])
    newer = services.thread_create(by=coordinator, subject="Newer", users=[zhytomyr])
    post(newer, coordinator, "first")
    post(older, coordinator, "later")
    items = ok(client.get(THREADS, headers=bearer(zhytomyr)))["items"]
    assert [item["id"] for item in items] == [older.pk, newer.pk]


def test_thread_list_holds_only_ones_own_threads(client, thread, other_thread, chernihiv):
    assert set(thread_items(client, bearer(chernihiv))) == {other_thread.pk}


def test_mark_read_clears_the_unread_count_and_never_goes_back(
    client, thread, coordinator, zhytomyr
):
    headers = bearer(zhytomyr)
    first = post(thread, coordinator, "one")
    second = post(thread, coordinator, "two")
    url = f"{THREADS}/{thread.pk}/read"

    ok(send(client, "post", url, {"upto": first.pk}, headers), 204)
    assert thread_items(client, headers)[thread.pk]["unread"] == 1
    ok(send(client, "post", url, {"upto": second.pk}, headers), 204)
    assert thread_items(client, headers)[thread.pk]["unread"] == 0
    ok(send(client, "post", url, {"upto": first.pk}, headers), 204)  # an older id: no change
    assert thread_items(client, headers)[thread.pk]["unread"] == 0
    post(thread, coordinator, "three")
    assert thread_items(client, headers)[thread.pk]["unread"] == 1


def test_create_thread_with_accounts_guests_and_offices(
    client, coordinator, zhytomyr, ministry, chernihiv
):
    mfa = org("mfa")
    response = send(
        client,
        "post",
        THREADS,
        {
            "subject": "  Спільний меморандум  ",
            "kind": "direct",
            # An account named by e-mail takes part as itself, whatever the case.
            "people": ["ZHYTOMYR@example.org", " Emma@Indiana.example.org "],
            "organizations": [mfa.pk],
            "body": "Пропоную обговорити проєкт.",
        },
        bearer(coordinator),
    )
    data = ok(response, 201)
    assert data["subject"] == "Спільний меморандум"
    assert data["kind"] == "direct"
    assert data["partnership_id"] is None

    thread = Thread.objects.get(pk=data["id"])
    participants = set(
        thread.participants.values_list("user__email", "organization__key", "guest_email")
    )
    assert participants == {
        ("coord@example.org", None, ""),
        ("zhytomyr@example.org", None, ""),
        (None, "mfa", ""),
        (None, None, "emma@indiana.example.org"),
    }
    assert [m.body for m in thread.messages.all()] == ["Пропоную обговорити проєкт."]
    # The guest hears of it by e-mail.
    assert OutboundEmail.objects.filter(to="emma@indiana.example.org").count() == 1

    # A named person and a member of the named office see it; others do not.
    for user in (zhytomyr, ministry):
        assert ok(client.get(f"{THREADS}/{thread.pk}", headers=bearer(user)))["id"] == thread.pk
    assert_json_error(client.get(f"{THREADS}/{thread.pk}", headers=bearer(chernihiv)), 404)


def test_create_thread_with_a_first_message_reports_its_time(client, coordinator):
    payload = {"subject": "With a first message", "body": "Hello"}
    data = ok(send(client, "post", THREADS, payload, bearer(coordinator)), 201)
    stored = ok(client.get(f"{THREADS}/{data['id']}", headers=bearer(coordinator)))
    assert stored["last_message_at"] is not None
    assert data["last_message_at"] == stored["last_message_at"]


def test_create_thread_alone_is_a_topic_without_messages(client, coordinator):
    data = ok(send(client, "post", THREADS, {"subject": "Notes"}, bearer(coordinator)), 201)
    assert data["kind"] == "topic"
    assert data["unread"] == 0
    thread = Thread.objects.get(pk=data["id"])
    assert thread.messages.count() == 0
    assert list(thread.participants.values_list("user", flat=True)) == [coordinator.pk]


def test_members_only(client, thread, outsider):
    assert_json_error(client.get(THREADS), 401)
    assert_json_error(client.get(THREADS, headers=bearer(outsider)), 403)
    response = send(client, "post", THREADS, {"subject": "Hi"}, bearer(outsider))
    assert_json_error(response, 403)
    assert_json_error(client.get(SEARCH, {"q": "hi"}, headers=bearer(outsider)), 403)
    assert Thread.objects.count() == 1


def test_a_thread_one_is_not_in_is_a_404_everywhere(client, thread, coordinator, chernihiv):
    message = post(thread, coordinator, "Confidential")
    headers = bearer(chernihiv)
    for response in (
        client.get(f"{THREADS}/{thread.pk}", headers=headers),
        client.get(f"{THREADS}/{thread.pk}/messages", headers=headers),
        send(client, "post", f"{THREADS}/{thread.pk}/messages", {"body": "hi"}, headers),
        send(client, "post", f"{THREADS}/{thread.pk}/read", {"upto": message.pk}, headers),
        send(client, "patch", f"{API}/messages/{message.pk}", {"body": "changed"}, headers),
    ):
        assert_json_error(response, 404)
    assert list(thread.messages.values_list("body", flat=True)) == ["Confidential"]
    assert not thread.read_states.filter(user=chernihiv).exists()


def test_thread_detail_reports_the_same_unread_count_as_the_list(
    client, thread, coordinator, zhytomyr
):
    post(thread, coordinator, "one")
    post(thread, coordinator, "two")
    headers = bearer(zhytomyr)
    assert thread_items(client, headers)[thread.pk]["unread"] == 2
    assert ok(client.get(f"{THREADS}/{thread.pk}", headers=headers))["unread"] == 2


# --- messages ------------------------------------------------------------------------------


def test_post_a_message(client, thread, coordinator, zhytomyr):
    first = post(thread, coordinator, "Вітаю!")
    response = send(
        client,
        "post",
        f"{THREADS}/{thread.pk}/messages",
        {
            "body": "Дякую, **погоджуюсь**. <script>alert(1)</script><img src=x onerror=alert(2)>",
            "reply_to": first.pk,
        },
        bearer(zhytomyr),
    )
    data = ok(response, 201)
    assert data["thread_id"] == thread.pk
    assert data["author"] == zhytomyr.get_full_name()
    assert data["reply_to_id"] == first.pk
    assert data["via"] == "api"
    assert data["edited_at"] is None
    assert data["attachments"] == []
    assert data["body"].startswith("Дякую, **погоджуюсь**.")
    assert "<strong>погоджуюсь</strong>" in data["body_html"]
    for hostile in ("<script", "<img"):
        assert hostile not in data["body_html"]
    # raw HTML is shown as text, escaped: "onerror" is only read, inside no tag
    escaped = "&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;</p>"
    assert escaped in data["body_html"]
    message = Message.objects.get(pk=data["id"])
    assert message.author == zhytomyr
    assert message.thread == thread
    # The coordinator has a new unread message.
    assert thread_items(client, bearer(coordinator))[thread.pk]["unread"] == 1


def test_a_reply_must_quote_a_message_of_the_same_thread(
    client, thread, other_thread, chernihiv, zhytomyr
):
    elsewhere = post(other_thread, chernihiv, "Not yours")
    response = send(
        client,
        "post",
        f"{THREADS}/{thread.pk}/messages",
        {"body": "Quoting", "reply_to": elsewhere.pk},
        bearer(zhytomyr),
    )
    assert_json_error(response, 404)
    assert thread.messages.count() == 0


def test_list_messages_after_an_id(client, thread, coordinator, zhytomyr):
    headers = bearer(zhytomyr)
    one, two, three = (post(thread, coordinator, text) for text in ("one", "two", "three"))
    url = f"{THREADS}/{thread.pk}/messages"

    def ids(**params):
        return [m["id"] for m in ok(client.get(url, params, headers=headers))]

    assert ids() == [one.pk, two.pk, three.pk]
    assert ids(after=0) == [one.pk, two.pk, three.pk]
    assert ids(after=one.pk) == [two.pk, three.pk]
    assert ids(after=three.pk) == []
    assert ids(after=MAX_ID) == []
    assert [m["body"] for m in ok(client.get(url, {"after": one.pk}, headers=headers))] == [
        "two",
        "three",
    ]


def test_edit_within_the_window_keeps_the_earlier_text(client, thread, coordinator, zhytomyr):
    message = post(thread, zhytomyr, "Зустріч у вівторок")
    url = f"{API}/messages/{message.pk}"
    data = ok(send(client, "patch", url, {"body": "Зустріч у середу"}, bearer(zhytomyr)))
    assert data["id"] == message.pk
    assert data["body"] == "Зустріч у середу"
    assert "середу" in data["body_html"]
    assert data["edited_at"] is not None
    assert list(MessageRevision.objects.filter(message=message).values_list("body", flat=True)) == [
        "Зустріч у вівторок"
    ]
    listed = ok(client.get(f"{THREADS}/{thread.pk}/messages", headers=bearer(coordinator)))
    assert [m["body"] for m in listed] == ["Зустріч у середу"]


def test_only_the_author_may_edit(client, thread, coordinator, zhytomyr):
    message = post(thread, zhytomyr, "Mine")
    url = f"{API}/messages/{message.pk}"
    assert_json_error(send(client, "patch", url, {"body": "Theirs"}, bearer(coordinator)), 403)
    message.refresh_from_db()
    assert message.body == "Mine"
    assert message.edited_at is None


def test_no_edit_after_the_window(client, thread, zhytomyr):
    message = post(thread, zhytomyr, "Old news")
    Message.objects.filter(pk=message.pk).update(
        created_at=timezone.now() - services.EDIT_WINDOW - timedelta(seconds=5)
    )
    url = f"{API}/messages/{message.pk}"
    assert_json_error(send(client, "patch", url, {"body": "Fresh news"}, bearer(zhytomyr)), 400)
    message.refresh_from_db()
    assert message.body == "Old news"
    assert not MessageRevision.objects.filter(message=message).exists()


# --- bad input: a 4xx JSON answer with a message, never a 500 --------------------------------


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"subject": ""},
        {"subject": "   "},
        {"subject": "\t\n"},
        {"subject": "x" * 201},
        {"subject": None},
        {"subject": ["list"]},
        {"subject": {"an": "object"}},
        {"subject": "ok", "kind": "bogus"},
        {"subject": "ok", "kind": ""},
        {"subject": "ok", "kind": 1},
        {"subject": "ok", "kind": None},
        {"subject": "ok", "people": ["not-an-email"]},
        {"subject": "ok", "people": ["two words@example.org"]},
        {"subject": "ok", "people": ["a@"]},
        {"subject": "ok", "people": ["@"]},
        {"subject": "ok", "people": ["someone@localhost.invalid@example.org"]},
        {"subject": "ok", "people": ["<script>@example.org"]},
        {"subject": "ok", "people": ["x@y"]},
        {"subject": "ok", "people": ["a" * 250 + "@example.org"]},
        {"subject": "ok", "people": [f"p{i}@example.org" for i in range(101)]},
        {"subject": "ok", "people": "zhytomyr@example.org"},
        {"subject": "ok", "people": [42]},
        {"subject": "ok", "organizations": [0]},
        {"subject": "ok", "organizations": [-1]},
        {"subject": "ok", "organizations": ["mfa"]},
        {"subject": "ok", "organizations": list(range(1, 102))},
        *({"subject": "ok", "organizations": [huge]} for huge in HUGE_IDS),
        {"subject": "ok", "partnership": 0},
        *({"subject": "ok", "partnership": huge} for huge in HUGE_IDS),
        {"subject": "ok", "partnership": MAX_ID},  # no such partnership
        {"subject": "ok", "body": "x" * 20_001},
        {"subject": "ok", "body": 5},
        {"subject": "nul\x00"},
    ],
)
def test_bad_thread_input_is_a_json_4xx(client, coordinator, zhytomyr, payload):
    before = Thread.objects.count()
    assert_json_error(send(client, "post", THREADS, payload, bearer(coordinator)))
    assert Thread.objects.count() == before


# --- one split of addresses for every door ---------------------------------------------------

# An account in capitals, a guest with an apostrophe and a plus, padded and then again in lower
# case, and a plain guest.
MIXED = [
    "COORD@example.org",
    " O'Brien+Twinning@Partner.Example ",
    "o'brien+twinning@partner.example",
    "new.person@partner.example",
]


def start_by_page(client, user, subject: str, people: list[str]):
    client.force_login(user)
    return client.post(
        reverse("messaging:create"),
        {"subject": subject, "kind": "topic", "people": "\n".join(people)},
    )


def test_the_page_and_the_api_split_the_same_addresses_into_the_same_people(
    client, coordinator, zhytomyr
):
    assert start_by_page(client, zhytomyr, "By page", MIXED).status_code == 302
    ok(send(client, "post", THREADS, {"subject": "By API", "people": MIXED}, bearer(zhytomyr)), 201)

    def people(subject: str) -> set[tuple]:
        thread = Thread.objects.get(subject=subject)
        return set(thread.participants.values_list("user__email", "guest_email"))

    assert (
        people("By page")
        == people("By API")
        == {
            ("zhytomyr@example.org", ""),
            ("coord@example.org", ""),
            (None, "o'brien+twinning@partner.example"),
            (None, "new.person@partner.example"),
        }
    )


@pytest.mark.parametrize(
    "nasty",
    ["<script>@example.org", "evil@example.org\r\nBcc: all@example.org", "x@y", "a@", "@"],
)
def test_the_page_and_the_api_refuse_the_same_nasty_address(client, zhytomyr, nasty):
    people = [*MIXED, nasty]
    assert start_by_page(client, zhytomyr, "By page", people).status_code == 400
    payload = {"subject": "By API", "people": people}
    assert_json_error(send(client, "post", THREADS, payload, bearer(zhytomyr)))
    assert not Thread.objects.exists()


@pytest.mark.parametrize(
    "raw", ["", "{", "[]", "null", '"subject"', "42", '{"subject": "ok",}', "\xff\xfe"]
)
def test_malformed_json_body_is_a_json_4xx(client, coordinator, raw):
    assert_json_error(send(client, "post", THREADS, raw, bearer(coordinator)))
    assert not Thread.objects.exists()


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"body": ""},
        {"body": "   \n\t "},
        {"body": "\x00"},
        {"body": "x" * 20_001},
        {"body": None},
        {"body": ["text"]},
        {"body": "ok", "reply_to": 0},
        {"body": "ok", "reply_to": -5},
        {"body": "ok", "reply_to": "first"},
        *({"body": "ok", "reply_to": huge} for huge in HUGE_IDS),
        {"body": "ok", "reply_to": MAX_ID},  # no such message
    ],
)
def test_bad_message_input_is_a_json_4xx(client, thread, zhytomyr, payload):
    url = f"{THREADS}/{thread.pk}/messages"
    assert_json_error(send(client, "post", url, payload, bearer(zhytomyr)))
    assert thread.messages.count() == 0


def test_an_over_long_body_passes_at_the_limit(client, thread, zhytomyr):
    url = f"{THREADS}/{thread.pk}/messages"
    ok(send(client, "post", url, {"body": "я" * 20_000}, bearer(zhytomyr)), 201)


@pytest.mark.parametrize("payload", [{}, {"body": ""}, {"body": "  "}, {"body": "x" * 20_001}])
def test_bad_edit_input_is_a_json_4xx(client, thread, zhytomyr, payload):
    message = post(thread, zhytomyr, "Original")
    url = f"{API}/messages/{message.pk}"
    assert_json_error(send(client, "patch", url, payload, bearer(zhytomyr)))
    message.refresh_from_db()
    assert message.body == "Original"


@pytest.mark.parametrize("upto", [0, -1, "latest", None, *HUGE_IDS])
def test_bad_read_marks_are_a_json_4xx(client, thread, zhytomyr, upto):
    url = f"{THREADS}/{thread.pk}/read"
    assert_json_error(send(client, "post", url, {"upto": upto}, bearer(zhytomyr)))
    assert not thread.read_states.filter(user=zhytomyr, last_read_id__gt=0).exists()


@pytest.mark.parametrize("after", ["-1", "x", "1.5", *map(str, HUGE_IDS)])
def test_bad_after_is_a_json_4xx(client, thread, zhytomyr, after):
    response = client.get(f"{THREADS}/{thread.pk}/messages?after={after}", headers=bearer(zhytomyr))
    assert_json_error(response, 422)


@pytest.mark.parametrize("thread_id", ["0", "-1", str(MAX_ID), *map(str, HUGE_IDS)])
def test_unknown_or_huge_thread_ids_are_a_json_404(client, thread, zhytomyr, thread_id):
    headers = bearer(zhytomyr)
    base = f"{THREADS}/{thread_id}"
    for response in (
        client.get(base, headers=headers),
        client.get(f"{base}/messages", headers=headers),
        send(client, "post", f"{base}/messages", {"body": "hi"}, headers),
        send(client, "post", f"{base}/read", {"upto": 1}, headers),
        send(client, "patch", f"{API}/messages/{thread_id}", {"body": "hi"}, headers),
    ):
        assert_json_error(response, 404)
    assert not Message.objects.exists()


def test_non_numeric_ids_are_a_json_4xx(client, thread, zhytomyr):
    headers = bearer(zhytomyr)
    assert_json_error(client.get(f"{THREADS}/abc", headers=headers))
    assert_json_error(send(client, "patch", f"{API}/messages/abc", {"body": "x"}, headers))


# --- search --------------------------------------------------------------------------------


@pytest.fixture
def searchable(thread, other_thread, coordinator, zhytomyr, chernihiv):
    """The same words in a thread of Zhytomyr's and in one of Chernihiv's."""
    return {
        "uk": post(thread, coordinator, AGREEMENT_UK),
        "en": post(thread, zhytomyr, AGREEMENT_EN),
        "other": post(thread, zhytomyr, "Зустрінемось у Житомирі."),
        "elsewhere_uk": post(other_thread, chernihiv, "Ще один проєкт договору для Міннесоти."),
        "elsewhere_en": post(other_thread, chernihiv, "Another agreement, for Minnesota."),
    }


def found(client, user, q: str) -> list[int]:
    data = ok(client.get(SEARCH, {"q": q}, headers=bearer(user)))
    assert data["count"] == len(data["items"])
    return [item["id"] for item in data["items"]]


@pytest.mark.parametrize("q", ["договір", "Договір", "договори", "договорів", "проєкт договір"])
def test_search_finds_ukrainian_word_forms(client, searchable, zhytomyr, q):
    assert found(client, zhytomyr, q) == [searchable["uk"].pk]


@pytest.mark.parametrize("q", ["agreements", "agreement", "Agreement", "agreements signature"])
def test_search_finds_english_word_forms(client, searchable, zhytomyr, q):
    assert found(client, zhytomyr, q) == [searchable["en"].pk]


def test_search_returns_full_messages(client, searchable, zhytomyr):
    (item,) = ok(client.get(SEARCH, {"q": "договір"}, headers=bearer(zhytomyr)))["items"]
    assert item["body"] == AGREEMENT_UK
    assert item["thread_id"] == searchable["uk"].thread_id


def test_search_only_looks_in_ones_own_threads(client, searchable, coordinator, chernihiv):
    # The coordinator sees every partnership, but a conversation only as a participant.
    assert found(client, coordinator, "договір") == [searchable["uk"].pk]
    assert found(client, coordinator, "agreement") == [searchable["en"].pk]
    assert found(client, chernihiv, "договір") == [searchable["elsewhere_uk"].pk]
    assert found(client, chernihiv, "agreement") == [searchable["elsewhere_en"].pk]
    assert found(client, chernihiv, "Житомир") == []


def test_search_follows_edits(client, searchable, zhytomyr):
    message = searchable["other"]
    services.message_edit(message=message, by=zhytomyr, body="Зустрінемось у Вінниці.")
    assert found(client, zhytomyr, "Житомир") == []
    assert found(client, zhytomyr, "Вінниця") == [message.pk]


def test_search_shows_newest_first(client, thread, coordinator):
    ids = [post(thread, coordinator, f"Угода номер {n}").pk for n in range(3)]
    assert found(client, coordinator, "угода") == ids[::-1]


@pytest.mark.parametrize(
    "q",
    [
        "!!!",
        '"',
        '""',
        "'",
        "*",
        "договір*",
        "NEAR(договір проєкт)",
        "договір OR agreement",
        "AND",
        "NOT договір",
        "-agreement",
        "^agreement",
        "lemmas:договір",
        "{lemmas}: agreement",
        "(",
        "😀",
        "x" * 200,
        "\u202e",
        "%",
        "_",
        "договір " * 24,
    ],
)
def test_hostile_search_queries_are_answered(client, searchable, zhytomyr, q):
    response = client.get(SEARCH, {"q": q}, headers=bearer(zhytomyr))
    data = ok(response)
    assert isinstance(data["items"], list)
    allowed = {searchable["uk"].pk, searchable["en"].pk, searchable["other"].pk}
    assert {item["id"] for item in data["items"]} <= allowed


@pytest.mark.parametrize("params", [{}, {"q": ""}, {"q": "x" * 201}, {"q": "a", "page": 0}])
def test_bad_search_input_is_a_json_4xx(client, searchable, zhytomyr, params):
    assert_json_error(client.get(SEARCH, params, headers=bearer(zhytomyr)), 422)


# --- query counts --------------------------------------------------------------------------


def make_threads(n: int, coordinator, zhytomyr, chernihiv) -> None:
    mfa = org("mfa")
    for i in range(n):
        thread = services.thread_create(
            by=coordinator,
            subject=f"Thread {i}",
            users=[zhytomyr, chernihiv],
            organizations=[mfa],
            guests=[(f"guest{i}@example.org", "")],
        )
        post(thread, coordinator, f"Message {i}")
        post(thread, chernihiv, f"Reply {i}")


def count_queries(client, url: str, headers: dict) -> int:
    client.get(url, headers=headers)  # the token's first use is written once a minute
    with CaptureQueriesContext(connection) as queries:
        ok(client.get(url, headers=headers))
    return len(queries)


def test_thread_list_queries_do_not_grow_with_threads(
    client, coordinator, zhytomyr, chernihiv, django_assert_max_num_queries
):
    headers = bearer(zhytomyr)
    make_threads(2, coordinator, zhytomyr, chernihiv)
    few = count_queries(client, THREADS, headers)
    make_threads(10, coordinator, zhytomyr, chernihiv)
    many = count_queries(client, THREADS, headers)
    assert many == few
    with django_assert_max_num_queries(8):
        data = ok(client.get(THREADS, headers=headers))
    assert data["count"] == 12
    assert all(item["unread"] == 2 for item in data["items"])


def many_messages(thread, coordinator, zhytomyr, n: int = 20) -> None:
    first = thread.messages.first()
    for i in range(n):
        post(thread, coordinator if i % 2 else zhytomyr, f"Договір {i}", reply_to=first)


def test_message_list_queries_do_not_grow_with_messages(
    client, thread, coordinator, zhytomyr, django_assert_max_num_queries
):
    headers = bearer(zhytomyr)
    url = f"{THREADS}/{thread.pk}/messages"
    post(thread, coordinator, "Договір")
    post(thread, zhytomyr, "Договір?")
    few = count_queries(client, url, headers)
    many_messages(thread, coordinator, zhytomyr)
    assert count_queries(client, url, headers) == few
    with django_assert_max_num_queries(8):
        assert len(ok(client.get(url, headers=headers))) == 22


def test_search_queries_do_not_grow_with_results(
    client, thread, coordinator, zhytomyr, django_assert_max_num_queries
):
    headers = bearer(zhytomyr)
    url = f"{SEARCH}?q=договір"
    post(thread, coordinator, "Договір")
    post(thread, zhytomyr, "Договір?")
    few = count_queries(client, url, headers)
    many_messages(thread, coordinator, zhytomyr)
    assert count_queries(client, url, headers) == few
