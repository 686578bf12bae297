"""Issue 7.5: guests and invitations stay within confidentiality and cannot be used as a relay.

On a thread about a confidential negotiation only people who may see the negotiation take part;
only participants with a role invite; at most 20 guests a thread and 50 new guest addresses a
person a day; mail to addresses that never had an account is rate-limited; a confidential
partnership with institution links cannot be deleted out from under them.
"""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import ProtectedError
from django.utils import timezone

from regionbridge.institutions.models import InstitutionLink
from regionbridge.messaging import services
from regionbridge.messaging.models import Participant, Thread
from regionbridge.outbox.models import OutboundEmail, OutboxStatus
from regionbridge.outbox.tasks import GUEST_MAIL_PER_HOUR, deliver_due
from regionbridge.partnerships import services as partnerships
from regionbridge.partnerships.models import Partnership
from tests.conftest import org, region
from tests.factories import OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db


def tie(ukrainian: str, partner: str, *, confidential: bool = False) -> Partnership:
    return partnerships.partnership_create(
        by=None,
        ukrainian_region=region(ukrainian),
        partner_region=region(partner),
        confidential=confidential,
    )


@pytest.fixture
def secret(reference) -> Partnership:
    return tie("UA-74", "US-MN", confidential=True)


def guests(n: int, domain: str = "partner.example") -> list[tuple[str, str]]:
    return [(f"guest{i}@{domain}", "") for i in range(n)]


# --- confidentiality --------------------------------------------------------------------------


def test_no_guest_on_a_thread_about_a_confidential_negotiation(chernihiv, secret):
    thread = services.thread_create(by=chernihiv, subject="Draft", partnership=secret)
    with pytest.raises(ValidationError):
        services.thread_add_participant(
            thread=thread, by=chernihiv, guest_email="journalist@news.example"
        )
    assert services.guest_emails(thread) == []
    with pytest.raises(ValidationError):
        services.thread_create(
            by=chernihiv, subject="Draft", partnership=secret, guests=[("x@news.example", "")]
        )
    assert Thread.objects.count() == 1


def test_a_member_who_may_not_see_the_negotiation_cannot_be_added(chernihiv, zhytomyr, secret):
    thread = services.thread_create(by=chernihiv, subject="Draft", partnership=secret)
    with pytest.raises(ValidationError):
        services.thread_add_participant(thread=thread, by=chernihiv, user=zhytomyr)
    with pytest.raises(ValidationError):  # by e-mail: the address has an account, same rule
        services.thread_add_participant(thread=thread, by=chernihiv, guest_email=zhytomyr.email)
    with pytest.raises(ValidationError):
        services.thread_create(by=chernihiv, subject="Draft", partnership=secret, users=[zhytomyr])
    assert not thread.participants.filter(user=zhytomyr).exists()


def test_people_who_may_see_the_negotiation_can_be_added(chernihiv, embassy, ministry, secret):
    thread = services.thread_create(by=chernihiv, subject="Draft", partnership=secret)
    services.thread_add_participant(thread=thread, by=chernihiv, user=embassy)
    services.thread_add_participant(thread=thread, by=chernihiv, guest_email=ministry.email)
    services.thread_add_participant(thread=thread, by=chernihiv, organization=org("mfa"))
    assert thread.participants.count() == 4


def test_an_office_whose_staff_may_not_see_the_negotiation_cannot_be_added(
    chernihiv, institution_user, secret
):
    thread = services.thread_create(by=chernihiv, subject="Draft", partnership=secret)
    hospital = institution_user.role_assignments.get().organization
    with pytest.raises(ValidationError):
        services.thread_add_participant(thread=thread, by=chernihiv, organization=hospital)


def test_guests_already_in_a_thread_hear_nothing_once_the_tie_becomes_confidential(chernihiv):
    partnership = tie("UA-74", "US-WI")
    thread = services.thread_create(
        by=chernihiv, subject="Plans", partnership=partnership, guests=[("g@partner.example", "")]
    )
    Partnership.objects.filter(pk=partnership.pk).update(confidential=True)
    thread.refresh_from_db()
    services.message_post(thread=thread, author=chernihiv, body="Confidential now")
    assert not OutboundEmail.objects.filter(to="g@partner.example").exists()
    with pytest.raises(PermissionDenied):
        services.message_post(thread=thread, guest_email="g@partner.example", body="hi")


