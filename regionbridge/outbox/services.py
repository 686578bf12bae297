"""E-mails as templates, rendered in the recipient's language, sent through the outbox."""

import zoneinfo
from contextlib import nullcontext
from typing import Any

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from regionbridge.outbox.models import OutboundEmail
from regionbridge.outbox.tasks import outbox_kick


def render_templated(
    template: str, context: dict[str, Any], *, language: str | None, time_zone: str = ""
) -> tuple[str, str, str]:
    """`<template>_subject.txt`, `.txt` and `.html` rendered in `language` (and times shown in
    `time_zone`, when it is known): subject on one line, text, HTML."""
    context = {"site_url": settings.SITE_URL, **context}
    with translation.override(language or settings.LANGUAGE_CODE), _time_zone(time_zone):
        subject = " ".join(render_to_string(f"{template}_subject.txt", context).split())
        text = render_to_string(f"{template}.txt", context)
        html = render_to_string(f"{template}.html", context)
    return subject, text, html


def _time_zone(name: str):
    try:
        return timezone.override(zoneinfo.ZoneInfo(name)) if name else nullcontext()
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return nullcontext()


def queue_templated(*, user: Any, template: str, context: dict[str, Any], key: str) -> bool:
    """Queue `<template>_subject.txt`, `.txt` and `.html` for one user, in their language.

    The key makes it once-only: queueing the same key twice sends one e-mail. The worker
    delivers it after commit and retries while the mail server is down.
    """
    subject, text, html = render_templated(
        template, {"user": user, **context}, language=user.language
    )
    _row, created = OutboundEmail.objects.get_or_create(
        key=key[:200],
        defaults={"to": user.email, "subject": subject[:300], "text": text, "html": html},
    )
    if created:
        transaction.on_commit(outbox_kick)
    return created
