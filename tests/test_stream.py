"""The live stream of a thread (Server-Sent Events), read with the test client: its format,
resuming after Last-Event-ID or ?after=, news arriving while it is open (woken by the bus, not
by its poll), who may listen, and hostile text arriving sanitized."""

import asyncio
import json
import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from html.parser import HTMLParser

import pytest
from asgiref.sync import async_to_sync
from django.db import connection, transaction
from django.urls import reverse

from regionbridge.messaging import live, services, views
from regionbridge.messaging.models import Participant, Thread
from tests.conftest import close_response, org

pytestmark = pytest.mark.django_db

KEEP_ALIVE = ": keep-alive"
# A 10 s stream waits for news all along (keep-alive: 20 s): anything quicker came from the bus.
LONG_STREAM = 10
WOKEN_WITHIN = 2.5


@dataclass
class Event:
    id: str | None = None
    event: str | None = None
    data: list[str] = field(default_factory=list)
    retry: str | None = None
    comments: list[str] = field(default_factory=list)

    @property
    def json(self) -> dict:
        assert len(self.data) == 1, self.data  # one line of JSON: nothing can break the frame
        return json.loads(self.data[0])


def parse_block(block: str) -> Event:
    event = Event()
    for line in block.split("\n"):
        if line.startswith(":"):
            event.comments.append(line)
            continue
        name, _colon, value = line.partition(":")
        value = value.removeprefix(" ")
        if name == "data":
            event.data.append(value)
        elif name in ("id", "event", "retry"):
            setattr(event, name, value)
        else:
            pytest.fail(f"unexpected line in the stream: {line!r}")
    return event


class Stream:
    """Reads a streaming response block by block (a block ends with an empty line)."""

    def __init__(self, response):
        assert response.status_code == 200, response.status_code
        assert response.streaming
        self.response = response
        self.chunks = aiter(response.streaming_content)  # an async view: an async iterator
        self.buffer = ""
        self.ended = False

    def block(self) -> str | None:
        while "\n\n" not in self.buffer:
            chunk = async_to_sync(_next_chunk)(self.chunks)
            if chunk is None:
                self.ended = True
                assert self.buffer == "", f"unterminated block: {self.buffer!r}"
                return None
            self.buffer += chunk.decode() if isinstance(chunk, bytes) else chunk
        block, self.buffer = self.buffer.split("\n\n", 1)
        return block

    def messages_until_keep_alive(self) -> list[Event]:
        """The message events of one round (None-terminated if the stream ends)."""
        events = []
        while (block := self.block()) is not None:
            event = parse_block(block)
            if KEEP_ALIVE in event.comments:
                return events
            if event.event == "message":
                events.append(event)
        return events

    def rest(self) -> list[Event]:
        """The remaining new-message and edit events, in order, until the stream ends."""
        events = []
        while (block := self.block()) is not None:
            event = parse_block(block)
            if event.event in ("message", "edited"):
                events.append(event)
        return events

    def close(self) -> None:
        inner = getattr(self.response, "_iterator", None)
        if hasattr(inner, "aclose"):  # the stream's generator: its listener leaves the bus
            async_to_sync(_aclose)(inner)
        close_response(self.response)


async def _next_chunk(chunks):
    """The next chunk, or None at the end. Driven from the test's thread, so the stream's reads
    run in that thread and see the test's transaction (live.SHARED_POOL off)."""
    try:
        return await anext(chunks)
    except StopAsyncIteration:
        return None


async def _aclose(generator) -> None:
    await generator.aclose()


def ids(events: list[Event]) -> list[int]:
    return [int(event.id) for event in events]


def bus_of_its_own(monkeypatch, settings, tmp_path):
    """A bus of this test's own (its socket in a fresh directory), reading in the test's thread."""
    settings.LIVE_DIR = tmp_path / "live"
    monkeypatch.setattr(live, "SHARED_POOL", False)
    # Each read of a stream runs in an event loop of its own (async_to_sync, so that the view's
    # database reads run in this thread); a loop that ends must not close the stream with it.
    monkeypatch.setattr(asyncio.BaseEventLoop, "_asyncgen_firstiter_hook", lambda loop, gen: None)
    monkeypatch.setattr(live, "_hub", None)
    # The bus's poll reads in a thread of its own: not while a test's transaction holds the data
    # (SQLite's shared cache would lock), but in the test that asks for it.
    settings.LIVE_POLL_SECONDS = 3600
    yield
    if live._hub is not None:
        live._hub.stop()


