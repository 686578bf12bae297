"""The registry's filters: how an event's date, source and instrument read on a page.

`{% load registry %}` then `{{ event.occurred_on|precise_date:event.date_precision }}`,
`{{ event.source|source_links }}` and `{% for label in event|instrument_labels %}`: the public
registry and the partnership page show them the same way.
"""

from datetime import date
from typing import Any

from django import template
from django.utils.safestring import SafeString

from regionbridge.lib import dates, links
from regionbridge.partnerships.instruments import event_instrument_kinds

register = template.Library()


@register.filter
def precise_date(day: date | None, precision: str = dates.DAY) -> SafeString:
    return dates.precise_date(day, precision or dates.DAY)


@register.filter
def source_links(text: str) -> SafeString:
    return links.source_html(str(text or ""))


@register.filter
def instrument_labels(event: Any) -> list[str]:
    if not event:
        return []
    return [str(kind.label) for kind in event_instrument_kinds(event)]


@register.filter
def card_labels(partnership: Any) -> list[str]:
    """The kinds of a tie's latest instrument: its events (prefetched, in date order) last."""
    events = list(partnership.events.all())
    return instrument_labels(events[-1]) if events else []
