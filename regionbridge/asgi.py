"""The application as `make run` serves it (granian --interface asgi), decision 0006.

Live streams (`/messages/<id>/stream/`) go to Django's ASGI handler: the view is async and an
open stream holds no thread. Everything else is the WSGI application run by a2wsgi in a fixed
pool of threads, as under granian's WSGI interface before: sync views, persistent database
connections per thread, and a bounded number of pages at once.
"""

import asyncio
import os
import re

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "regionbridge.settings")

from a2wsgi import WSGIMiddleware
from django.core.asgi import get_asgi_application
from django.core.wsgi import get_wsgi_application

from regionbridge.core.warmup import warm

STREAM = re.compile(r"^/messages/(\d+/)?stream/$")  # a thread's stream, or the inbox's
PAGE_THREADS = int(os.environ.get("PAGE_THREADS", "32"))

STREAMS_OPENING = int(os.environ.get("LIVE_OPENING", "4"))

streams = get_asgi_application()
# An opening stream runs the middleware and the view's checks in a thread of its own (Django's
# ASGI handler); a thousand browsers reconnecting together would be a thousand threads fighting
# the pages for the interpreter. A few open at a time; once a stream has answered, it holds none.
_opening: asyncio.Semaphore | None = None
pages = WSGIMiddleware(get_wsgi_application(), workers=PAGE_THREADS)
warm()


async def application(scope, receive, send):
    if scope["type"] == "http" and STREAM.match(scope["path"]):
        await _stream(scope, receive, send)
    elif scope["type"] == "lifespan":
        await _lifespan(receive, send)
    else:
        # a2wsgi hands `receive()` to run_coroutine_threadsafe, which wants a coroutine; granian's
        # is another kind of awaitable.
        async def body():
            return await receive()

        await pages(scope, body, send)


async def _stream(scope, receive, send) -> None:
    global _opening
    if _opening is None:
        _opening = asyncio.Semaphore(STREAMS_OPENING)
    await _opening.acquire()
    held = True

    async def answered(message) -> None:
        nonlocal held
        if held and message["type"] == "http.response.start":
            held = False
            _opening.release()
        await send(message)

    try:
        await streams(scope, receive, answered)
    finally:
        if held:
            _opening.release()


async def _lifespan(receive, send) -> None:
    while True:
        event = await receive()
        if event["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif event["type"] == "lifespan.shutdown":
            from regionbridge.messaging import live

            if live._hub is not None:
                live._hub.stop()
            await send({"type": "lifespan.shutdown.complete"})
            return
