"""Meetings on other apps' pages, so that those apps need not import meetings, and the labels
the meeting pages share.

`{% load meetings %}{% partnership_meetings partnership %}` shows, on a partnership's page, its
meetings and open action items that the signed-in user may see (the policy's `visible`).
"""

from typing import Any

from django import template
from django.utils import timezone
from django.utils.translation import gettext as _

from regionbridge import policy
from regionbridge.meetings import selectors, services
from regionbridge.meetings.models import Answer

register = template.Library()


@register.inclusion_tag("meetings/_partnership_meetings.html", takes_context=True)
def partnership_meetings(context: template.Context, partnership: Any) -> dict[str, Any]:
    user = context["request"].user
    actions = selectors.partnership_open_actions(user, partnership)
    now = timezone.now()
    for action in actions:
        action.overdue = services.is_overdue(action, now=now)
    return {
        "partnership": partnership,
        "meetings": selectors.partnership_meetings(user, partnership),
        "actions": actions,
        "can_create": policy.can(user, policy.Action.MEETING_CREATE),
        "now": now,
    }


@register.simple_tag
def show_label(show: str) -> str:
    """The name of one of the list's filters."""
    return {
        "": _("Mine"),
        "upcoming": _("Upcoming"),
        "past": _("Past"),
        "cancelled": _("Cancelled"),
        "all": _("All meetings"),
    }.get(show, show)


@register.simple_tag
def answer_label(answer: str | None) -> str:
    """An answer as the pages say it ("will attend"); no answer yet when there is none."""
    try:
        return str(Answer(answer or Answer.NEEDS_ACTION).label)
    except ValueError:
        return ""