# --- who may invite ---------------------------------------------------------------------------


def test_a_participant_without_a_role_cannot_invite(zhytomyr):
    roleless = UserFactory(email="claimed.guest@partner.example")
    thread = services.thread_create(by=zhytomyr, subject="Hello", users=[roleless])
    with pytest.raises(PermissionDenied):
        services.thread_add_participant(thread=thread, by=roleless, guest_email="x@spam.example")
    assert services.guest_emails(thread) == []


def test_the_add_participant_page_refuses_a_roleless_participant(client, zhytomyr):
    roleless = UserFactory(email="claimed.guest@partner.example")
    thread = services.thread_create(by=zhytomyr, subject="Hello", users=[roleless])
    client.force_login(roleless)
    response = client.post(f"/messages/{thread.pk}/participants/", {"email": "x@spam.example"})
    assert response.status_code == 403
    assert services.guest_emails(thread) == []


# --- limits -----------------------------------------------------------------------------------


def test_at_most_twenty_guests_a_thread(zhytomyr):
    thread = services.thread_create(by=zhytomyr, subject="Many", guests=guests(20))
    assert len(services.guest_emails(thread)) == 20
    with pytest.raises(ValidationError):
        services.thread_add_participant(thread=thread, by=zhytomyr, guest_email="one@more.example")
    with pytest.raises(ValidationError):
        services.thread_create(by=zhytomyr, subject="Too many", guests=guests(21))
    assert Thread.objects.count() == 1


@pytest.mark.parametrize(("count", "said"), [(300, "at most 100 people"), (21, "at most 20")])
def test_the_new_thread_page_refuses_too_many_guests_with_a_clear_error(
    client, zhytomyr, count, said
):
    client.force_login(zhytomyr)
    client.cookies["rb_language"] = "en"
    people = "\n".join(email for email, _name in guests(count))
    response = client.post(
        "/messages/new/", {"subject": "Spam", "kind": "topic", "people": people, "body": "Buy"}
    )
    assert response.status_code == 400
    assert said in response.content.decode()
    assert not Thread.objects.exists()
    assert not OutboundEmail.objects.exists()


def test_the_add_participant_page_says_why_it_refused(client, chernihiv, secret):
    thread = services.thread_create(by=chernihiv, subject="Draft", partnership=secret)
    client.force_login(chernihiv)
    client.cookies["rb_language"] = "en"
    response = client.post(
        f"/messages/{thread.pk}/participants/", {"email": "journalist@news.example"}, follow=True
    )
    assert response.status_code == 200
    assert "confidential negotiation" in response.content.decode()
    assert services.guest_emails(thread) == []


def test_at_most_fifty_new_guest_addresses_a_person_a_day(zhytomyr):
    services.thread_create(by=zhytomyr, subject="A", guests=guests(20, domain="a.example"))
    services.thread_create(by=zhytomyr, subject="B", guests=guests(20, domain="b.example"))
    thread = services.thread_create(by=zhytomyr, subject="C", guests=guests(10, domain="c.example"))
    assert Participant.objects.exclude(guest_email="").count() == 50
    with pytest.raises(ValidationError):
        services.thread_add_participant(thread=thread, by=zhytomyr, guest_email="new@other.example")
    # An address already invited today is not new: it may join another thread.
    services.thread_add_participant(thread=thread, by=zhytomyr, guest_email="guest0@a.example")
    # A guest added yesterday does not count today.
    Participant.objects.update(added_at=timezone.now() - timedelta(days=1, minutes=1))
    services.thread_add_participant(thread=thread, by=zhytomyr, guest_email="new@other.example")


def test_another_persons_invitations_do_not_count_against_me(zhytomyr, chernihiv):
    for n in range(2):
        services.thread_create(by=chernihiv, subject=f"T{n}", guests=guests(20, f"{n}.example"))
    thread = services.thread_create(by=zhytomyr, subject="Mine", guests=guests(20))
    assert len(services.guest_emails(thread)) == 20


