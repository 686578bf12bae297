"""Every operation of /api/v1/ against every persona: the status it answers.

The operations are read from the API's own OpenAPI schema and compared with GRID below, so a new
operation without a row fails `test_every_operation_has_a_row` (and so does a row for an operation
that is gone). The pages have the same grid in test_routes_permissions.py.

Operations on an object are tried on two samples, each a partnership with drafts in every state of
clearance, a link, a public activity and a thread with a message and an attachment:
- OPEN, the Zhytomyr – Indiana tie, open to every member: the own tie of Zhytomyr's officer,
  Indiana's liaison and the Zhytomyr hospital's staff, someone else's for Chernihiv's officer;
- SECRET, the Chernihiv – Minnesota negotiation, confidential: Chernihiv's own, someone else's for
  Zhytomyr's officer, Indiana and the hospital, who must get 404 as if it did not exist.
Operations on a collection name the sample in their body or query (a tie for the sample's oblast,
a link under its partnership, `?partnership=`) or list with it present; those that concern no
sample (reference data, the directory, one's account, the audit log) are tried once.

Personas call with a Bearer token, the API's main door. Writes send valid bodies, so a cell checks
permission, not validation, and an allowed write must succeed (200, 201, 204). Whoever may not see
the negotiation never finds its marker word (`SECRET_WORD`) in any answer.

The samples and personas are built once for the module; each cell runs in a savepoint that is
rolled back (the message edits rely on the module finishing within the 15 minutes they allow).
"""

import io
import json
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from functools import cached_property
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import override_settings
from django.urls import URLPattern, URLResolver
from django.utils import timezone

from regionbridge.accounts.models import RoleAssignment
from regionbridge.accounts.services import role_assign, token_issue
from regionbridge.api.api import api
from regionbridge.institutions.services import link_create
from regionbridge.matching import services as matching
from regionbridge.matching.models import Match
from regionbridge.meetings import services as meetings
from regionbridge.messaging import services as messaging
from regionbridge.messaging.models import Participant
from regionbridge.organizations.models import Organization, Person
from regionbridge.partnerships import clearance
from regionbridge.partnerships import services as partnerships
from regionbridge.partnerships.models import Document
from regionbridge.partnerships.services import activity_create
from regionbridge.regions.models import Region
from tests.conftest import close_response, ensure_reference, make_member
from tests.factories import OrganizationFactory, PersonFactory, UserFactory

pytestmark = pytest.mark.django_db

API = "/api/v1"

PERSONAS = (
    "anonymous",
    "outsider",  # signed in, no role
    "guest",  # no role either, but takes part in the open thread (a guest who claimed an account)
    "institution_user",  # staff of a hospital in Zhytomyr Oblast
    "indiana",  # a partner region's liaison
    "zhytomyr",  # a regional officer
    "chernihiv",
    "embassy",  # Ukraine's embassy in the US
    "ministry",  # the MFA, a clearing ministry
    "coordinator",
    "read_only",  # Zhytomyr's officer through a read-only token
)
# Who may see the confidential negotiation; everyone else gets 404 for it and anything under it.
SECRET_SEERS = ("coordinator", "ministry", "embassy", "chernihiv")
ROLES = (
    "institution_user",
    "indiana",
    "zhytomyr",
    "chernihiv",
    "embassy",
    "ministry",
    "coordinator",
)
SECRET_WORD = "Zorvanex"  # in the negotiation's next step, titles, thread, message, link, activity
PLANNED = "planner.colleague@example.org"  # an account with a directory entry: a planner's pick
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


# --- expectations ---------------------------------------------------------------------------


def row(default: int, *, anonymous: int = 401, **cells: int) -> dict[str, int]:
    """`default` for every persona but the anonymous one (401 unless said) and those named."""
    return {**dict.fromkeys(PERSONAS, default), "anonymous": anonymous, **cells}


def allowing(status: int, allowed: tuple[str, ...], **others: int) -> dict[str, int]:
    """`others` by name, then `allowed` with `status` (they win)."""
    return {**others, **dict.fromkeys(allowed, status)}


PUBLIC = row(200, anonymous=200)
SIGNED_IN = row(200)
# Members' lists: who holds no role gets 403.
MEMBERS = row(200, outsider=403, guest=403)
COORDINATOR_ONLY = row(403, coordinator=200)
REVIEWERS = row(403, coordinator=200, ministry=200)
BRIEFED = ("coordinator", "ministry", "embassy", "zhytomyr", "chernihiv", "read_only")

# The open tie: every member sees it; who holds no role does not (404).
OPEN_READ = row(200, outsider=404, guest=404)
# The negotiation: its seers see it, everyone else gets 404 (the read-only token as its owner).
SECRET_READ = row(404, **dict.fromkeys(SECRET_SEERS, 200))


# A read-only token is refused every write (403) before anything is looked up, so the answer is
# the same whatever the object, and it learns nothing.
def open_write(status: int, *allowed: str) -> dict[str, int]:
    """A change to the open tie: `allowed` succeed, other members 403, who holds no role 404."""
    return row(403, **allowing(status, allowed, outsider=404, guest=404))