@pytest.fixture(autouse=True)
def own_bus(monkeypatch, settings, tmp_path):
    yield from bus_of_its_own(monkeypatch, settings, tmp_path)


@pytest.fixture
def stream_seconds(monkeypatch):
    """A short stream: it ends (and a browser would reconnect) after this many seconds."""
    monkeypatch.setattr(views, "STREAM_SECONDS", 0.5)
    return lambda seconds: monkeypatch.setattr(views, "STREAM_SECONDS", seconds)


@pytest.fixture
def thread(coordinator, zhytomyr) -> Thread:
    return services.thread_create(by=coordinator, subject="Stream test", users=[zhytomyr])


@pytest.fixture
def listen(client, zhytomyr):
    """Open the thread's stream as Zhytomyr's officer; every stream is closed afterwards."""
    client.force_login(zhytomyr)
    opened = []

    def open_stream(thread, *, after=None, last_event_id=None, rev=None) -> Stream:
        url = reverse("messaging:stream", args=[thread.pk])
        headers = {} if last_event_id is None else {"Last-Event-ID": last_event_id}
        params = {} if after is None else {"after": after}
        if rev is not None:
            params["rev"] = rev
        stream = Stream(client.get(url, params, headers=headers))
        opened.append(stream)
        return stream

    yield open_stream
    for stream in opened:
        stream.close()


def say(thread, author, text: str, **kwargs):
    return services.message_post(thread=thread, author=author, body=text, **kwargs)


# --- format --------------------------------------------------------------------------------


def test_stream_is_server_sent_events(listen, thread, coordinator, stream_seconds):
    first = say(thread, coordinator, "Добрий день!")
    second = say(thread, coordinator, "Надсилаю *проєкт*.")
    stream = listen(thread)
    response = stream.response
    assert response["Content-Type"] == "text/event-stream"
    assert response["Cache-Control"] == "no-cache"
    assert response["X-Accel-Buffering"] == "no"

    assert parse_block(stream.block()).retry == "1000"  # reconnect after a second
    events = stream.messages_until_keep_alive()
    assert ids(events) == [first.pk, second.pk]
    for event, message in zip(events, (first, second), strict=True):
        assert event.event == "message"
        data = event.json
        assert set(data) == {"id", "html", "edited"}
        assert data["id"] == message.pk
        assert data["edited"] is False
        assert f'id="message-{message.pk}"' in data["html"]
        assert f'data-id="{message.pk}"' in data["html"]
        assert coordinator.get_full_name() in data["html"]
    assert "Добрий день!" in events[0].json["html"]
    assert "<em>проєкт</em>" in events[1].json["html"]


def test_each_message_is_sent_once_over_several_rounds(listen, thread, coordinator, stream_seconds):
    stream_seconds(1.5)
    messages = [say(thread, coordinator, f"Повідомлення {n}") for n in range(3)]
    stream = listen(thread)
    started = time.monotonic()
    events = stream.rest()
    assert time.monotonic() - started < 5  # the stream ends by itself
    assert stream.ended
    assert ids(events) == [m.pk for m in messages]


def test_an_empty_thread_sends_only_keep_alives(listen, thread, stream_seconds):
    stream = listen(thread)
    assert parse_block(stream.block()).retry == "1000"
    assert stream.messages_until_keep_alive() == []
    assert stream.rest() == []


# --- resuming ------------------------------------------------------------------------------


@pytest.fixture
def three(thread, coordinator, zhytomyr):
    return [
        say(thread, coordinator, "one"),
        say(thread, zhytomyr, "two"),
        say(thread, coordinator, "three"),
    ]


def test_last_event_id_skips_what_was_sent(listen, thread, three, stream_seconds):
    stream = listen(thread, last_event_id=str(three[0].pk))
    assert ids(stream.messages_until_keep_alive()) == [three[1].pk, three[2].pk]


def test_after_skips_what_the_page_already_shows(listen, thread, three, stream_seconds):
    stream = listen(thread, after=three[1].pk)
    assert ids(stream.messages_until_keep_alive()) == [three[2].pk]


def test_last_event_id_wins_over_after(listen, thread, three, stream_seconds):
    # A browser reconnects to the page's first URL (?after=) and says how far it got since.
    stream = listen(thread, after=three[0].pk, last_event_id=str(three[2].pk))
    assert stream.messages_until_keep_alive() == []


