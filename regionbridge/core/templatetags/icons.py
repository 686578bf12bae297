"""Inline SVG icons: `{% load icons %}{% icon "paperclip" %}`.

Government machines often lack an emoji font, so a pictograph in a page shows as an empty box;
an inline SVG draws with the text's colour (currentColor) on any machine, needs no request and
passes the CSP (no inline script, no style attribute). The drawing is always hidden from
assistive technology; an icon that carries meaning takes a `label`, read out instead of it
(`{% icon "paperclip" label=_("Attachment") %}`).
"""

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

# 24 × 24 outline drawings, stroked with currentColor (simple shapes after Feather's style).
ICONS: dict[str, str] = {
    "bell": (
        '<path d="M18 8a6 6 0 0 0-12 0c0 7-3 9-3 9h18s-3-2-3-9"/>'
        '<path d="M13.7 21a2 2 0 0 1-3.4 0"/>'
    ),
    "paperclip": (
        '<path d="m21.4 11.1-9.2 9.2a6 6 0 0 1-8.5-8.5l9.2-9.2a4 4 0 0 1 5.7 5.7l-9.2 9.2'
        'a2 2 0 0 1-2.8-2.8l8.5-8.5"/>'
    ),
    "menu": '<path d="M3 6h18M3 12h18M3 18h18"/>',
    "close": '<path d="M18 6 6 18M6 6l12 12"/>',
    "check": '<path d="M20 6 9 17l-5-5"/>',
    "alert": (
        '<path d="M10.3 3.9 1.8 18a2 2 0 0 0 1.7 3h17a2 2 0 0 0 1.7-3L13.7 3.9a2 2 0 0 0-3.4 0z"/>'
        '<path d="M12 9v4M12 17h.01"/>'
    ),
    "search": '<circle cx="11" cy="11" r="7"/><path d="m21 21-4.3-4.3"/>',
}


@register.simple_tag
def icon(name: str, label: str = "", size: int = 20) -> SafeString:
    """The icon `name` as inline SVG (hidden from screen readers), followed by `label` as text
    only screen readers read when the icon means something the page does not say otherwise."""
    try:
        drawing = ICONS[name]
    except KeyError:
        raise ValueError(f"No icon named {name!r}; known: {', '.join(sorted(ICONS))}.") from None
    svg = format_html(
        '<svg aria-hidden="true" focusable="false" class="icon icon-{}" width="{}" height="{}"'
        ' viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2"'
        ' stroke-linecap="round" stroke-linejoin="round">{}</svg>',
        name,
        size,
        size,
        mark_safe(drawing),  # noqa: S308 - constant markup of this module, no user input
    )
    if label:
        return format_html('{}<span class="visually-hidden">{}</span>', svg, label)
    return svg