def secret_write(status: int, *allowed: str) -> dict[str, int]:
    """A change to the negotiation: `allowed` succeed, its other seers 403, everyone else 404."""
    return row(404, **allowing(status, allowed, **dict.fromkeys(SECRET_SEERS, 403), read_only=403))


def create(status: int, *allowed: str, **others: int) -> dict[str, int]:
    """A new object under a region or institution everyone signed in sees: `allowed` succeed,
    the rest 403 unless named."""
    return row(403, **allowing(status, allowed, **others))


# Threads are read by their participants only; anyone else gets 404, even a coordinator. The open
# thread: Zhytomyr's officer with Indiana, the guest and the whole embassy. The secret one, on the
# negotiation: Chernihiv's officer with the embassy's officer, the whole MFA, and Zhytomyr's
# officer and the whole hospital, who take part but may not see the negotiation (404).
OPEN_TALK = ("zhytomyr", "indiana", "guest", "embassy")
SECRET_TALK = ("chernihiv", "embassy", "ministry")
OPEN_TALK_READ = row(404, **dict.fromkeys(OPEN_TALK, 200), read_only=200)
SECRET_TALK_READ = row(404, **dict.fromkeys(SECRET_TALK, 200))


def open_talk_write(status: int, *allowed: str) -> dict[str, int]:
    """A write in the open thread: `allowed` (every participant unless named) succeed, the other
    participants 403, everyone else 404."""
    others = dict.fromkeys(OPEN_TALK, 403)
    return row(404, **allowing(status, allowed or OPEN_TALK, **others, read_only=403))


def secret_talk_write(status: int, *allowed: str) -> dict[str, int]:
    others = dict.fromkeys(SECRET_TALK, 403)
    return row(404, **allowing(status, allowed or SECRET_TALK, **others, read_only=403))


# Meetings are seen by their invitees (their thread's readers, as above) and by coordinators; on
# the negotiation only by those who may also see it. Writes: `allowed` succeed, the other who see
# the meeting 403, everyone else 404.
OPEN_MEETING = (*OPEN_TALK, "coordinator")
SECRET_MEETING = (*SECRET_TALK, "coordinator")
OPEN_MEETING_READ = row(404, **dict.fromkeys(OPEN_MEETING, 200), read_only=200)
SECRET_MEETING_READ = row(404, **dict.fromkeys(SECRET_MEETING, 200))
# One's own invitation file: only invitees have one (a coordinator who oversees gets 404).
OPEN_INVITATION = row(404, **dict.fromkeys(OPEN_TALK, 200), read_only=200)
SECRET_INVITATION = row(404, **dict.fromkeys(SECRET_TALK, 200))


def meeting_write(status: int, seers: tuple[str, ...], *allowed: str) -> dict[str, int]:
    return row(404, **allowing(status, allowed, **dict.fromkeys(seers, 403), read_only=403))


# Needs and offers (policy/matching.py): the negotiation's side's need is seen by its office and
# the coordinators; the partner states' offers are for their partnerships.
SECRET_NEED_READ = row(404, coordinator=200, chernihiv=200)
OPEN_OFFER_SEERS = ("coordinator", "indiana", "zhytomyr", "institution_user", "read_only")
OPEN_OFFER_READ = row(404, **dict.fromkeys(OPEN_OFFER_SEERS, 200))
OPEN_OFFER_SIDE_READ_403 = dict.fromkeys(OPEN_OFFER_SEERS, 403)
SECRET_OFFER_READ = row(404, coordinator=200)


def post_body(region_code: str, organization_key: str) -> dict[str, Any]:
    return {
        "title": "Rehabilitation equipment",
        "description": "Equipment for a rehabilitation centre.",
        "region": region_code,
        "organization": Organization.objects.get(key=organization_key).pk,
    }


# --- samples --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Side:
    ukrainian: str
    partner: str
    confidential: bool
    word: str  # in the sample's texts


OPEN = Side("UA-18", "US-IN", confidential=False, word="Quillbrook")
SECRET = Side("UA-74", "US-MN", confidential=True, word=SECRET_WORD)