def queue(to: str, n: int, *, sent_minutes_ago: int | None = None) -> None:
    now = timezone.now()
    for i in range(n):
        OutboundEmail.objects.create(
            key=f"test:{to}:{sent_minutes_ago}:{i}",
            to=to,
            subject="s",
            text="t",
            status=OutboxStatus.SENT if sent_minutes_ago is not None else OutboxStatus.PENDING,
            sent_at=now - timedelta(minutes=sent_minutes_ago) if sent_minutes_ago else None,
        )


def test_mail_to_an_address_that_never_had_an_account_is_rate_limited(reference, mailoutbox):
    queue("stranger@partner.example", GUEST_MAIL_PER_HOUR + 5)
    queue("zhytomyr@example.org", GUEST_MAIL_PER_HOUR + 5)
    UserFactory(email="zhytomyr@example.org")
    deliver_due(limit=500)
    to_stranger = [m for m in mailoutbox if m.to == ["stranger@partner.example"]]
    assert len(to_stranger) == GUEST_MAIL_PER_HOUR
    assert len([m for m in mailoutbox if m.to == ["zhytomyr@example.org"]]) == (
        GUEST_MAIL_PER_HOUR + 5
    )
    waiting = OutboundEmail.objects.filter(to="stranger@partner.example", status="pending")
    assert waiting.count() == 5  # deferred, not dropped
    assert all(row.next_attempt_at > timezone.now() for row in waiting)
    assert all(row.attempts == 0 for row in waiting)


def test_the_guest_mail_limit_counts_the_last_hour_only(reference, mailoutbox):
    queue("stranger@partner.example", GUEST_MAIL_PER_HOUR, sent_minutes_ago=61)
    queue("stranger@partner.example", 1)
    deliver_due()
    assert len(mailoutbox) == 1


# --- deleting a confidential partnership -----------------------------------------------------


def test_a_partnership_with_institution_links_cannot_be_deleted(secret):
    link = InstitutionLink.objects.create(
        ukrainian_institution=OrganizationFactory(),
        partner_institution=OrganizationFactory(),
        partnership=secret,
    )
    with pytest.raises(ProtectedError):
        secret.delete()
    link.refresh_from_db()
    assert link.partnership_id == secret.pk


def test_the_back_office_refuses_to_delete_a_partnership_with_links(client, secret):
    admin = UserFactory(is_staff=True, is_superuser=True)
    InstitutionLink.objects.create(
        ukrainian_institution=OrganizationFactory(),
        partner_institution=OrganizationFactory(),
        partnership=secret,
    )
    client.force_login(admin)
    client.post(f"/admin/partnerships/partnership/{secret.pk}/delete/", {"post": "yes"})
    assert Partnership.objects.filter(pk=secret.pk).exists()
    assert InstitutionLink.objects.get().partnership_id == secret.pk


# --- the API keeps the same limits ------------------------------------------------------------


def test_the_api_refuses_too_many_guests_and_guests_on_a_confidential_negotiation(
    client, chernihiv, secret
):
    from tests.test_api import bearer

    headers = bearer(chernihiv)
    many = {"subject": "Spam", "kind": "topic", "people": [e for e, _n in guests(21)]}
    response = client.post(
        "/api/v1/threads", many, content_type="application/json", headers=headers
    )
    assert response.status_code in (400, 422), response.content
    assert "20" in response.json()["message"]
    secret_thread = {
        "subject": "Terms",
        "kind": "topic",
        "people": ["journalist@news.example"],
        "partnership": secret.pk,
    }
    response = client.post(
        "/api/v1/threads", secret_thread, content_type="application/json", headers=headers
    )
    assert response.status_code in (400, 422), response.content
    assert not Thread.objects.exists()


def test_an_office_is_judged_by_its_staff_with_a_role(chernihiv, secret):
    """A directory entry without an account role reads nothing, so it does not block its office."""
    from tests.factories import PersonFactory

    mfa = org("mfa")
    PersonFactory(organization=mfa, user=UserFactory(email="no.role@mfa.example"))
    thread = services.thread_create(by=chernihiv, subject="Draft", partnership=secret)
    services.thread_add_participant(thread=thread, by=chernihiv, organization=mfa)
    assert thread.participants.filter(organization=mfa).exists()
