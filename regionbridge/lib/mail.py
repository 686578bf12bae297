"""E-mails as templates, rendered in the recipient's language."""

from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation


def send_templated(*, user: Any, template: str, context: dict[str, Any]) -> None:
    """Send `<template>_subject.txt`, `.txt` and `.html` to one user, in their language."""
    with translation.override(user.language or settings.LANGUAGE_CODE):
        context = {"user": user, "site_url": settings.SITE_URL, **context}
        subject = " ".join(render_to_string(f"{template}_subject.txt", context).split())
        text = render_to_string(f"{template}.txt", context)
        html = render_to_string(f"{template}.html", context)
    message = EmailMultiAlternatives(subject, text, settings.DEFAULT_FROM_EMAIL, [user.email])
    message.attach_alternative(html, "text/html")
    message.send()
