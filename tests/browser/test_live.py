"""Two people in one thread, each in their own browser: what one sends, the other sees at once
(Server-Sent Events, no reload); whoever drops off catches up when back, nothing twice.

Streams are cut short (STREAM_SECONDS) so browsers reconnect with Last-Event-ID during the test.
"""

import asyncio
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, expect

from regionbridge.accounts.models import User
from regionbridge.demo.data import DEMO_DOMAIN
from regionbridge.messaging import live, services, views
from regionbridge.messaging.models import Message, Thread
from tests.browser.conftest import ARTIFACTS, check_a11y
from tests.browser.test_directory import sign_in

pytestmark = pytest.mark.browser

COORDINATOR = f"coordinator@{DEMO_DOMAIN}"
ZHYTOMYR = f"zhytomyr@{DEMO_DOMAIN}"
STREAM_SECONDS = 3  # instead of 25: a reconnect (with Last-Event-ID) every few seconds
LIVE_TIMEOUT = 10_000  # ms: a message must show up well within this

# Counts the page's EventSource connections without touching the page's own script.
WATCH_EVENT_SOURCE = """
(() => {
  const Native = window.EventSource;
  if (!Native) { return; }
  const watch = { opens: 0, errors: 0, sources: [] };
  window.__sse = watch;
  function Watched(url, init) {
    const source = new Native(url, init);
    watch.sources.push(source);
    source.addEventListener("open", () => { watch.opens += 1; });
    source.addEventListener("error", () => { watch.errors += 1; });
    return source;
  }
  Watched.prototype = Native.prototype;
  Object.assign(Watched, { CONNECTING: 0, OPEN: 1, CLOSED: 2 });
  window.EventSource = Watched;
})();
"""


class Streams:
    """The streams open on the live server: every one must be over before the database is
    flushed (the live server's threads share the test's SQLite connection)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.open: set[int] = set()
        self.requests: list[dict] = []  # who asked for a stream, and from where on

    def record(self, real_thread):
        def thread_of(request, pk):
            if request.path.endswith("/stream/"):
                with self.lock:
                    self.requests.append(
                        {
                            "email": request.user.email,
                            "last_event_id": request.headers.get("Last-Event-ID"),
                            "after": request.GET.get("after"),
                        }
                    )
            return real_thread(request, pk)

        return thread_of

    def of(self, email: str) -> list[dict]:
        with self.lock:
            return [r for r in self.requests if r["email"] == email]

    def track(self, monkeypatch) -> None:
        """Count the listeners that join this process's bus and leave it."""
        streams = self
        real_join, real_leave = live.Hub.join, live.Hub.leave

        def join(hub, *args, **kwargs):
            listener = real_join(hub, *args, **kwargs)
            if listener is not None:
                with streams.lock:
                    streams.open.add(id(listener))
            return listener

        def leave(hub, listener):
            real_leave(hub, listener)
            with streams.lock:
                streams.open.discard(id(listener))

        monkeypatch.setattr(live.Hub, "join", join)
        monkeypatch.setattr(live.Hub, "leave", leave)

    def drain(self, timeout: float = 15) -> None:
        deadline = time.monotonic() + timeout
        while self.open and time.monotonic() < deadline:
            live.hub().wake_all()  # wake every stream: it writes, finds the browser gone, ends
            time.sleep(0.1)
        assert not self.open, f"{len(self.open)} stream(s) still open"


@dataclass
class Person:
    page: Page
    errors: list[str]

    @property
    def context(self) -> BrowserContext:
        return self.page.context

    def message(self, message_id: int):
        return self.page.locator(f"[id='message-{message_id}']")

    def message_ids(self) -> list[int]:
        return [
            int(i)
            for i in self.page.locator("#messages article.message").evaluate_all(
                "nodes => nodes.map(node => node.dataset.id)"
            )
        ]

    def sse(self) -> dict:
        return self.page.evaluate(
            "() => ({opens: __sse.opens, errors: __sse.errors,"
            " states: __sse.sources.map(s => s.readyState)})"
        )

    def mark(self) -> None:
        """A flag that a reload or a navigation would lose."""
        self.page.evaluate("() => { window.__sameDocument = true; }")

    def still_marked(self) -> bool:
        return self.page.evaluate("() => window.__sameDocument === true")

    def send(self, text: str) -> None:
        form = self.page.locator("#message-form")
        form.locator("textarea[name=body]").fill(text)
        form.locator("button[type=submit]").click()
        # htmx swaps in a fresh, empty form.
        expect(self.page.locator("#message-form textarea[name=body]")).to_have_value("")


