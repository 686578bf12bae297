"""Live updates: "thread T changed" reaches every process that streams T, and there only T's
streams (decision 0006).

Each process has one `Hub`, started by its first stream, with one bus: on PostgreSQL a single
connection that LISTENs (any process or machine NOTIFYs), on SQLite a UNIX datagram socket under
`LIVE_DIR` (`VAR_DIR/live`) to which every publisher on the machine sends a few bytes. A wake-up
is shared by the thread's listeners in this process: one database read (`Batch`) after the
lowest cursor among them, rendered once per language and time zone, then fanned out. A stream
never trusts the bus for content: it reads after the last message id and the last revision id it
sent, so a lost datagram costs only latency, and a reconnect loses and doubles nothing.

A quiet stream does nothing: it sleeps until its thread changes or a keep-alive is due
(`LIVE_KEEPALIVE_SECONDS`). The safety net for news the bus lost (a datagram dropped by a full
buffer, a notice sent while the connection was away) is one query per process every
`LIVE_POLL_SECONDS`, made by the bus's own thread for all of its rooms at once: a room whose thread
has a newer message or revision than its listeners last read is woken as if the bus had said so.
"""

import asyncio
import contextlib
import logging
import os
import socket
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import close_old_connections, connection, connections
from django.db.models import Max
from django.template.loader import render_to_string
from django.utils import timezone, translation

logger = logging.getLogger(__name__)

CHANNEL = "regionbridge_messages"
# Streams read the database in the event loop's shared thread pool, not in a thread of their own
# request (Django's ASGI handler keeps one per request, for as long as the stream is open).
# Tests whose data sits in the test's open transaction read in the test's thread instead.
SHARED_POOL = True
NEWS = "n"  # a message was posted or edited
MEMBERS = "p"  # who takes part changed: streams re-check that their reader still may


# --- publishing (any process: app, worker, mailgate, CLI) ---------------------------------------


def publish(thread_id: int, message_id: int = 0) -> None:
    """Announce that thread `thread_id` has a new or edited message (call after commit)."""
    _announce(thread_id, NEWS)


def members_changed(thread_id: int) -> None:
    """Announce that a thread's participants changed (call after commit)."""
    _announce(thread_id, MEMBERS)


def _announce(thread_id: int, kind: str) -> None:
    if _hub is not None:
        _hub.wake(thread_id, kind)  # this process at once, without the bus
    payload = f"{thread_id}:{kind}:{os.getpid()}"
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_notify(%s, %s)", [CHANNEL, payload])
    else:
        _send_datagrams(payload.encode())


def live_dir() -> Path:
    return Path(settings.LIVE_DIR)


def _socket_path(pid: int) -> Path:
    return live_dir() / f"{pid}.sock"


def _send_datagrams(data: bytes) -> None:
    """One datagram to every other process's hub on this machine (those that stream)."""
    try:
        paths = [p for p in live_dir().glob("*.sock") if p.name != f"{os.getpid()}.sock"]
    except OSError:
        return
    if not paths:
        return
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sender:
        sender.setblocking(False)
        for path in paths:
            try:
                sender.sendto(data, str(path))
            except (ConnectionRefusedError, FileNotFoundError):
                path.unlink(missing_ok=True)  # its process is gone
            except OSError:
                pass  # a full buffer: that hub's poll catches up


# --- what one wake-up read ------------------------------------------------------------------------


@dataclass
class Batch:
    """The messages of one thread after `after`, and those edited after revision `revision`,
    read once and rendered once per (language, time zone) for every listener of the process."""

    after: int
    revision: int
    new: list = field(default_factory=list)  # messages with id > after, in order
    edited: list = field(default_factory=list)  # (message, its latest revision id)
    top_revision: int = 0
    html: dict = field(default_factory=dict)  # (message id, *look) -> html
    # The looks rendered: (language, time zone, the other side's time zone or "").
    looks: set = field(default_factory=set)
    payloads: dict = field(default_factory=dict)  # (message id, kind, look) -> event JSON

    def render(self, looks: Iterable[tuple[str, ...]]) -> None:
        """Once per look, for every listener that shares it. The HTML names no reader: whose
        message it is ("You") the page marks itself, from the author's id (`data-author`)."""
        for look in looks:
            language, tz, *other = look
            self.looks.add(look)
            context = {"here_zone": tz, "other_zone": other[0] if other else ""}
            with translation.override(language), timezone.override(tz):
                for message in [*self.new, *(m for m, _r in self.edited)]:
                    key = (message.pk, *look)
                    if key not in self.html:
                        self.html[key] = render_to_string(
                            "messaging/_message.html", {"message": message, **context}
                        )


