import asyncio
import json
import random
import time
from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings
from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    StreamingHttpResponse,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.decorators.vary import vary_on_headers

from regionbridge import policy
from regionbridge.core.access import HtmxHttpRequest, requires
from regionbridge.lib.csvexport import (
    bad_format,
    export_format,
    export_query,
    export_response,
    rows_from,
)
from regionbridge.lib.files import download
from regionbridge.lib.urls import local_path
from regionbridge.messaging import inbound, live, selectors, services
from regionbridge.messaging import search as message_search
from regionbridge.messaging.forms import MessageForm, ParticipantForm, ThreadForm
from regionbridge.messaging.models import Attachment, Message, Participant, Thread, ThreadKind
from regionbridge.organizations.models import Organization

Action = policy.Action
# Then the browser reconnects with Last-Event-ID. A stream holds no thread (decision 0006), so it
# may last; each one ends somewhere in the last quarter, so a thousand opened together do not all
# reconnect in the same second.
STREAM_SECONDS = 120
STREAM_RETRY_AFTER = 5  # seconds, when the process already holds LIVE_MAX_STREAMS streams


def _thread(request: HttpRequest, pk: int) -> Thread:
    return selectors.access_thread(request.user, pk)


@requires(Action.THREAD_START)
def inbox(request: HttpRequest) -> HttpResponse:
    fmt = export_format(request.GET)
    if fmt is None:
        return bad_format()
    threads = selectors.threads_for(request.user)
    if fmt:
        return export_response(fmt, "threads", *thread_table(threads))
    page = Paginator(threads, selectors.INBOX_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "threads": page.object_list,
        "page": page,
        "export_query": export_query(request.GET),
        "held_count": inbound.held_replies_for(request.user).count(),
        "inbox_top": selectors.inbox_top(request.user) if page.number == 1 else 0,
    }
    return render(request, "messaging/inbox.html", context)


THREAD_HEADER = [
    "id",
    "subject",
    "kind",
    "partnership_id",
    "partnership",
    "participants",
    "messages",
    "last_message_at",
]


def _count_of(model: Any) -> Coalesce:
    rows = model.objects.filter(thread=OuterRef("pk")).order_by().values("thread")
    return Coalesce(Subquery(rows.annotate(n=Count("pk")).values("n")[:1]), 0)


def thread_table(threads: Any) -> tuple[list[str], Any]:
    """The inbox as a file: what each thread is about and how big it is, never what was said
    (no message text, no participant's name or address), in the inbox's order."""
    counted = threads.annotate(
        participants_count=_count_of(Participant), messages_count=_count_of(Message)
    )
    rows = (
        [
            t.pk,
            t.subject,
            t.kind,
            t.partnership_id,
            str(t.partnership) if t.partnership else "",
            t.participants_count,
            t.messages_count,
            t.last_message_at,
        ]
        for t in rows_from(counted)
    )
    return THREAD_HEADER, rows


def _thread_form(request: HttpRequest, data=None, files=None, *, initial=None) -> ThreadForm:
    return ThreadForm(
        data,
        files,
        people=selectors.recipient_people(request.user),
        # Any office one may see may be named (as the API allows); the picker offers the
        # staffed ones.
        organizations=policy.visible(request.user, Organization),
        initial=initial,
    )