class Sample:
    """One side's partnership and everything that hangs from it, through the real services."""

    PARTS = (
        "draft",
        "under_review",
        "cleared",
        "signed",
        "version",
        "link",
        "activity",
        "message",
        "meeting",
        "action",
        "need",
        "offer",
        "match",
    )

    def __init__(self, users: dict[str, Any], side: Side):
        self.users, self.side = users, side
        for part in self.PARTS:
            getattr(self, part)

    @cached_property
    def partnership(self):
        return partnerships.partnership_create(
            by=None,
            ukrainian_region=Region.objects.get(code=self.side.ukrainian),
            partner_region=Region.objects.get(code=self.side.partner),
            confidential=self.side.confidential,
            next_step_en=f"Agree the {self.side.word} programme",
        )

    def _document(self, status: str) -> Document:
        """A memorandum with its text, taken as far as `status` through the real services."""
        document = clearance.document_create(
            partnership=self.partnership,
            kind="memorandum",
            by=None,
            title_en=f"Memorandum {self.side.word}",
        )
        clearance.document_add_version(document=document, language="en", upload=pdf(), by=None)
        if status != "draft":
            clearance.document_submit(document=document, by=None)
        if status in ("cleared", "signed"):
            for key, decision, order in (("mfa", "no_objection", ""), ("mindev", "approved", "7")):
                clearance.document_review(
                    document=document,
                    ministry=Organization.objects.get(key=key),
                    decision=decision,
                    order_number=order,
                    by=None,
                )
        if status == "signed":
            clearance.document_sign(document=document, by=None, signed_on=timezone.localdate())
        document.refresh_from_db()
        assert document.status == status
        return document

    @cached_property
    def draft(self) -> Document:
        return self._document("draft")

    @cached_property
    def under_review(self) -> Document:
        return self._document("under_review")

    @cached_property
    def cleared(self) -> Document:
        return self._document("cleared")

    @cached_property
    def signed(self) -> Document:
        return self._document("signed")

    @cached_property
    def version(self):
        return self.under_review.versions.get()

    @cached_property
    def ukrainian_institution(self) -> Organization:
        if self.side is OPEN:
            return RoleAssignment.objects.get(user=self.users["institution_user"]).organization
        return OrganizationFactory(
            name_en="Chernihiv Test School", region=Region.objects.get(code=self.side.ukrainian)
        )

    def partner_institution(self) -> Organization:
        return OrganizationFactory(region=Region.objects.get(code=self.side.partner))

    @cached_property
    def link(self):
        return link_create(
            by=None,
            ukrainian_institution=self.ukrainian_institution,
            partner_institution=self.partner_institution(),
            partnership=self.partnership,
            description=f"School exchange {self.side.word}",
        )

    @cached_property
    def activity(self):
        """Public: on the negotiation it must still stay hidden with it."""
        return activity_create(
            by=None,
            target=self.partnership,
            kind="visit",
            title_en=f"Visit {self.side.word}",
            starts_on=timezone.localdate(),
            is_public=True,
        )

    @cached_property
    def thread(self):
        """Participants are written directly: on the negotiation, Zhytomyr's officer and the
        hospital could not be invited today (added before it became confidential), and the API
        must still keep them out."""
        if self.side is OPEN:
            author, partnership = self.users["zhytomyr"], None
            users = [self.users["indiana"], self.users["guest"]]
            organizations = [Organization.objects.get(key="embassy-us")]
        else:
            author, partnership = self.users["chernihiv"], self.partnership
            users = [self.users["embassy"], self.users["zhytomyr"]]
            hospital = RoleAssignment.objects.get(user=self.users["institution_user"])
            organizations = [Organization.objects.get(key="mfa"), hospital.organization]
        thread = messaging.thread_create(
            by=author, subject=f"Talks {self.side.word}", partnership=partnership
        )
        for user in users:
            Participant.objects.create(thread=thread, user=user)
        for organization in organizations:
            Participant.objects.create(thread=thread, organization=organization)
        return thread

    @cached_property
    def message(self):
        return messaging.message_post(
            thread=self.thread,
            author=self.thread.created_by,
            body=f"The {self.side.word} draft is attached.",
            files=[pdf()],
        )

    @cached_property
    def attachment(self):
        return self.message.attachments.get()

    @cached_property
    def meeting(self):
        """Invites as the thread does, written in the same way: on the negotiation, Zhytomyr's
        officer and the hospital take part but may not see it (404)."""
        if self.side is OPEN:
            organizer, partnership = self.users["zhytomyr"], None
            users = [self.users["indiana"], self.users["guest"]]
            organizations = [Organization.objects.get(key="embassy-us")]
        else:
            organizer, partnership = self.users["chernihiv"], self.partnership
            users = [self.users["embassy"], self.users["zhytomyr"]]
            hospital = RoleAssignment.objects.get(user=self.users["institution_user"])
            organizations = [Organization.objects.get(key="mfa"), hospital.organization]
        starts_at = timezone.now().replace(microsecond=0) + timedelta(days=7)
        meeting = meetings.meeting_create(
            by=organizer,
            title=f"Meeting {self.side.word}",
            starts_at=starts_at,
            ends_at=starts_at + timedelta(hours=1),
            partnership=partnership,
        )
        for user in users:
            Participant.objects.create(thread=meeting.thread, user=user)
        for organization in organizations:
            Participant.objects.create(thread=meeting.thread, organization=organization)
        return meeting

    @cached_property
    def action(self):
        """Given by the organizer; owned on the open side by Indiana's liaison, on the
        negotiation by Chernihiv's officer."""
        return meetings.action_add(
            by=self.meeting.organizer,
            title=f"Follow up {self.side.word}",
            owner=self.users["indiana" if self.side is OPEN else "chernihiv"],
            due=timezone.localdate(),
            meeting=self.meeting,
        )

    @cached_property
    def need(self):
        """On the open side Zhytomyr's office's need, for every member; on the negotiation
        Chernihiv's, for its partnerships only (and the negotiation, confidential, is none)."""
        ukrainian = self.side.ukrainian
        return matching.post_create(
            by=self.users["zhytomyr" if self.side is OPEN else "chernihiv"],
            kind="need",
            title=f"Prosthetics {self.side.word}",
            description=f"Training for prosthetists, {self.side.word}.",
            region=Region.objects.get(code=ukrainian),
            organization=Organization.objects.get(key=f"rma-{ukrainian}"),
            audience="members" if self.side is OPEN else "partners",
        )

    @cached_property
    def offer(self):
        """The partner state's offer, for its partnerships only: on the open side Indiana's
        liaison's; on the negotiation Minnesota's, which no tie of it makes visible."""
        partner = self.side.partner
        return matching.post_create(
            by=self.users["indiana"] if self.side is OPEN else None,
            kind="offer",
            title=f"Prosthetics training {self.side.word}",
            description=f"Our hospital trains prosthetists, {self.side.word}.",
            region=Region.objects.get(code=partner),
            organization=Organization.objects.get(key=f"gov-{partner}"),
            audience="partners",
        )

    @cached_property
    def match(self):
        return Match.objects.create(
            need=self.need,
            offer=self.offer,
            score=0.8,
            strong=True,
            reasons=[
                {
                    "code": "partnership",
                    "params": {"a": self.side.ukrainian, "b": self.side.partner},
                }
            ],
        )