def in_pool(function):
    """`function` made awaitable: run in the shared pool (see SHARED_POOL)."""
    return sync_to_async(function, thread_sensitive=not SHARED_POOL)


def close_stale_connection() -> None:
    """What Django does between requests, for threads that serve no request; never inside a
    transaction (tests)."""
    if not connection.in_atomic_block:
        close_old_connections()


def release_connection() -> None:
    """Close this thread's connections (a stream's request thread stays idle while it streams;
    on PostgreSQL a thousand streams must not hold a thousand connections)."""
    if not connection.in_atomic_block:
        connections.close_all()


def read_batch(thread_id: int, *, after: int, revision: int, looks) -> Batch:
    """One read: new messages after `after`, and messages up to `after` with a revision after
    `revision` (their current text). Revisions are read first, so an edit that lands between the
    two reads is either in the new message's text or announced again."""
    from regionbridge.messaging.models import Message, MessageRevision
    from regionbridge.messaging.selectors import messages_of

    close_stale_connection()
    revisions = MessageRevision.objects.filter(message__thread_id=thread_id)
    edits = dict(
        revisions.filter(message_id__lte=after, pk__gt=revision)
        .values("message_id")
        .annotate(top=Max("pk"))
        .values_list("message_id", "top")
    )
    top = revisions.aggregate(top=Max("pk"))["top"] or 0
    batch = Batch(after=after, revision=revision, top_revision=max(revision, top))
    thread = _ThreadRef(thread_id, Message)
    batch.new = list(messages_of(thread, after=after))
    if edits:
        edited = messages_of(thread).filter(pk__in=list(edits))
        batch.edited = [(message, edits[message.pk]) for message in edited]
    batch.render(looks)
    return batch


class _ThreadRef:
    """Enough of a Thread for `selectors.messages_of`, without reading the row."""

    def __init__(self, pk: int, model):
        self.pk = pk
        self.messages = model.objects.filter(thread_id=pk)


def current_revision(thread_id: int) -> int:
    from regionbridge.messaging.models import MessageRevision

    top = MessageRevision.objects.filter(message__thread_id=thread_id).aggregate(top=Max("pk"))
    return top["top"] or 0


# --- listeners ----------------------------------------------------------------------------------


class _Stream:
    """What a thread's stream and an inbox's share: one waiter at a time, resolved by the hub's
    `wake` (under the hub's lock) from whichever thread heard the news."""

    _waiter: tuple[asyncio.AbstractEventLoop, asyncio.Future] | None = None

    async def _wait_for_news(self, lock, pending, timeout: float) -> bool:
        """Until `pending()` (read under `lock`) or a wake-up (True), or `timeout` seconds."""
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        with lock:
            if pending():
                return True
            self._waiter = (loop, future)
        try:
            await asyncio.wait_for(future, timeout)
            return True
        except TimeoutError:
            return False
        finally:
            with lock:
                if self._waiter is not None and self._waiter[1] is future:
                    self._waiter = None