@pytest.mark.parametrize("raw", ["", "abc", "-5", "1.5", " ", "0x10", "١٢"])
def test_unreadable_last_event_id_starts_from_the_beginning(
    listen, thread, three, stream_seconds, raw
):
    stream = listen(thread, last_event_id=raw)
    if raw == "١٢":  # Python reads Arabic-Indic digits as 12: after 12, nothing or something
        assert set(ids(stream.messages_until_keep_alive())) <= {m.pk for m in three}
        return
    assert ids(stream.messages_until_keep_alive()) == [m.pk for m in three]


@pytest.mark.parametrize("raw", [str(2**63 - 1), str(2**63), str(2**64), "9" * 40])
def test_huge_last_event_id_sends_nothing_and_does_not_crash(
    listen, thread, three, stream_seconds, raw
):
    assert listen(thread, last_event_id=raw).rest() == []
    assert listen(thread, after=raw).rest() == []


# --- news while the stream is open ---------------------------------------------------------


def test_a_message_posted_after_the_stream_started_arrives_at_once(
    listen, thread, three, coordinator, stream_seconds, django_capture_on_commit_callbacks
):
    stream_seconds(LONG_STREAM)
    stream = listen(thread, after=three[-1].pk)
    stream.block()  # retry
    assert stream.messages_until_keep_alive() == []  # the stream now waits for news

    with django_capture_on_commit_callbacks(execute=True):  # the commit announces it
        new = say(thread, coordinator, "Just now")
    started = time.monotonic()
    events = stream.messages_until_keep_alive()
    assert time.monotonic() - started < WOKEN_WITHIN, "woken by its poll, not by the bus"
    assert ids(events) == [new.pk]
    assert "Just now" in events[0].json["html"]

    # And nothing twice: the next round has nothing new.
    with django_capture_on_commit_callbacks(execute=True):
        newer = say(thread, coordinator, "And now")
    assert ids(stream.messages_until_keep_alive()) == [newer.pk]


@pytest.mark.django_db(transaction=True)
def test_a_message_posted_by_another_thread_arrives_at_once(
    listen, reference, coordinator, zhytomyr, stream_seconds
):
    """As in production: another request (thread) commits a message; the bus wakes the stream."""
    stream_seconds(LONG_STREAM)
    thread = services.thread_create(by=coordinator, subject="Threaded", users=[zhytomyr])
    stream = listen(thread)
    stream.block()
    assert stream.messages_until_keep_alive() == []
    errors = []

    def post_later():
        try:
            time.sleep(0.3)
            say(thread, coordinator, "From another request")
        except Exception as exc:  # reported by the test below
            errors.append(exc)
        finally:
            connection.close()

    poster = threading.Thread(target=post_later)
    started = time.monotonic()
    poster.start()
    try:
        events = stream.messages_until_keep_alive()
    finally:
        poster.join()
    assert errors == []
    assert time.monotonic() - started < WOKEN_WITHIN, "woken by its poll, not by the bus"
    assert [event.json["html"].count("From another request") for event in events] == [1]


@pytest.mark.django_db(transaction=True)
def test_news_the_bus_lost_arrives_with_the_processs_one_poll(
    listen, reference, coordinator, zhytomyr, monkeypatch, settings
):
    """A quiet stream does not poll by itself: it sleeps until its thread changes or its
    keep-alive is due. News the bus lost (a dropped datagram) is found by the process's one
    query every LIVE_POLL_SECONDS, made by the bus's thread for all rooms, which wakes the room."""
    monkeypatch.setattr(views, "STREAM_SECONDS", 30)
    settings.LIVE_POLL_SECONDS = 0.3
    thread = services.thread_create(by=coordinator, subject="Polled", users=[zhytomyr])
    waits = []
    real_wait = live.Listener.wait

    def recorded_wait(self, timeout):
        waits.append(timeout)
        return real_wait(self, timeout)

    monkeypatch.setattr(live.Listener, "wait", recorded_wait)
    stream = listen(thread)
    stream.block()
    assert stream.messages_until_keep_alive() == []
    monkeypatch.setattr(live, "_announce", lambda thread_id, kind: None)  # the bus loses it
    started = time.monotonic()
    new = say(thread, coordinator, "Unannounced")
    assert ids(stream.messages_until_keep_alive()) == [new.pk]
    assert time.monotonic() - started < WOKEN_WITHIN
    assert live.hub().polls >= 1
    assert waits and min(waits) >= settings.LIVE_KEEPALIVE_SECONDS - 1, waits


