"""Messaging on other apps' pages, so that those apps need not import messaging.

`{% load messaging %}{% partnership_threads partnership %}` lists the threads on a partnership that
the signed-in user may read (the policy's `visible`); the page's "Write" button
(`{% write_button partnership %}`) starts one.
"""

from typing import Any
from urllib.parse import urlencode

from django import template
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext

from regionbridge import policy
from regionbridge.lib.timezones import timezone_city
from regionbridge.messaging import selectors
from regionbridge.messaging.models import Thread
from regionbridge.messaging.text import plain_text

register = template.Library()


@register.inclusion_tag("messaging/_partnership_threads.html", takes_context=True)
def partnership_threads(context: template.Context, partnership: Any) -> dict[str, Any]:
    user = context["request"].user
    # The latest few; the inbox's search finds the rest.
    threads = policy.visible(user, Thread).filter(partnership=partnership)
    return {
        "partnership": partnership,
        "threads": threads.order_by(*selectors.NEWEST_ACTIVITY)[:THREADS_SHOWN],
    }


THREADS_SHOWN = 20


@register.filter
def zone_city(name: str) -> str:
    """`America/Indiana/Indianapolis` → "Indianapolis" (in the reader's language if known)."""
    return timezone_city(name) if name else ""


@register.simple_tag(takes_context=True)
def write_button(context: template.Context, target: Any) -> str:
    """The "Write" button of a person, an office or a partnership page: a link to the new-thread
    form with them chosen, by id (never an address), shown only when the reader may start a
    thread with them (`selectors.can_write_to`)."""
    request = context.get("request")
    if request is None or not selectors.can_write_to(request.user, target):
        return ""
    key = {"Person": "person", "Organization": "organization", "Partnership": "partnership"}[
        type(target).__name__
    ]
    query = urlencode({key: target.pk, "next": request.get_full_path()})
    url = f"{reverse('messaging:create')}?{query}"
    return format_html('<a class="btn write-button" href="{}">{}</a>', url, gettext("Write"))


@register.filter
def quote_text(body: str) -> str:
    """A message's text as a quote shows it: read as Markdown, shown as plain text."""
    return plain_text(body)
