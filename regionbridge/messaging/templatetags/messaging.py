"""Messaging on other apps' pages, so that those apps need not import messaging.

`{% load messaging %}{% partnership_threads partnership %}` lists the threads on a partnership that
the signed-in user may read (the policy's `visible`), and offers to start one.
"""

from typing import Any
from urllib.parse import urlencode

from django import template
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.translation import gettext

from regionbridge import policy
from regionbridge.lib.timezones import timezone_city
from regionbridge.messaging import selectors
from regionbridge.messaging.models import Thread
from regionbridge.messaging.text import plain_text

register = template.Library()


class _Fragment:
    """The tag's template, kept with it (one module, one small fragment) and compiled on first
    use: the template engine imports this module while it is being built."""

    def __init__(self, source: str) -> None:
        self.source = source

    @cached_property
    def template(self) -> template.Template:
        return template.Template(self.source)


PARTNERSHIP_THREADS = _Fragment(
    """{% load i18n %}<h2>{% translate "Threads" %}</h2>
  {% if threads %}<ul>{% for t in threads %}<li><a href="{% url 'messaging:thread' t.pk %}">{{ t.subject }}</a></li>{% endfor %}</ul>{% endif %}
  {% if can_talk %}<p><a class="btn btn-quiet" href="{% url 'messaging:create' %}?partnership={{ partnership.pk }}">{% translate "Start a thread on this partnership" %}</a></p>{% endif %}
"""  # noqa: E501
)


@register.inclusion_tag(PARTNERSHIP_THREADS, takes_context=True)
def partnership_threads(context: template.Context, partnership: Any) -> dict[str, Any]:
    user = context["request"].user
    return {
        "partnership": partnership,
        "threads": policy.visible(user, Thread).filter(partnership=partnership),
        "can_talk": policy.can(user, policy.Action.THREAD_START),
    }


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