def test_the_poll_wakes_only_rooms_behind_the_database_in_two_queries(
    thread, coordinator, zhytomyr, django_assert_num_queries
):
    others = [
        services.thread_create(by=coordinator, subject=f"Other {n}", users=[zhytomyr])
        for n in range(3)
    ]
    hub = live.hub()
    look = ("uk", "UTC")
    listeners = [
        hub.join(
            each.pk, user=zhytomyr, last_id=0, revision=live.current_revision(each.pk), look=look
        )
        for each in [thread, *others]
    ]
    assert hub.poll() == []  # nothing newer than what they were sent
    say(thread, coordinator, "Unannounced")
    message = say(others[1], coordinator, "Also unannounced")
    services.message_edit(message=message, by=coordinator, body="Edited, unannounced")
    with django_assert_num_queries(2):  # however many rooms: messages, then revisions
        behind = hub.poll()
    assert sorted(behind) == sorted([thread.pk, others[1].pk])
    assert [listener.room.news for listener in listeners] == [1, 0, 1, 0]
    for listener in listeners:
        listener.close()


def test_an_edit_reaches_the_open_stream(
    listen, thread, zhytomyr, stream_seconds, django_capture_on_commit_callbacks
):
    stream_seconds(1.5)
    message = say(thread, zhytomyr, "Зустріч у вівторок")
    stream = listen(thread)
    stream.block()
    assert ids(stream.messages_until_keep_alive()) == [message.pk]
    with django_capture_on_commit_callbacks(execute=True):
        services.message_edit(message=message, by=zhytomyr, body="Зустріч у середу")
    # Edits come as "edited" events without an id: the resume point never goes back.
    edits = [e.json for e in stream.rest() if e.json and e.json.get("id") == message.pk]
    assert len(edits) == 1
    assert edits[0]["edited"] is True
    assert "середу" in edits[0]["html"]


def test_an_edit_made_while_reconnecting_arrives_after_the_reconnect(
    listen, thread, zhytomyr, stream_seconds
):
    """Edits resume from a revision counter as messages resume from their id: the page gives
    its revision (?rev=), and an id line carries the revision once an edit moved past it."""
    message = say(thread, zhytomyr, "Зустріч у вівторок")
    page_revision = live.current_revision(thread.pk)
    first = listen(thread, after=0, rev=page_revision).rest()
    assert [e.id for e in first] == [str(message.pk)]  # no edit yet: the id alone
    # The reader is away (between two streams) when the author corrects the message.
    services.message_edit(message=message, by=zhytomyr, body="Зустріч у середу")
    revision = live.current_revision(thread.pk)
    assert revision > page_revision
    events = listen(thread, after=0, rev=page_revision, last_event_id=first[-1].id).rest()
    assert [(e.event, e.id) for e in events] == [("edited", f"{message.pk}:{revision}")]
    assert events[0].json["edited"] is True
    assert "середу" in events[0].json["html"]
    # Resumed from there, the edit is not sent again; a new message keeps the revision.
    later = say(thread, zhytomyr, "І ще одне")
    events = listen(thread, after=0, rev=page_revision, last_event_id=events[-1].id).rest()
    assert [(e.event, e.id) for e in events] == [("message", f"{later.pk}:{revision}")]


# --- how far it scales ---------------------------------------------------------------------


def test_past_live_max_streams_the_stream_answers_503_with_retry_after(
    client, listen, thread, zhytomyr, stream_seconds, settings
):
    settings.LIVE_MAX_STREAMS = 1
    stream_seconds(LONG_STREAM)
    listen(thread).block()  # one open stream: the process is full
    client.force_login(zhytomyr)
    response = client.get(reverse("messaging:stream", args=[thread.pk]))
    assert response.status_code == 503
    assert not response.streaming
    assert int(response["Retry-After"]) > 0
    assert response.content  # says why, in the reader's language
    assert live.hub().count == 1


