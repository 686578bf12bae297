"""Renewal reminders: once, before an instrument runs out, in each recipient's language."""

from datetime import date, timedelta

import pytest
from django.core import mail

from regionbridge.outbox.tasks import deliver_due
from regionbridge.partnerships.clearance import renewal_reminders_send
from regionbridge.partnerships.models import Document, DocumentStatus
from regionbridge.partnerships.services import partnership_create
from tests.conftest import region

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 27)


@pytest.fixture
def signed_memorandum(reference):
    partnership = partnership_create(
        by=None,
        ukrainian_region=region("UA-18"),
        partner_region=region("US-OH"),
        first_event="signed",
        first_event_on=TODAY - timedelta(days=700),
    )
    return Document.objects.create(
        partnership=partnership,
        kind="memorandum",
        title_en="Memorandum on cooperation",
        title_uk="Меморандум про співпрацю",
        status=DocumentStatus.SIGNED,
        signed_on=TODAY - timedelta(days=700),
        valid_until=TODAY + timedelta(days=30),
    )


def test_reminder_goes_once_to_the_oblast_and_coordinators(
    signed_memorandum, zhytomyr, chernihiv, coordinator, indiana
):
    zhytomyr.language = "uk"
    zhytomyr.save()
    assert renewal_reminders_send(today=TODAY) == 1
    deliver_due()
    recipients = {message.to[0] for message in mail.outbox}
    assert recipients == {zhytomyr.email, coordinator.email}
    ukrainian = next(m for m in mail.outbox if m.to == [zhytomyr.email])
    assert "Меморандум про співпрацю" in ukrainian.subject
    assert f"/partnerships/documents/{signed_memorandum.pk}/" in ukrainian.body
    english = next(m for m in mail.outbox if m.to == [coordinator.email])
    assert "runs out on" in english.subject
    assert english.alternatives[0][1] == "text/html"
    assert renewal_reminders_send(today=TODAY + timedelta(days=1)) == 0
    deliver_due()
    assert len(mail.outbox) == 2


def test_no_reminder_far_from_the_end_or_after_it(signed_memorandum, coordinator):
    assert renewal_reminders_send(today=TODAY - timedelta(days=90)) == 0
    assert renewal_reminders_send(today=TODAY + timedelta(days=31)) == 0
    assert mail.outbox == []
