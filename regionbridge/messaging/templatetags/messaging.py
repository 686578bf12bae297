"""Messaging on other apps' pages, so that those apps need not import messaging.

`{% load messaging %}{% partnership_threads partnership %}` lists the threads on a partnership that
the signed-in user may read (the policy's `visible`), and offers to start one.
"""

from typing import Any

from django import template
from django.utils.functional import cached_property

from regionbridge import policy
from regionbridge.messaging.models import Thread

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