def drive_in_this_thread(events):
    """The live server is WSGI (threads): a stream's async generator, driven by an event loop of
    its own in the server's thread, so that it streams instead of being read to the end first.
    `make run` serves the stream as an async view under ASGI (decision 0006)."""

    def driven(*args):
        generator = events(*args)
        loop = asyncio.new_event_loop()
        try:
            while True:
                try:
                    yield loop.run_until_complete(anext(generator))
                except StopAsyncIteration:
                    return
        finally:
            loop.run_until_complete(generator.aclose())
            loop.close()

    return driven


@pytest.fixture
def streams(monkeypatch) -> Streams:
    tracked = Streams()
    monkeypatch.setattr(views, "STREAM_SECONDS", STREAM_SECONDS)
    tracked.track(monkeypatch)
    monkeypatch.setattr(views, "_events", drive_in_this_thread(views._events))
    monkeypatch.setattr(views, "_thread", tracked.record(views._thread))
    return tracked


@pytest.fixture
def two_people(request, browser: Browser, demo_site: str, streams: Streams) -> Iterator[dict]:
    """The demo coordinator and Zhytomyr's officer, each in a browser context of their own."""
    people = {}
    for key, email in (("a", COORDINATOR), ("b", ZHYTOMYR)):
        context = browser.new_context(
            base_url=demo_site, locale="en-US", viewport={"width": 1280, "height": 900}
        )
        context.set_default_timeout(5_000)
        context.add_init_script(WATCH_EVENT_SOURCE)
        page = context.new_page()
        person = Person(page=page, errors=[])

        def on_console(message: ConsoleMessage, person=person) -> None:
            if message.type == "error":
                person.errors.append(f"console: {message.text} ({person.page.url})")

        page.on("console", on_console)
        page.on("pageerror", lambda error, person=person: person.errors.append(str(error)))
        page.goto("/accounts/login/")
        sign_in(page, email)
        people[key] = person
    yield people
    report = getattr(request.node, "rep_call", None)
    try:
        if report is not None and report.failed:
            ARTIFACTS.mkdir(exist_ok=True)
            for key, person in people.items():
                person.page.screenshot(path=ARTIFACTS / f"failed-live-{key}.png", full_page=True)
    finally:
        for person in people.values():
            person.context.close()
        streams.drain()


def wait_until(condition, timeout: float = STREAM_SECONDS + 5, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what or condition}"
        time.sleep(0.1)


def new_message_id(thread: Thread, person: Person, text: str) -> int:
    """The id of the message just sent, as the database and the sender's page agree."""
    article = person.page.locator("#messages article.message").filter(has_text=text)
    expect(article).to_have_count(1, timeout=LIVE_TIMEOUT)
    message_id = int(article.get_attribute("data-id"))
    assert Message.objects.get(pk=message_id).thread_id == thread.pk
    return message_id