def pdf() -> SimpleUploadedFile:
    return SimpleUploadedFile("draft.pdf", PDF, content_type="application/pdf")


@dataclass(frozen=True)
class Call:
    path: str
    json: dict[str, Any] | None = None
    multipart: dict[str, Any] | None = None


def today() -> str:
    return timezone.localdate().isoformat()


def fixed(path: str) -> Callable[[Sample], Call]:
    return lambda s: Call(path)


def fixed_json(path: str, body: dict[str, Any]) -> Callable[[Sample], Call]:
    return lambda s: Call(path, json=body)


@dataclass(frozen=True)
class Row:
    call: Callable[[Sample], Call]
    on_open: dict[str, int]  # the only column when the operation concerns no sample
    on_secret: dict[str, int] | None = None


# --- the grid -------------------------------------------------------------------------------

GRID: dict[tuple[str, str], Row] = {
    # Reference data: public.
    ("GET", "/countries"): Row(fixed("/countries"), PUBLIC),
    ("GET", "/regions"): Row(fixed("/regions?country=US"), PUBLIC),
    ("GET", "/regions/{code}"): Row(fixed("/regions/UA-18"), PUBLIC),
    ("GET", "/spheres"): Row(fixed("/spheres"), PUBLIC),
    # The directory: members.
    ("GET", "/organizations"): Row(fixed("/organizations?region=UA-18"), MEMBERS),
    ("GET", "/organizations/{organization_id}"): Row(
        lambda s: Call(f"/organizations/{Organization.objects.get(key='rma-UA-18').pk}"), MEMBERS
    ),
    ("GET", "/people"): Row(fixed("/people?q=Zhytomyr"), MEMBERS),
    ("GET", "/people/{person_id}"): Row(
        lambda s: Call(f"/people/{Person.objects.get(organization__key='rma-UA-18').pk}"), MEMBERS
    ),
    ("GET", "/institutions"): Row(fixed("/institutions?region=UA-18"), MEMBERS),
    ("GET", "/me"): Row(fixed("/me"), SIGNED_IN),
    ("GET", "/audit"): Row(fixed("/audit"), COORDINATOR_ONLY),
    # Notifications: one's own, with or without a role (a read-only token may not mark them).
    ("GET", "/notifications"): Row(fixed("/notifications"), SIGNED_IN),
    ("POST", "/notifications/read"): Row(
        fixed_json("/notifications/read", {"upto": 1}), row(204, read_only=403)
    ),
    ("GET", "/stats/overview"): Row(fixed("/stats/overview?partner_country=US"), MEMBERS),
    # The picture of ties: those who oversee, as its page (tests/test_oversight_ties.py).
    ("GET", "/oversight/ties.svg"): Row(
        fixed("/oversight/ties.svg?partner_country=US"),
        row(403, coordinator=200, ministry=200, embassy=200),
    ),
    # The briefing: overseers and a region's staff (their region's part), as its page; the
    # read-only token is Zhytomyr's officer's.
    ("GET", "/oversight/briefing.pdf"): Row(
        fixed("/oversight/briefing.pdf?lang=en"),
        row(403, **dict.fromkeys(BRIEFED, 200)),
    ),
    ("GET", "/reviews/queue"): Row(fixed("/reviews/queue"), REVIEWERS),
    # Partnerships.
    ("GET", "/partnerships"): Row(
        lambda s: Call(f"/partnerships?region={s.partnership.ukrainian_region.code}"),
        MEMBERS,
        MEMBERS,
    ),
    # Every partnership of the list's filters as a worksheet (tests/test_exports.py reads it).
    ("GET", "/partnerships/export.xlsx"): Row(
        lambda s: Call(f"/partnerships/export.xlsx?region={s.partnership.ukrainian_region.code}"),
        MEMBERS,
        MEMBERS,
    ),
    ("POST", "/partnerships"): Row(
        lambda s: Call(
            "/partnerships",
            json={
                "ukrainian_region": s.side.ukrainian,
                "partner_region": "US-OH",
                "confidential": s.side.confidential,
                "spheres": [],
            },
        ),
        create(201, "coordinator", "zhytomyr"),
        create(201, "coordinator", "chernihiv"),
    ),
    ("GET", "/partnerships/{partnership_id}"): Row(
        lambda s: Call(f"/partnerships/{s.partnership.pk}"), OPEN_READ, SECRET_READ
    ),
    ("PATCH", "/partnerships/{partnership_id}"): Row(
        lambda s: Call(f"/partnerships/{s.partnership.pk}", json={"next_step": "Call Kyiv"}),
        open_write(200, "coordinator", "zhytomyr"),
        secret_write(200, "coordinator", "chernihiv"),
    ),
    ("GET", "/partnerships/{partnership_id}/events"): Row(
        lambda s: Call(f"/partnerships/{s.partnership.pk}/events"), OPEN_READ, SECRET_READ
    ),
    # The embassy in the US records events of ties with US states; it edits nothing.
    ("POST", "/partnerships/{partnership_id}/events"): Row(
        lambda s: Call(
            f"/partnerships/{s.partnership.pk}/events",
            json={"kind": "reported_negotiating", "occurred_on": today()},
        ),
        open_write(201, "coordinator", "zhytomyr", "embassy"),
        secret_write(201, "coordinator", "chernihiv", "embassy"),
    ),
    ("GET", "/partnerships/{partnership_id}/documents"): Row(
        lambda s: Call(f"/partnerships/{s.partnership.pk}/documents"),
        OPEN_READ,
        SECRET_READ,
    ),
    ("POST", "/partnerships/{partnership_id}/documents"): Row(
        lambda s: Call(
            f"/partnerships/{s.partnership.pk}/documents",
            json={"kind": "memorandum", "title_en": "Memorandum of understanding"},
        ),
        open_write(201, "coordinator", "zhytomyr"),
        secret_write(201, "coordinator", "chernihiv"),
    ),
    # Documents: each row takes a document in the state its change needs.
    ("GET", "/documents/{document_id}"): Row(
        lambda s: Call(f"/documents/{s.under_review.pk}"), OPEN_READ, SECRET_READ
    ),
    ("POST", "/documents/{document_id}/versions"): Row(
        lambda s: Call(
            f"/documents/{s.draft.pk}/versions", multipart={"file": pdf(), "language": "uk"}
        ),
        open_write(201, "coordinator", "zhytomyr"),
        secret_write(201, "coordinator", "chernihiv"),
    ),
    ("GET", "/documents/versions/{version_id}/download"): Row(
        lambda s: Call(f"/documents/versions/{s.version.pk}/download"), OPEN_READ, SECRET_READ
    ),
    ("POST", "/documents/{document_id}/submit"): Row(
        lambda s: Call(f"/documents/{s.draft.pk}/submit"),
        open_write(200, "coordinator", "zhytomyr"),
        secret_write(200, "coordinator", "chernihiv"),
    ),
    # Only the clearing ministries review; a coordinator sees the draft but may not.
    ("POST", "/documents/{document_id}/reviews"): Row(
        lambda s: Call(
            f"/documents/{s.under_review.pk}/reviews", json={"decision": "no_objection"}
        ),
        open_write(201, "ministry"),
        secret_write(201, "ministry"),
    ),
    ("POST", "/documents/{document_id}/sign"): Row(
        lambda s: Call(
            f"/documents/{s.cleared.pk}/sign", json={"signed_on": today(), "place": "Kyiv"}
        ),
        open_write(200, "coordinator", "zhytomyr"),
        secret_write(200, "coordinator", "chernihiv"),
    ),
    ("POST", "/documents/{document_id}/close"): Row(
        lambda s: Call(f"/documents/{s.signed.pk}/close", json={"status": "terminated"}),
        open_write(200, "coordinator", "zhytomyr"),
        secret_write(200, "coordinator", "chernihiv"),
    ),
    # Institution links and activities.
    ("GET", "/links"): Row(
        lambda s: Call(f"/links?partnership={s.link.partnership_id}"), MEMBERS, MEMBERS
    ),
    # Links start from the Ukrainian side: its institution's staff, its oblast's officer. Who
    # holds no role sees no institution (404); a refusal comes before the partnership is looked
    # up, so naming the negotiation reveals nothing.
    ("POST", "/links"): Row(
        lambda s: Call(
            "/links",
            json={
                "ukrainian_institution": s.ukrainian_institution.pk,
                "partner_institution": s.partner_institution().pk,
                "partnership": s.partnership.pk,
                "status": "proposed",
            },
        ),
        create(201, "coordinator", "zhytomyr", "institution_user", outsider=404, guest=404),
        create(201, "coordinator", "chernihiv", outsider=404, guest=404),
    ),
    # Public, but an activity of the negotiation stays hidden with it (its marker is checked).
    ("GET", "/activities"): Row(
        lambda s: Call(f"/activities?partnership={s.activity.partnership_id}"), PUBLIC, PUBLIC
    ),
    ("POST", "/activities"): Row(
        lambda s: Call(
            "/activities",
            json={
                "kind": "visit",
                "title_en": "Delegation visit",
                "starts_on": today(),
                "partnership": s.partnership.pk,
            },
        ),
        open_write(201, "coordinator", "zhytomyr"),
        secret_write(201, "coordinator", "chernihiv"),
    ),
    # Direct contacts.
    ("GET", "/threads"): Row(fixed("/threads"), MEMBERS, MEMBERS),
    ("POST", "/threads"): Row(
        lambda s: Call("/threads", json={"subject": "Next visit", "partnership": s.partnership.pk}),
        open_write(201, *ROLES),
        secret_write(201, *SECRET_SEERS),
    ),
    ("GET", "/threads/{thread_id}"): Row(
        lambda s: Call(f"/threads/{s.thread.pk}"), OPEN_TALK_READ, SECRET_TALK_READ
    ),
    ("GET", "/threads/{thread_id}/messages"): Row(
        lambda s: Call(f"/threads/{s.thread.pk}/messages"),
        OPEN_TALK_READ,
        SECRET_TALK_READ,
    ),
    ("POST", "/threads/{thread_id}/messages"): Row(
        lambda s: Call(f"/threads/{s.thread.pk}/messages", json={"body": "Agreed."}),
        open_talk_write(201),
        secret_talk_write(201),
    ),
    ("POST", "/threads/{thread_id}/messages/with-files"): Row(
        lambda s: Call(
            f"/threads/{s.thread.pk}/messages/with-files",
            multipart={"body": "The signed copy.", "files": [pdf()]},
        ),
        open_talk_write(201),
        secret_talk_write(201),
    ),
    ("GET", "/attachments/{attachment_id}/download"): Row(
        lambda s: Call(f"/attachments/{s.attachment.pk}/download"),
        OPEN_TALK_READ,
        SECRET_TALK_READ,
    ),
    # Only the author edits a message (for 15 minutes); the other participants get 403.
    ("PATCH", "/messages/{message_id}"): Row(
        lambda s: Call(f"/messages/{s.message.pk}", json={"body": "Corrected."}),
        open_talk_write(200, "zhytomyr"),
        secret_talk_write(200, "chernihiv"),
    ),
    ("POST", "/threads/{thread_id}/read"): Row(
        lambda s: Call(f"/threads/{s.message.thread_id}/read", json={"upto": s.message.pk}),
        open_talk_write(204),
        secret_talk_write(204),
    ),
    ("GET", "/search/messages"): Row(
        lambda s: Call(f"/search/messages?q={s.message.body.split()[1]}"), MEMBERS, MEMBERS
    ),
    # Meetings: one's own list; any member arranges one (on a tie they may see).
    ("GET", "/meetings"): Row(fixed("/meetings"), SIGNED_IN, SIGNED_IN),
    ("POST", "/meetings"): Row(
        lambda s: Call(
            "/meetings",
            json={
                "title": "Next visit",
                "starts_at": "2030-03-11T15:00:00Z",
                "ends_at": "2030-03-11T16:00:00Z",
                "partnership": s.partnership.pk,
            },
        ),
        open_write(201, *ROLES),
        secret_write(201, *SECRET_SEERS),
    ),
    # Free times of a colleague in the directory; who holds no role plans with nobody.
    ("GET", "/meetings/slots"): Row(
        fixed(
            f"/meetings/slots?people={PLANNED}&date_from=2025-03-03&date_to=2025-03-07&duration=60"
        ),
        MEMBERS,
    ),
    ("GET", "/meetings/{meeting_id}"): Row(
        lambda s: Call(f"/meetings/{s.meeting.pk}"), OPEN_MEETING_READ, SECRET_MEETING_READ
    ),
    # The organizer and coordinators change and cancel a meeting.
    ("PATCH", "/meetings/{meeting_id}"): Row(
        lambda s: Call(f"/meetings/{s.meeting.pk}", json={"place": "Kyiv"}),
        meeting_write(200, OPEN_MEETING, "coordinator", "zhytomyr"),
        meeting_write(200, SECRET_MEETING, "coordinator", "chernihiv"),
    ),
    ("POST", "/meetings/{meeting_id}/cancel"): Row(
        lambda s: Call(f"/meetings/{s.meeting.pk}/cancel"),
        meeting_write(200, OPEN_MEETING, "coordinator", "zhytomyr"),
        meeting_write(200, SECRET_MEETING, "coordinator", "chernihiv"),
    ),
    ("GET", "/meetings/{meeting_id}/ics"): Row(
        lambda s: Call(f"/meetings/{s.meeting.pk}/ics"), OPEN_INVITATION, SECRET_INVITATION
    ),
    # Everyone with a role who takes part (and coordinators) records actions; the guest may not.
    ("POST", "/meetings/{meeting_id}/actions"): Row(
        lambda s: Call(
            f"/meetings/{s.meeting.pk}/actions",
            json={"title": "Call back", "owner": s.meeting.organizer.email, "due": today()},
        ),
        meeting_write(201, OPEN_MEETING, "coordinator", "zhytomyr", "indiana", "embassy"),
        meeting_write(201, SECRET_MEETING, "coordinator", "chernihiv", "embassy", "ministry"),
    ),
    ("GET", "/actions"): Row(fixed("/actions"), SIGNED_IN, SIGNED_IN),
    # Its owner, whoever gave it, the meeting's organizer and coordinators change an action.
    ("PATCH", "/actions/{action_id}"): Row(
        lambda s: Call(f"/actions/{s.action.pk}", json={"status": "done"}),
        meeting_write(200, OPEN_MEETING, "coordinator", "zhytomyr", "indiana"),
        meeting_write(200, SECRET_MEETING, "coordinator", "chernihiv"),
    ),
    # Needs and offers (policy/matching.py). Posting: for an organization one speaks for.
    ("GET", "/needs"): Row(fixed("/needs"), MEMBERS, MEMBERS),
    ("GET", "/offers"): Row(fixed("/offers"), MEMBERS, MEMBERS),
    ("POST", "/needs"): Row(
        lambda s: Call("/needs", json=post_body(s.side.ukrainian, f"rma-{s.side.ukrainian}")),
        create(201, "coordinator", "zhytomyr"),
        create(201, "coordinator", "chernihiv"),
    ),
    ("POST", "/offers"): Row(
        lambda s: Call("/offers", json=post_body(s.side.partner, f"gov-{s.side.partner}")),
        create(201, "coordinator", "indiana"),
        create(201, "coordinator"),
    ),
    # The open need is for every member; the negotiation's side's is for Chernihiv's partnerships
    # (none that is live and open), so only Chernihiv's office and the coordinators see it.
    ("GET", "/needs/{need_id}"): Row(
        lambda s: Call(f"/needs/{s.need.pk}"), OPEN_READ, SECRET_NEED_READ
    ),
    ("PATCH", "/needs/{need_id}"): Row(
        lambda s: Call(f"/needs/{s.need.pk}", json={"timing": "2026"}),
        open_write(200, "coordinator", "zhytomyr"),
        row(404, coordinator=200, chernihiv=200, read_only=403),
    ),
    ("GET", "/needs/{need_id}/matches"): Row(
        lambda s: Call(f"/needs/{s.match.need_id}/matches"), OPEN_READ, SECRET_NEED_READ
    ),
    # Indiana's offer is for its partnerships: Indiana and Zhytomyr (a live tie), Zhytomyr's
    # hospital, the coordinators; Minnesota's reaches only the coordinators.
    ("GET", "/offers/{offer_id}"): Row(
        lambda s: Call(f"/offers/{s.offer.pk}"), OPEN_OFFER_READ, SECRET_OFFER_READ
    ),
    ("PATCH", "/offers/{offer_id}"): Row(
        lambda s: Call(f"/offers/{s.offer.pk}", json={"timing": "2026"}),
        row(404, **allowing(200, ("coordinator", "indiana"), **OPEN_OFFER_SIDE_READ_403)),
        row(404, coordinator=200, read_only=403),
    ),
    ("GET", "/offers/{offer_id}/matches"): Row(
        lambda s: Call(f"/offers/{s.match.offer_id}/matches"), OPEN_OFFER_READ, SECRET_OFFER_READ
    ),
    # Either side (who sees both posts) or a coordinator connects; a post out of sight is 404.
    ("POST", "/matches/connect"): Row(
        lambda s: Call(
            "/matches/connect", json={"need_id": s.match.need_id, "offer_id": s.match.offer_id}
        ),
        row(404, coordinator=200, zhytomyr=200, indiana=200, institution_user=403, read_only=403),
        row(404, coordinator=200, read_only=403),
    ),
    ("GET", "/taxonomy"): Row(fixed("/taxonomy"), MEMBERS),
}