def test_a_wake_up_reaches_only_the_changed_threads_listeners_and_reads_once(
    thread, coordinator, zhytomyr
):
    other = services.thread_create(by=coordinator, subject="Other", users=[zhytomyr])
    hub = live.hub()
    look = ("uk", "UTC")
    here = [hub.join(thread.pk, user=zhytomyr, last_id=0, revision=0, look=look) for _ in range(5)]
    there = hub.join(other.pk, user=zhytomyr, last_id=0, revision=0, look=look)
    room = here[0].room

    async def news_for_all():
        return await asyncio.gather(*(listener.news() for listener in here))

    batches = async_to_sync(news_for_all)()
    assert [each.take(b) for each, b in zip(here, batches, strict=True)] == [([], [])] * 5
    assert room.reads == 1  # five listeners, one read
    message = say(thread, coordinator, "Для всіх п'ятьох")
    hub.wake(thread.pk, live.NEWS)

    async def woken(listener, timeout):
        return await listener.wait(timeout)

    assert all(async_to_sync(woken)(listener, 0.5) for listener in here)
    assert async_to_sync(woken)(there, 0.3) is False  # another thread's listener sleeps on
    batches = async_to_sync(news_for_all)()
    assert room.reads == 2  # one read for the wake-up, shared by all five
    for listener, batch in zip(here, batches, strict=True):
        new, edits = listener.take(batch)
        assert [m.pk for m in new] == [message.pk] and edits == []
    assert there.room.reads == 0
    for listener in [*here, there]:
        listener.close()
    assert hub.count == 0 and hub.rooms == {}


@pytest.mark.skipif(connection.vendor == "postgresql", reason="the SQLite bus")
def test_another_process_wakes_this_ones_listeners_through_the_socket(thread, zhytomyr, settings):
    """On SQLite, a process that posts (another app worker, the mail gateway, the CLI) sends a
    datagram to every hub under LIVE_DIR: listeners of that thread wake at once, no poll."""
    hub = live.hub()
    listener = hub.join(thread.pk, user=zhytomyr, last_id=0, revision=0, look=("uk", "UTC"))
    bystander = hub.join(thread.pk + 1, user=zhytomyr, last_id=0, revision=0, look=("uk", "UTC"))
    assert (settings.LIVE_DIR / f"{os.getpid()}.sock").exists()
    script = (
        "import django; django.setup(); from regionbridge.messaging import live; "
        f"live.publish({thread.pk}, 1)"
    )
    env = {
        **os.environ,
        "LIVE_DIR": str(settings.LIVE_DIR),
        "DJANGO_SETTINGS_MODULE": "regionbridge.settings",
    }
    env.pop("DATABASE_URL", None)

    async def woken(who, timeout):
        started = time.monotonic()
        return await who.wait(timeout), time.monotonic() - started

    subprocess.run([sys.executable, "-c", script], env=env, check=True, timeout=60)
    assert async_to_sync(woken)(listener, 5)[0] is True
    assert async_to_sync(woken)(bystander, 0.3)[0] is False
    listener.close()
    bystander.close()


# --- who may listen ------------------------------------------------------------------------


def test_someone_outside_the_thread_gets_a_404(client, thread, chernihiv, stream_seconds):
    say(thread, thread.created_by, "Private")
    client.force_login(chernihiv)
    response = client.get(reverse("messaging:stream", args=[thread.pk]))
    assert response.status_code == 404
    assert not response.streaming
    assert b"Private" not in response.content


def test_unknown_thread_is_a_404(client, zhytomyr):
    client.force_login(zhytomyr)
    assert client.get(reverse("messaging:stream", args=[2**62])).status_code == 404


def test_anonymous_visitors_are_sent_to_sign_in(client, thread):
    response = client.get(reverse("messaging:stream", args=[thread.pk]))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_an_account_without_a_role_is_refused(client, thread, outsider):
    client.force_login(outsider)
    assert client.get(reverse("messaging:stream", args=[thread.pk])).status_code == 403


def test_a_member_of_a_named_office_may_listen(client, coordinator, ministry, stream_seconds):
    thread = services.thread_create(by=coordinator, subject="MFA", organizations=[org("mfa")])
    message = say(thread, coordinator, "To the ministry")
    client.force_login(ministry)
    stream = Stream(client.get(reverse("messaging:stream", args=[thread.pk])))
    try:
        assert ids(stream.rest()) == [message.pk]
    finally:
        stream.close()


def test_taken_out_of_the_thread_the_stream_stops(
    listen, thread, zhytomyr, coordinator, stream_seconds, django_capture_on_commit_callbacks
):
    stream_seconds(LONG_STREAM)
    stream = listen(thread)
    stream.block()
    assert stream.messages_until_keep_alive() == []
    # A stream caches its reader's right; whatever takes someone out announces it after commit.
    with django_capture_on_commit_callbacks(execute=True):
        Participant.objects.filter(thread=thread, user=zhytomyr).delete()
        transaction.on_commit(lambda: live.members_changed(thread.pk))
        say(thread, coordinator, "After you left")
    started = time.monotonic()
    assert stream.rest() == []
    assert stream.ended
    assert time.monotonic() - started < WOKEN_WITHIN


