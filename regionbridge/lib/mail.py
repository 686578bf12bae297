"""E-mails as templates, rendered in the recipient's language, sent through the outbox."""

from typing import Any

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation


def queue_templated(*, user: Any, template: str, context: dict[str, Any], key: str) -> bool:
    """Queue `<template>_subject.txt`, `.txt` and `.html` for one user, in their language.

    The key makes it once-only: queueing the same key twice sends one e-mail. The worker
    delivers it after commit and retries while the mail server is down.
    """
    from regionbridge.messaging.models import OutboundEmail
    from regionbridge.messaging.tasks import deliver_outbox

    with translation.override(user.language or settings.LANGUAGE_CODE):
        context = {"user": user, "site_url": settings.SITE_URL, **context}
        subject = " ".join(render_to_string(f"{template}_subject.txt", context).split())
        text = render_to_string(f"{template}.txt", context)
        html = render_to_string(f"{template}.html", context)
    _row, created = OutboundEmail.objects.get_or_create(
        key=key[:200],
        defaults={"to": user.email, "subject": subject[:300], "text": text, "html": html},
    )
    if created:
        transaction.on_commit(deliver_outbox.enqueue)
    return created