# --- personas and samples, built once for the module ---------------------------------------

# The roles of the personas in tests/conftest.py.
ROLE_OF = {
    "coordinator": ("coordinator", {"org_key": "presidential-office"}),
    "ministry": ("ministry", {"org_key": "mfa"}),
    "embassy": ("embassy", {"org_key": "embassy-us"}),
    "zhytomyr": ("regional", {"region_code": "UA-18"}),
    "chernihiv": ("regional", {"region_code": "UA-74"}),
    "indiana": ("partner", {"region_code": "US-IN"}),
}


@dataclass(frozen=True)
class World:
    headers: dict[str, dict[str, str]]  # each persona's `Authorization`, none for the anonymous
    samples: dict[str, Sample]


def _build_world() -> World:
    users = {name: make_member(role, **where) for name, (role, where) in ROLE_OF.items()}
    users["outsider"] = UserFactory()
    users["guest"] = UserFactory(email="claimed.guest@partner.example")
    users["institution_user"] = UserFactory()
    role_assign(
        user=users["institution_user"],
        role="institution",
        organization=OrganizationFactory(name_en="Zhytomyr Test Hospital"),
    )
    PersonFactory(organization=Organization.objects.get(key="rma-UA-18"), name_en="Viktor Testenko")
    PersonFactory(
        organization=OrganizationFactory(name_en="Planner Test Office"),
        user=UserFactory(email=PLANNED),
    )
    headers = {"anonymous": {}}
    for name in PERSONAS[1:]:
        read_only = name == "read_only"
        user = users["zhytomyr" if read_only else name]
        _token, plain = token_issue(user=user, name="grid", read_only=read_only)
        headers[name] = {"Authorization": f"Bearer {plain}"}
    return World(headers, {"open": Sample(users, OPEN), "secret": Sample(users, SECRET)})


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    """Built once and rolled back at the end; each cell runs in a savepoint inside it, so what
    a cell changes is gone before the next."""
    media = tmp_path_factory.mktemp("media")
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=media), transaction.atomic():
        ensure_reference()
        yield _build_world()
        transaction.set_rollback(True)


