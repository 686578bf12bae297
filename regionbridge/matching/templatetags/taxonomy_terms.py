"""The taxonomy's synonyms (stored one per line) as a list a template can join inline."""

from django import template

register = template.Library()


@register.filter
def terms(text: str | None) -> list[str]:
    """The non-empty lines of `text`, stripped."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]