def test_taken_out_without_an_announcement_the_stream_stops_at_the_next_check(
    listen, thread, zhytomyr, coordinator, stream_seconds, settings
):
    """Rights change in other ways too (a role revoked, an office left): every stream asks
    again at least every LIVE_RECHECK_SECONDS (30 s; 1 s here)."""
    settings.LIVE_RECHECK_SECONDS = 1
    stream_seconds(LONG_STREAM)
    stream = listen(thread)
    stream.block()
    assert stream.messages_until_keep_alive() == []
    Participant.objects.filter(thread=thread, user=zhytomyr).delete()
    time.sleep(1.1)
    say(thread, coordinator, "After you left")
    live.hub().wake(thread.pk, live.NEWS)
    started = time.monotonic()
    assert stream.rest() == []
    assert stream.ended
    assert time.monotonic() - started < WOKEN_WITHIN


# --- hostile text --------------------------------------------------------------------------

HOSTILE = (
    '<script>alert("x")</script><img src=x onerror=alert(1)>'
    "[click](javascript:alert(2)) <a href=\"https://example.org\" onclick='alert(3)'>ok</a>"
    "<style>body{display:none}</style><iframe src=//evil.example></iframe>"
    '<svg onload=alert(4)></svg>"</div></article>'
    '\n\nid: 999999\nevent: message\ndata: {"id": 999999, "html": "<script>"}\n\n'
)
SAFE_TAGS = {"article", "header", "strong", "span", "div", "blockquote", "ul", "li", "a"}
SAFE_TAGS |= {"p", "br", "em", "ol", "code", "pre"}
SAFE_TAGS |= {"button"}  # the page's own "Reply" button, no handler attributes
SAFE_TAGS |= {"time"}  # when it was sent, in the reader's zone


class TagCollector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def unsafe_markup(html: str) -> list:
    """Tags outside the allow-list, event handlers, and links other than http(s)/mailto."""
    collector = TagCollector()
    collector.feed(html)
    collector.close()
    found = []
    for tag, attrs in collector.tags:
        if tag not in SAFE_TAGS:
            found.append(tag)
        found += [(tag, name) for name in attrs if name.startswith("on") or name == "style"]
        href = (attrs.get("href") or "").strip().lower()
        if href and not href.startswith(("http://", "https://", "mailto:", "/")):
            found.append((tag, href))
    return found


def test_hostile_text_arrives_sanitized(listen, thread, coordinator, zhytomyr, stream_seconds):
    zhytomyr.full_name = '<img src=x onerror=alert("name")>'
    zhytomyr.save()
    hostile = say(thread, zhytomyr, HOSTILE)
    reply = say(thread, coordinator, "Отримав", reply_to=hostile)
    stream = listen(thread)
    events = stream.rest()
    # One event per message: the text cannot forge events or ids of its own.
    assert ids(events) == [hostile.pk, reply.pk]
    assert [event.event for event in events] == ["message", "message"]
    for event in events:
        html = event.json["html"]
        assert unsafe_markup(html) == [], html
        assert html.count("<article") == html.count("</article>") == 1
        assert "<script" not in html.lower()
    html = events[0].json["html"]
    # Raw HTML in a message is shown as text, escaped, never as a tag: no link, no script.
    assert "&lt;a href=\"https://example.org\" onclick='alert(3)'&gt;ok&lt;/a&gt;" in html
    assert '<a href="https://example.org"' not in html
    assert '&lt;script&gt;alert("x")&lt;/script&gt;' in html
    assert "&lt;img src=x onerror=alert(&quot;name&quot;)&gt;" in html  # the name, as text
    # The quoted text is shown as text.
    assert "&lt;script&gt;" in events[1].json["html"]


def test_thread_page_points_the_browser_at_the_stream(client, thread, three, zhytomyr):
    client.force_login(zhytomyr)
    response = client.get(reverse("messaging:thread", args=[thread.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert f'data-stream="{reverse("messaging:stream", args=[thread.pk])}"' in html
    assert f'data-last-id="{three[-1].pk}"' in html
    for message in three:
        assert html.count(f'id="message-{message.pk}"') == 1