# --- the operations, from the API itself ----------------------------------------------------


def operations() -> set[tuple[str, str]]:
    """(method, path) of every operation in the API's OpenAPI schema, paths without /api/v1."""
    schema = api.get_openapi_schema()
    return {
        (method.upper(), path.removeprefix(API))
        for path, item in schema["paths"].items()
        for method in item
    }


def _url_paths(patterns, prefix: str = ""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _url_paths(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern)


def test_every_operation_has_a_row():
    missing = sorted(operations() - set(GRID))
    unknown = sorted(set(GRID) - operations())
    assert not (missing or unknown), (
        f"operations without a row in GRID: {missing}; "
        f"rows for operations the API does not have: {unknown}"
    )


def test_every_api_url_is_an_operation_in_the_schema():
    """An operation left out of the schema (include_in_schema=False) would escape the grid."""
    documented = {path for _method, path in operations()}
    urls = {
        "/" + route.replace("<", "{").replace(">", "}")
        for route in _url_paths(api.urls[0])
        if route not in ("", "openapi.json", "docs")
    }
    assert urls <= documented, sorted(urls - documented)


# Objects of reference data and the directory: the same for every persona, tried once.
DIRECTORY_OBJECTS = {"/regions/{code}", "/organizations/{organization_id}", "/people/{person_id}"}


def test_every_row_names_every_persona_and_both_samples_where_it_takes_one():
    for key, entry in GRID.items():
        assert set(entry.on_open) == set(PERSONAS), key
        assert entry.on_secret is None or set(entry.on_secret) == set(PERSONAS), key
        if "{" in key[1] and key[1] not in DIRECTORY_OBJECTS:
            assert entry.on_secret is not None, f"{key} takes a sample's object: try both"


# --- the cells ------------------------------------------------------------------------------


def _slug(method: str, path: str) -> str:
    words = path.strip("/").replace("{", "").replace("}", "").replace("-", "_").split("/")
    return "_".join([method, *words])


def _cells():
    for (method, path), entry in GRID.items():
        columns = [("open", entry.on_open)]
        if entry.on_secret is not None:
            columns.append(("secret", entry.on_secret))
        for column, expected in columns:
            on = f"_on_{column}" if entry.on_secret is not None else ""
            for name in PERSONAS:
                yield pytest.param(
                    method,
                    path,
                    column,
                    name,
                    expected[name],
                    id=f"{name}_gets_{expected[name]}_from_{_slug(method, path)}{on}",
                )


@pytest.mark.parametrize(("method", "path", "column", "name", "expected"), list(_cells()))
def test_cell(client, world, method, path, column, name, expected):
    call = GRID[(method, path)].call(world.samples[column])
    headers = world.headers[name]
    url = API + call.path
    if call.multipart is not None:
        response = client.post(url, call.multipart, headers=headers)
    elif call.json is not None:
        response = client.generic(
            method, url, json.dumps(call.json), content_type="application/json", headers=headers
        )
    else:
        response = client.generic(method, url, headers=headers)
    try:
        content = _readable(response)
        assert response.status_code == expected, (response.status_code, content[:300])
        if column == "secret" and name not in SECRET_SEERS:
            assert SECRET_WORD.lower().encode() not in content.lower(), content[:500]
    finally:
        close_response(response)


def _readable(response) -> bytes:
    """The answer's bytes as text is searched: a worksheet (a zip) unpacked."""
    content = b"".join(response.streaming_content) if response.streaming else response.content
    if response.get("Content-Type", "").startswith(XLSX_TYPE):
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            content = b"".join(archive.read(name) for name in archive.namelist())
    return content


XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# Lists where the grid looks for the secret word: a seer finds it there, so its absence for the
# others means something.
SECRET_LISTS = [
    ("GET", "/partnerships"),
    ("GET", "/partnerships/export.xlsx"),
    ("GET", "/partnerships/{partnership_id}/documents"),
    ("GET", "/links"),
    ("GET", "/activities"),
    ("GET", "/threads"),
    ("GET", "/search/messages"),
    ("GET", "/meetings"),
    ("GET", "/actions"),
    ("GET", "/needs"),
]


@pytest.mark.parametrize(("method", "path"), SECRET_LISTS, ids=lambda part: part)
def test_the_negotiations_own_officer_finds_the_secret_word_in_the_lists(
    client, world, method, path
):
    call = GRID[(method, path)].call(world.samples["secret"])
    response = client.get(API + call.path, headers=world.headers["chernihiv"])
    assert response.status_code == 200
    assert SECRET_WORD.encode() in _readable(response)