@requires(Action.THREAD_START)
def thread_create(request: HttpRequest) -> HttpResponse:
    """The new-thread form. Opened from a person, an office or a partnership by their ids
    (`?person=`, `?organization=`, `?partnership=`): each is resolved through the policy, and
    one the viewer may not write to is left out without a word (no address, no existence)."""
    source = request.POST if request.method == "POST" else request.GET
    partnership = selectors.partnership_for_thread(request.user, source.get("partnership"))
    back = local_path(source.get("next"), reverse("messaging:inbox"))
    if request.method == "POST" and source.get("partnership") and partnership is None:
        raise Http404  # a link is forgiven an id it may not use; a thread is not started on it
    if request.method == "POST" and "find" not in request.POST:
        form = _thread_form(request, request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            try:
                thread = services.thread_create(
                    by=request.user,
                    subject=data["subject"],
                    kind=data["kind"],
                    people=data["people"],
                    users=[person.user for person in data["persons"]],
                    organizations=list(data["organizations"]),
                    partnership=partnership,
                    body=data["body"],
                    files=data["files"],
                )
            except ValidationError as exc:
                for message in exc.messages:
                    form.add_error(None, message)
            else:
                return redirect("messaging:thread", thread.pk)
        chosen_people, chosen_offices = selectors.recipients_chosen(
            request.user,
            people=request.POST.getlist("persons"),
            offices=request.POST.getlist("organizations"),
        )
    else:
        # The first visit, or the no-script search (a button of the form that only looks up).
        chosen_people, chosen_offices = selectors.recipients_chosen(
            request.user,
            people=[*source.getlist("person"), *source.getlist("persons")],
            offices=[*source.getlist("organization"), *source.getlist("organizations")],
        )
        one_person = len(chosen_people) == 1 and not chosen_offices
        kind = source.get("kind") or (ThreadKind.DIRECT if one_person else ThreadKind.TOPIC)
        form = _thread_form(
            request,
            initial={
                "subject": source.get("subject", "")[:200],
                "kind": kind,
                "body": source.get("body", "")[:20000],
                "people": source.get("people", "")[:5000],
                "partnership": partnership.pk if partnership else None,
                "next": back,
            },
        )
    query = request.POST.get("q", "").strip()[:200] if "find" in request.POST else ""
    found = selectors.recipients_matching(request.user, query) if query else ([], [], False)
    suggested = selectors.counterpart_offices(request.user, partnership) if partnership else []
    chosen_ids = {office.pk for office in chosen_offices}
    context = {
        "form": form,
        "partnership": partnership,
        "chosen_people": chosen_people,
        "chosen_offices": chosen_offices,
        "suggested": [office for office in suggested if office.pk not in chosen_ids],
        "query": query,
        "found_people": found[0],
        "found_offices": found[1],
        "back": back,
        "searched": "find" in request.POST,
    }
    status = 400 if request.method == "POST" and "find" not in request.POST else 200
    return render(request, "messaging/new.html", context, status=status)


@requires(Action.THREAD_START)
@vary_on_headers("HX-Request")  # htmx gets the options alone, a plain visit the page
def recipients(request: HtmxHttpRequest) -> HttpResponse:
    """The picker's search (htmx): a page of the people and offices matching `q` that the
    viewer may see in the directory and write to, as options to add. Visited without htmx, the
    same results as a page of its own, each a link to a new thread with them."""
    query = request.GET.get("q", "").strip()[:200]
    page = _number(request.GET.get("page")) or 1
    people, offices, more = selectors.recipients_matching(request.user, query, page=min(page, 1000))
    context = {
        "found_people": people,
        "found_offices": offices,
        "query": query,
        "next_page": page + 1 if more else None,
        "page_number": page,
    }
    if not request.htmx:
        return render(request, "messaging/recipients.html", context)
    return render(request, "messaging/_recipients.html", context)


def _thread_page(request, thread, *, form=None, status=200) -> HttpResponse:
    """The latest messages, live; or, with ?before=<id>, the page of earlier ones (not live)."""
    before = _number(request.GET.get("before")) if request.method == "GET" else None
    messages, earlier = selectors.messages_page(thread, before=before)
    # Read up to the last message shown: written only when there is something new to mark.
    if messages and before is None and messages[-1].pk > getattr(thread, "read_upto", 0):
        services.thread_mark_read(thread=thread, user=request.user, upto=messages[-1].pk)
    here = timezone.get_current_timezone_name()
    reply = _number(request.GET.get("reply")) if request.method == "GET" else None
    reply_to = thread.messages.select_related("author").filter(pk=reply).first() if reply else None
    form = form or MessageForm(initial={"reply_to": reply_to.pk if reply_to else None})
    context = {
        "thread": thread,
        "me": request.user.pk,
        "here_zone": here,
        "other_zone": selectors.other_time_zone(thread, request.user, here),
        "reply_to": reply_to,
        "thread_messages": messages,
        "earlier": earlier,
        "history": before is not None,
        "last_id": messages[-1].pk if messages else 0,
        "revision": live.current_revision(thread.pk),
        "form": form,
        "participant_form": ParticipantForm(),
        "participants": thread.participants.select_related("user", "organization"),
    }
    return render(request, "messaging/thread.html", context, status=status)


@requires(Action.THREAD_START)
def thread_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _thread_page(request, get_object_or_404(selectors.threads_for_page(request.user), pk=pk))


@requires(Action.THREAD_START)
@require_POST
@vary_on_headers("HX-Request")  # htmx gets the form alone, a plain post the page
def message_post(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    thread = _thread(request, pk)
    form = MessageForm(request.POST, request.FILES)
    if form.is_valid():
        data = form.cleaned_data
        reply_to = (
            Message.objects.filter(thread=thread, pk=data["reply_to"]).first()
            if data["reply_to"]
            else None
        )
        try:
            services.message_post(
                thread=thread,
                author=request.user,
                body=data["body"],
                files=data["files"],
                reply_to=reply_to,
            )
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error(None, message)
        else:
            if request.htmx:
                return render(
                    request, "messaging/_form.html", {"thread": thread, "form": MessageForm()}
                )
            return redirect("messaging:thread", thread.pk)
    if request.htmx:
        return render(request, "messaging/_form.html", {"thread": thread, "form": form}, status=400)
    return _thread_page(request, thread, form=form, status=400)


@requires(Action.THREAD_START)
@require_POST
def message_edit(request: HttpRequest, pk: int) -> HttpResponse:
    message = get_object_or_404(policy.visible(request.user, Message), pk=pk)
    try:
        services.message_edit(message=message, by=request.user, body=request.POST.get("body", ""))
    except ValidationError as exc:
        for text in exc.messages:
            flash.error(request, text)
        return _thread_page(request, message.thread, status=400)
    return redirect("messaging:thread", message.thread_id)


@requires(Action.THREAD_START)
@require_POST
def participant_add(request: HttpRequest, pk: int) -> HttpResponse:
    thread = _thread(request, pk)
    form = ParticipantForm(request.POST)
    if not form.is_valid():
        flash.error(request, _("Enter a valid e-mail address."))
        return redirect("messaging:thread", thread.pk)
    try:
        services.thread_add_participant(
            thread=thread, by=request.user, guest_email=form.cleaned_data["email"]
        )
    except ValidationError as exc:
        flash.error(request, " ".join(exc.messages))
    else:
        flash.success(request, _("Added."))
    return redirect("messaging:thread", thread.pk)


@requires(Action.THREAD_START)
def attachment_download(request: HttpRequest, pk: int) -> FileResponse:
    attachment = get_object_or_404(policy.visible(request.user, Attachment), pk=pk)
    return download(attachment)


@requires(Action.THREAD_START)
def search(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:200]
    results = []
    if query:
        results = (
            message_search.matching(policy.visible(request.user, Message), query)
            .select_related("thread", "author")
            .order_by("-id")[:50]
        )
    return render(request, "messaging/search.html", {"query": query, "results": results})


def _event(message: Message, data: str, *, kind: str, resume: str) -> str:
    """One SSE event; `id:` is where a reconnect resumes: the last message id, and the last
    revision id when an edit moved it past the page's own (`<message>:<revision>`)."""
    return f"id: {resume}\nevent: {kind}\ndata: {data}\n\n"


def _data(batch: live.Batch, listener: live.Listener, message: Message, kind: str) -> str:
    """The event's JSON, encoded once per batch for all listeners that render alike."""
    key = (message.pk, kind, listener.look)
    data = batch.payloads.get(key)
    if data is None:
        html = listener.html(batch, message)
        data = json.dumps({"id": message.pk, "html": html, "edited": kind == "edited"})
        batch.payloads[key] = data
    return data


def _number(raw: str | None) -> int | None:
    try:
        return min(max(0, int(raw)), 2**63 - 1) if raw is not None else None
    except ValueError:
        return None


def _resume_point(request: HttpRequest) -> tuple[int, int | None, int | None]:
    """(last message id, last revision id or None, the page's revision or None) from
    Last-Event-ID (`<message>` or `<message>:<revision>`), else ?after= and ?rev=."""
    page_revision = _number(request.GET.get("rev"))
    raw = request.headers.get("Last-Event-ID") or request.GET.get("after") or "0"
    message, colon, revision = raw.partition(":")
    last_id = _number(message) or 0
    resumed = _number(revision) if colon else None
    if colon and resumed is None:
        last_id = 0  # unreadable: from the beginning
    return last_id, resumed if resumed is not None else page_revision, page_revision


def _stream_open(request: HttpRequest, pk: int) -> HttpResponse | Thread:
    """The guards of every page (sign-in, role, sight of the thread), in a worker thread."""
    return requires(Action.THREAD_START)(_thread)(request, pk)


def _streams_busy() -> HttpResponse:
    response = HttpResponse(
        _("Too many live connections right now. The page will try again shortly."),
        status=503,
        content_type="text/plain; charset=utf-8",
    )
    response["Retry-After"] = str(STREAM_RETRY_AFTER)
    return response


async def stream(request: HttpRequest, pk: int) -> HttpResponse:
    """Server-Sent Events: new messages of one thread after Last-Event-ID, and edits after its
    revision. An async view (decision 0006): an open stream holds no thread, only a listener of
    this process's bus, which wakes it when its thread changes; what it sends it reads from the
    database (shared with the thread's other listeners), so a reconnect loses nothing and a
    message is never sent twice. The reader's right is asked again every
    LIVE_RECHECK_SECONDS and at once when the thread's participants change."""
    opened = await sync_to_async(_stream_open)(request, pk)
    if isinstance(opened, HttpResponse):
        return opened
    thread = opened
    last_id, revision, page_revision = _resume_point(request)
    if revision is None:
        revision = await sync_to_async(live.current_revision)(thread.pk)
    here = timezone.get_current_timezone_name()
    other = await sync_to_async(selectors.other_time_zone)(thread, request.user, here)
    look = (translation.get_language(), here, other)
    listener = live.hub().join(
        thread.pk, user=request.user, last_id=last_id, revision=revision, look=look
    )
    if listener is None:
        return _streams_busy()
    base = page_revision if page_revision is not None else revision
    user = request.user

    session, session_key = request.session, request.session.session_key

    def still_visible() -> bool:
        """Still signed in (not signed out or ended elsewhere), and still allowed to read."""
        live.close_stale_connection()
        if session_key and not session.exists(session_key):
            return False
        return policy.visible(user, Thread).filter(pk=thread.pk).exists()

    response = StreamingHttpResponse(
        _events(listener, still_visible, base), content_type="text/event-stream"
    )
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"
    return response


async def _events(listener: live.Listener, still_visible, base_revision: int):
    """Rounds of events: one when the thread changes (woken by the bus), and a keep-alive when
    the stream has been quiet for LIVE_KEEPALIVE_SECONDS. Between them it costs nothing."""
    deadline = time.monotonic() + STREAM_SECONDS * random.uniform(0.75, 1.0)  # noqa: S311 (spread)
    try:
        # The request's own thread keeps no connection while the stream is open.
        await sync_to_async(live.release_connection)()
        yield "retry: 1000\n\n"
        quiet = True  # the first round always answers: what the page missed, and a keep-alive
        while time.monotonic() < deadline:
            if not await listener.visible(still_visible):
                return  # taken out of the thread: the stream stops
            batch = await listener.news()
            start = listener.last_id
            new, edits = listener.take(batch)
            out = []  # one write per round: a thousand listeners, a thousand sends, not more
            for message, revision in sorted(edits, key=lambda pair: pair[1]):
                data = _data(batch, listener, message, "edited")
                out.append(_event(message, data, kind="edited", resume=f"{start}:{revision}"))
            for message in new:
                resume = str(message.pk)
                if listener.revision != base_revision:
                    resume += f":{listener.revision}"
                data = _data(batch, listener, message, "message")
                out.append(_event(message, data, kind="message", resume=resume))
            if out or quiet:
                out.append(": keep-alive\n\n")
                yield "".join(out)
            remaining = deadline - time.monotonic()
            recheck = listener.checked_at + settings.LIVE_RECHECK_SECONDS - time.monotonic()
            timeout = min(float(settings.LIVE_KEEPALIVE_SECONDS), max(0.1, recheck))
            quiet = not await listener.wait(timeout=min(timeout, max(0.1, remaining)))
    finally:
        listener.close()


def _inbox_stream_open(request: HttpRequest) -> HttpResponse | None:
    """The guards of the inbox page (sign-in, role), in a worker thread."""
    return requires(Action.THREAD_START)(lambda request: None)(request)


def _inbox_event(user: Any, after: int) -> tuple[str, int]:
    """The threads that changed after `after` that `user` may read, as inbox rows, with the
    badge: one event ('' when nothing of theirs changed) and the next cursor."""
    live.close_stale_connection()
    changed, top = selectors.inbox_changes(user, after=after)
    if not changed:
        return "", top
    badge = selectors.unread_badge(user)
    data = {
        "threads": [
            {
                "id": thread.pk,
                "html": render_to_string("messaging/_inbox_row.html", {"thread": thread}),
            }
            for thread in changed
        ],
        "badge": badge,
        "badge_html": render_to_string("messaging/_badge.html", {"count": badge}),
    }
    return f"id: {top}\nevent: inbox\ndata: {json.dumps(data)}\n\n", top


async def inbox_stream(request: HttpRequest) -> HttpResponse:
    """Server-Sent Events for the inbox page: its rows and the unread badge, as messages arrive
    in threads the person may read. The same design as a thread's stream (decision 0006): an
    async view, a listener of the process's bus, LIVE_MAX_STREAMS, resuming after Last-Event-ID
    (a message id). What it sends it reads at delivery from `policy.visible`, so news of a thread
    the person may not read wakes the stream but sends nothing."""
    refused = await sync_to_async(_inbox_stream_open)(request)
    if isinstance(refused, HttpResponse):
        return refused
    raw = request.headers.get("Last-Event-ID") or request.GET.get("after")
    last_id = _number(raw)
    if last_id is None:
        last_id = await sync_to_async(selectors.inbox_top)(request.user)
    look = (translation.get_language(), timezone.get_current_timezone_name())
    listener = live.hub().join_inbox(user=request.user, last_id=last_id, look=look)
    if listener is None:
        return _streams_busy()
    session, session_key = request.session, request.session.session_key

    def signed_in() -> bool:
        live.close_stale_connection()
        return not session_key or session.exists(session_key)

    events = _inbox_events(listener, signed_in)
    if request.META.get("wsgi.multithread"):
        events = _driven(events)  # a threaded WSGI server (runserver, the tests' live server)
    response = StreamingHttpResponse(events, content_type="text/event-stream")
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"
    return response


def _driven(events):
    """An async stream served by a WSGI server: driven by an event loop of its own in the
    request's thread, so it streams (Django would otherwise read it to its end before sending a
    byte). `make run` serves streams under ASGI (decision 0006), where this is never used."""
    loop = asyncio.new_event_loop()
    try:
        while True:
            try:
                yield loop.run_until_complete(anext(events))
            except StopAsyncIteration:
                return
    finally:
        loop.run_until_complete(events.aclose())
        loop.close()


async def _inbox_events(listener: live.InboxListener, signed_in):
    deadline = time.monotonic() + STREAM_SECONDS * random.uniform(0.75, 1.0)  # noqa: S311 (spread)
    language, zone = listener.look

    def read(after: int) -> tuple[str, int]:
        with translation.override(language), timezone.override(zone):
            return _inbox_event(listener.user, after)

    try:
        await sync_to_async(live.release_connection)()
        yield "retry: 1000\n\n"
        first = quiet = True  # the first round reads what the page missed, and answers
        while time.monotonic() < deadline:
            if time.monotonic() - listener.checked_at >= settings.LIVE_RECHECK_SECONDS:
                listener.checked_at = time.monotonic()
                if not await live.in_pool(signed_in)():
                    return  # signed out: the stream stops
                policy.forget(listener.user)  # roles read again: a revoked one stops counting
            out = ""
            if listener.take_news() or first:
                out, listener.last_id = await live.in_pool(read)(listener.last_id)
            first = False
            if out or quiet:
                yield out + ": keep-alive\n\n"
            remaining = deadline - time.monotonic()
            recheck = listener.checked_at + settings.LIVE_RECHECK_SECONDS - time.monotonic()
            timeout = min(float(settings.LIVE_KEEPALIVE_SECONDS), max(0.1, recheck))
            quiet = not await listener.wait(timeout=min(timeout, max(0.1, remaining)))
    finally:
        listener.close()


# --- replies by e-mail held back: their sender could not be verified --------------------------
# Each person's own, like their tokens: whoever has an account may have replied by e-mail.


@login_required
def held_replies(request: HttpRequest) -> HttpResponse:
    held = inbound.held_replies_for(request.user).select_related("thread")
    return render(request, "messaging/held.html", {"held_replies": held})


@login_required
@require_POST
def held_reply_confirm(request: HttpRequest, held_id: int) -> HttpResponse:
    held = get_object_or_404(inbound.held_replies_for(request.user), pk=held_id)
    try:
        message = inbound.held_reply_confirm(held=held, by=request.user)
    except ValidationError as exc:
        for text in exc.messages:
            flash.error(request, text)
        return redirect("messaging:held")
    flash.success(request, _("Your reply has been posted."))
    return redirect("messaging:thread", message.thread_id)


@login_required
@require_POST
def held_reply_discard(request: HttpRequest, held_id: int) -> HttpResponse:
    held = get_object_or_404(inbound.held_replies_for(request.user), pk=held_id)
    inbound.held_reply_discard(held=held, by=request.user)
    flash.success(request, _("The reply has been discarded."))
    return redirect("messaging:held")