class Listener(_Stream):
    """One open stream of one thread: where it is (`last_id`, `revision`), how it renders
    (`look`), and when its reader's right to see the thread was last confirmed."""

    def __init__(self, room: "Room", *, user, last_id: int, revision: int, look):
        self.room = room
        self.user = user
        self.last_id = last_id
        self.revision = revision
        self.look = look
        self.seen_news = room.news
        self.seen_members = room.members
        self.checked_at = time.monotonic()

    @property
    def thread_id(self) -> int:
        return self.room.thread_id

    async def wait(self, timeout: float) -> bool:
        """Until news of this thread (True) or `timeout` seconds (False)."""
        room = self.room
        return await self._wait_for_news(
            room.hub.lock,
            lambda: room.news != self.seen_news or room.members != self.seen_members,
            timeout,
        )

    async def visible(self, check) -> bool:
        """The reader's right, asked again after `LIVE_RECHECK_SECONDS` or at once when the
        thread's participants changed; otherwise the answer cached for this stream."""
        members = self.room.members
        due = time.monotonic() - self.checked_at >= settings.LIVE_RECHECK_SECONDS
        if members == self.seen_members and not due:
            return True
        self.seen_members = members
        self.checked_at = time.monotonic()
        return await in_pool(check)()

    async def news(self) -> "Batch":
        """What this listener has not had yet: from the batch of the latest wake-up, shared with
        the thread's other listeners in this process."""
        self.seen_news = self.room.news
        return await self.room.batch_for(self)

    def can_use(self, batch: Batch) -> bool:
        return (
            batch.after <= self.last_id
            and batch.revision <= self.revision
            and (self.look in batch.looks or not (batch.new or batch.edited))
        )

    def html(self, batch: Batch, message) -> str:
        return batch.html[(message.pk, *self.look)]

    def take(self, batch: Batch) -> tuple[list, list]:
        """The new messages and edits in `batch` this listener has not had; moves its cursors."""
        edits = [(m, r) for m, r in batch.edited if r > self.revision and m.pk <= self.last_id]
        new = [m for m in batch.new if m.pk > self.last_id]
        if new:
            self.last_id = new[-1].pk
        self.revision = max(self.revision, batch.top_revision)
        return new, edits

    def close(self) -> None:
        self.room.hub.leave(self)


def _resolve(future: asyncio.Future) -> None:
    if not future.done():
        future.set_result(None)


class InboxListener(_Stream):
    """One open inbox stream: a person's inbox and unread badge. Woken by news of any thread in
    this process (which threads a person reads is the policy's to say, at delivery: the stream
    reads only `policy.visible` threads after its cursor, so a wake-up of a thread the person
    may not read sends them nothing). Counted against LIVE_MAX_STREAMS like a thread's."""

    def __init__(self, hub: "Hub", *, user, last_id: int, look):
        self.hub = hub
        self.user = user
        self.last_id = last_id
        self.look = look
        self.news = 0
        self.seen_news = 0
        self.checked_at = time.monotonic()

    async def wait(self, timeout: float) -> bool:
        """Until news of some thread (True) or `timeout` seconds (False)."""
        return await self._wait_for_news(
            self.hub.lock, lambda: self.news != self.seen_news, timeout
        )

    def take_news(self) -> bool:
        """Whether news came since the last look (and forget it)."""
        with self.hub.lock:
            fresh = self.news != self.seen_news
            self.seen_news = self.news
        return fresh

    def close(self) -> None:
        self.hub.leave_inbox(self)


class Room:
    """The listeners of one thread in this process."""

    def __init__(self, hub: "Hub", thread_id: int, *, top: tuple[int, int] = (0, 0)):
        self.hub = hub
        self.thread_id = thread_id
        self.listeners: set[Listener] = set()
        self.news = 0  # wake-ups with news
        self.members = 0  # wake-ups for a change of participants
        # The newest message id and revision id its listeners have been sent a batch up to (at
        # first, where its first listener starts): the bus's poll wakes the room when the
        # database has newer.
        self.top = top
        self._key = None  # the wake-up (`news`) of the batch being read or last read
        self._pending: asyncio.Future | None = None
        self.reads = 0  # database reads, for tests and the benchmark

    async def batch_for(self, listener: Listener) -> Batch:
        """The batch of the current wake-up (or poll slot): read once, by a task of its own that
        the thread's listeners share; one that cannot use it (it is behind, or renders in a
        language and time zone nobody else had) reads again."""
        key = self.news
        if key == self._key and self._pending is not None:
            try:
                batch = await asyncio.shield(self._pending)
            except (RuntimeError, ValueError):  # a future of another event loop (tests)
                batch = None
            if batch is not None and listener.can_use(batch):
                return batch
        return await asyncio.shield(self._read(key))

    def _read(self, key) -> asyncio.Future:
        with self.hub.lock:
            after = min(each.last_id for each in self.listeners) if self.listeners else 0
            revision = min(each.revision for each in self.listeners) if self.listeners else 0
            looks = {each.look for each in self.listeners}
        self.reads += 1
        read = in_pool(read_batch)
        task = asyncio.ensure_future(
            read(self.thread_id, after=after, revision=revision, looks=looks)
        )
        task.add_done_callback(self._read_done)
        self._key, self._pending = key, task
        return task

    def _read_done(self, task: asyncio.Future) -> None:
        if task.cancelled() or task.exception() is not None:
            return
        batch = task.result()
        top_message = batch.new[-1].pk if batch.new else batch.after
        with self.hub.lock:
            self.top = (max(self.top[0], top_message), max(self.top[1], batch.top_revision))