def test_a_message_reaches_the_other_person_live_and_a_dropped_reader_catches_up(
    two_people: dict, streams: Streams
):
    a, b = two_people["a"], two_people["b"]
    coordinator = User.objects.get(email=COORDINATOR)
    zhytomyr = User.objects.get(email=ZHYTOMYR)
    thread = services.thread_create(
        by=coordinator,
        subject="Житомир – Індіана: наступні кроки",
        users=[zhytomyr],
        body="Добрий день! Починаємо.",
    )
    first = thread.messages.get()

    # The inbox lists the thread (unread for Zhytomyr); both inboxes pass axe.
    for person in (a, b):
        person.page.goto("/messages/")
        expect(person.page.locator(f"main a[href='/messages/{thread.pk}/']")).to_be_visible()
        check_a11y(person.page)

    for person in (a, b):
        person.page.goto(f"/messages/{thread.pk}/")
        expect(person.page.get_by_role("heading", level=1)).to_have_text(thread.subject)
        expect(person.message(first.pk)).to_have_count(1)
        wait_until(lambda person=person: person.sse()["opens"] > 0, what="the stream")
        person.mark()
    check_a11y(a.page)
    check_a11y(b.page)

    # A writes; B sees it without reloading; A's own page shows it once.
    text = "Надсилаю проєкт договору на погодження."
    a.send(text)
    sent = new_message_id(thread, a, text)
    expect(b.message(sent)).to_have_count(1, timeout=LIVE_TIMEOUT)
    expect(b.message(sent)).to_contain_text(text)
    expect(b.message(sent)).to_contain_text("Андрій Мельник")  # in the reader's script
    for person in (a, b):
        expect(person.message(sent)).to_have_count(1)
        assert person.message_ids() == [first.pk, sent]
        assert person.still_marked(), "the page was reloaded"
    expect(b.page.locator("#no-messages")).to_have_count(0)

    # B drops off: its stream fails (and keeps failing while offline).
    errors_before = b.sse()["errors"]
    b.context.set_offline(True)
    wait_until(lambda: b.sse()["errors"] > errors_before, what="B's stream to fail")

    # A sends two more; A sees them, B cannot.
    texts = ["Друге: дата підписання — 12 травня.", "Третє: agreements in English too."]
    later = []
    for text in texts:
        a.send(text)
        later.append(new_message_id(thread, a, text))
    assert a.message_ids() == [first.pk, sent, *later]
    b.page.wait_for_timeout(1_000)
    for message_id in later:
        expect(b.message(message_id)).to_have_count(0)

    # B is back: it reconnects, says how far it got, and catches up, in order, once each.
    asked_before = len(streams.of(ZHYTOMYR))
    b.context.set_offline(False)
    for message_id in later:
        expect(b.message(message_id)).to_have_count(1, timeout=LIVE_TIMEOUT)
    assert b.message_ids() == [first.pk, sent, *later]
    resumed = streams.of(ZHYTOMYR)[asked_before:]
    assert resumed, "no reconnection reached the server"
    # It asks for what came after the last message it has, not after what the page started with.
    assert resumed[0] == {"email": ZHYTOMYR, "last_event_id": str(sent), "after": str(first.pk)}
    assert b.still_marked(), "the page was reloaded"

    # Streams end every few seconds and the browsers resume: still nothing twice.
    reconnects = {key: p.sse()["opens"] for key, p in two_people.items()}
    for key, person in two_people.items():
        wait_until(lambda p=person, k=key: p.sse()["opens"] > reconnects[k], what="a reconnect")
    for person in (a, b):
        assert person.message_ids() == [first.pk, sent, *later]
        for message_id in (first.pk, sent, *later):
            expect(person.message(message_id)).to_have_count(1)
        assert person.still_marked()
    # A's page opened its stream after the first message; every reconnection said how far it had
    # got (A saw its own messages arrive over the stream too).
    asked = streams.of(COORDINATOR)
    assert asked[0] == {"email": COORDINATOR, "last_event_id": None, "after": str(first.pk)}
    assert len(asked) > 1
    assert all(r["last_event_id"] in {str(i) for i in (sent, *later)} for r in asked[1:]), asked
    assert asked[-1]["last_event_id"] == str(later[-1])

    # The thread page passes axe with the live messages in it.
    check_a11y(b.page)
    assert a.errors == []
    offline_noise = re.compile(r"ERR_INTERNET_DISCONNECTED|Failed to load resource")
    assert [e for e in b.errors if not offline_noise.search(e)] == []


def test_a_message_that_cannot_be_sent_says_why(two_people: dict):
    a = two_people["a"]
    coordinator = User.objects.get(email=COORDINATOR)
    thread = services.thread_create(by=coordinator, subject="Empty messages")
    a.page.goto(f"/messages/{thread.pk}/")
    a.mark()
    a.page.locator("#message-form textarea[name=body]").fill("   ")
    with a.page.expect_response(lambda r: r.url.endswith(f"/messages/{thread.pk}/post/")) as sent:
        a.page.locator("#message-form button[type=submit]").click()
    assert sent.value.status == 400
    assert 'role="alert"' in sent.value.text()  # the server did say why
    expect(a.page.locator("#message-form [role=alert]")).to_be_visible(timeout=2_000)
    assert a.still_marked()
    assert not thread.messages.exists()
