"""The application as `make run` serves it (granian --interface asgi), decision 0006.

Live streams (`/messages/<id>/stream/`) go to Django's ASGI handler: the view is async and an
open stream holds no thread. Everything else is the WSGI application run by a2wsgi in a fixed
pool of threads, as under granian's WSGI interface before: sync views, persistent database
connections per thread, and a bounded number of pages at once.
"""

import os
import re

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "regionbridge.settings")

from a2wsgi import WSGIMiddleware
from django.core.asgi import get_asgi_application
from django.core.wsgi import get_wsgi_application

STREAM = re.compile(r"^/messages/\d+/stream/$")
PAGE_THREADS = int(os.environ.get("PAGE_THREADS", "32"))

streams = get_asgi_application()
pages = WSGIMiddleware(get_wsgi_application(), workers=PAGE_THREADS)


async def application(scope, receive, send):
    if scope["type"] == "http" and STREAM.match(scope["path"]):
        await streams(scope, receive, send)
    elif scope["type"] == "lifespan":
        await _lifespan(receive, send)
    else:
        # a2wsgi hands `receive()` to run_coroutine_threadsafe, which wants a coroutine; granian's
        # is another kind of awaitable.
        async def body():
            return await receive()

        await pages(scope, body, send)


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