class Hub:
    """The bus of this process and its rooms: one thread per bus, one room per thread."""

    def __init__(self):
        self.lock = threading.Lock()
        self.rooms: dict[int, Room] = {}
        self.inboxes: set[InboxListener] = set()
        self.inbox_top = 0  # the newest message id the inboxes were woken for (the poll's mark)
        self.count = 0
        self._started = False
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._socket: socket.socket | None = None
        self.pid = os.getpid()
        self.polled_at = time.monotonic()
        self.polls = 0  # polls made, for tests and the benchmark

    # listeners come and go

    def join(self, thread_id: int, *, user, last_id: int, revision: int, look) -> Listener | None:
        """A listener for `thread_id`, or None past LIVE_MAX_STREAMS open streams."""
        self.start()
        with self.lock:
            if self.count >= settings.LIVE_MAX_STREAMS:
                return None
            room = self.rooms.get(thread_id)
            if room is None:
                room = self.rooms[thread_id] = Room(self, thread_id, top=(last_id, revision))
            listener = Listener(room, user=user, last_id=last_id, revision=revision, look=look)
            room.listeners.add(listener)
            self.count += 1
            return listener

    def join_inbox(self, *, user, last_id: int, look) -> InboxListener | None:
        """An inbox listener, or None past LIVE_MAX_STREAMS open streams (of either kind)."""
        self.start()
        with self.lock:
            if self.count >= settings.LIVE_MAX_STREAMS:
                return None
            listener = InboxListener(self, user=user, last_id=last_id, look=look)
            self.inboxes.add(listener)
            self.inbox_top = max(self.inbox_top, last_id)
            self.count += 1
            return listener

    def leave_inbox(self, listener: InboxListener) -> None:
        with self.lock:
            if listener in self.inboxes:
                self.inboxes.discard(listener)
                self.count -= 1

    def leave(self, listener: Listener) -> None:
        with self.lock:
            room = listener.room
            if listener in room.listeners:
                room.listeners.discard(listener)
                self.count -= 1
            if not room.listeners and self.rooms.get(room.thread_id) is room:
                del self.rooms[room.thread_id]

    # news arrives

    def wake(self, thread_id: int, kind: str) -> None:
        """Wake the listeners of one thread (and no other thread's), and, for a new or edited
        message, the open inboxes (each then reads what its person may see)."""
        with self.lock:
            room = self.rooms.get(thread_id)
            waiting: list = []
            if room is not None:
                if kind == MEMBERS:
                    room.members += 1
                else:
                    room.news += 1
                waiting.extend(room.listeners)
            if kind == NEWS:
                for inbox in self.inboxes:
                    inbox.news += 1
                waiting.extend(self.inboxes)
            by_loop: dict = {}
            for listener in waiting:
                if listener._waiter is not None:
                    loop, future = listener._waiter
                    listener._waiter = None
                    by_loop.setdefault(loop, []).append(future)
        for loop, futures in by_loop.items():  # one call per event loop, not per listener
            with contextlib.suppress(RuntimeError):  # that loop is closed
                loop.call_soon_threadsafe(_resolve_all, futures)

    def _heard(self, payload: str) -> None:
        try:
            thread_id, kind, pid = payload.split(":")
            thread_id_int = int(thread_id)
        except ValueError:
            return
        if pid == str(os.getpid()):
            return  # our own announcement, delivered already
        self.wake(thread_id_int, kind)

    # the bus

    def start(self) -> None:
        with self.lock:
            if self._started:
                return
            self._started = True
        if connection.vendor == "postgresql":
            target = self._listen_postgresql
        else:
            self._socket = self._bind()
            target = self._listen_socket
        self._thread = threading.Thread(target=target, name="live-bus", daemon=True)
        self._thread.start()

    def _bind(self) -> socket.socket:
        live_dir().mkdir(parents=True, exist_ok=True)
        path = _socket_path(os.getpid())
        path.unlink(missing_ok=True)
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        sock.bind(str(path))
        sock.settimeout(self._tick())
        return sock

    def _listen_socket(self) -> None:
        sock = self._socket
        try:
            while not self._stop.is_set():
                try:
                    data = sock.recv(256)
                except TimeoutError:
                    data = None
                except OSError:
                    return
                if data:
                    self._heard(data.decode(errors="replace"))
                self._poll_when_due()
        finally:
            self._closing()

    def _listen_postgresql(self) -> None:
        import psycopg

        lost = False
        try:
            while not self._stop.is_set():
                try:
                    params = connection.get_connection_params()
                    with psycopg.connect(autocommit=True, **params) as bus:
                        bus.execute(f"LISTEN {CHANNEL}")
                        if lost:
                            self.wake_all()  # whatever was said while we were not listening
                            lost = False
                        while not self._stop.is_set():
                            for notice in bus.notifies(timeout=self._tick(), stop_after=100):
                                self._heard(notice.payload)
                            self._poll_when_due()
                except Exception:  # the database is away: listen again shortly
                    logger.warning("live bus: lost the database, listening again", exc_info=True)
                    lost = True
                    self._stop.wait(2.0)
        finally:
            self._closing()

    # the safety net: one query per process every LIVE_POLL_SECONDS, in the bus's thread

    def _tick(self) -> float:
        return max(0.05, min(1.0, float(settings.LIVE_POLL_SECONDS)))

    def _poll_when_due(self) -> None:
        if time.monotonic() - self.polled_at < settings.LIVE_POLL_SECONDS:
            return
        self.polled_at = time.monotonic()
        try:
            self.poll()
        except Exception:  # the database is away or busy: the next poll tries again
            logger.debug("live bus: poll failed", exc_info=True)

    def poll(self) -> list[int]:
        """Wake the rooms whose thread has a message or revision newer than their listeners
        were last sent a batch up to; returns their thread ids."""
        from regionbridge.messaging.models import Message, MessageRevision

        with self.lock:
            known = {thread_id: room.top for thread_id, room in self.rooms.items()}
            inboxes = bool(self.inboxes)
        if inboxes:
            self._poll_inboxes()
        if not known:
            return []
        close_stale_connection()
        self.polls += 1
        ids = list(known)
        tops = dict(
            Message.objects.filter(thread_id__in=ids)
            .values("thread_id")
            .annotate(top=Max("pk"))
            .values_list("thread_id", "top")
        )
        revisions = dict(
            MessageRevision.objects.filter(message__thread_id__in=ids)
            .values("message__thread_id")
            .annotate(top=Max("pk"))
            .values_list("message__thread_id", "top")
        )
        behind = [
            thread_id
            for thread_id, (message, revision) in known.items()
            if tops.get(thread_id, 0) > message or revisions.get(thread_id, 0) > revision
        ]
        for thread_id in behind:
            self.wake(thread_id, NEWS)
        return behind

    def _poll_inboxes(self) -> None:
        """The inboxes' safety net: one query, the newest message of the site; newer than the
        inboxes were last woken for, they are woken (each reads only what its person may see)."""
        from regionbridge.messaging.models import Message

        close_stale_connection()
        top = Message.objects.aggregate(top=Max("pk"))["top"] or 0
        with self.lock:
            behind = top > self.inbox_top
            self.inbox_top = max(self.inbox_top, top)
        if behind:
            self.wake(0, NEWS)

    def _closing(self) -> None:
        """The bus's thread ends: its database connection (the poll's) goes with it."""
        with contextlib.suppress(Exception):
            connections.close_all()

    def wake_all(self) -> None:
        with self.lock:
            ids = list(self.rooms) or [0]  # (0: no room; the inboxes still wake)
        for thread_id in ids:
            self.wake(thread_id, NEWS)

    def stop(self) -> None:
        self._stop.set()
        path = _socket_path(os.getpid())
        if self._socket is not None:
            with (
                contextlib.suppress(OSError),
                socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as s,
            ):
                s.sendto(b"", str(path))  # out of its wait at once
        if (
            self.polls
            and self._thread is not None
            and self._thread is not threading.current_thread()
        ):
            self._thread.join(timeout=5)  # the poll's database connection is closed before we go on
        if self._socket is not None:
            self._socket.close()
            path.unlink(missing_ok=True)


def _resolve_all(futures: list) -> None:
    for future in futures:
        _resolve(future)


_hub: Hub | None = None
_hub_lock = threading.Lock()


def hub() -> Hub:
    global _hub
    with _hub_lock:
        if _hub is None or _hub.pid != os.getpid():
            _hub = Hub()
        return _hub
