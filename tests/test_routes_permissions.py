"""Every page of the site against every persona: the status a GET gets.

The route list is taken from the URL resolver itself and compared with ROUTES below, so a new page
without a row here fails `test_every_route_has_a_row`. admin/ has its own tests (test_admin.py);
api/v1/ has the same grid, operation × persona on own and others' objects, in test_api_grid.py.
Pages of one partnership are tried twice: on an open tie (ROUTES) and on a confidential
negotiation (CONFIDENTIAL_ROUTES), where whoever may not see it gets 404 and whoever sees it but
may not act gets 403.
"""

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from regionbridge import policy
from regionbridge.accounts.models import ApiToken, RoleAssignment, SignedInSession
from regionbridge.accounts.services import token_issue
from regionbridge.messaging import services as messaging
from regionbridge.messaging.models import Attachment, Message, Participant, Thread
from regionbridge.organizations.models import Organization, Person
from regionbridge.partnerships import clearance
from regionbridge.partnerships import services as partnerships
from regionbridge.partnerships.models import Document, DocumentVersion, Partnership
from regionbridge.regions.models import Region
from tests.conftest import close_response
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

SKIPPED_PREFIXES = ("admin/", "api/v1/")

PERSONAS = (
    "anonymous",
    "outsider",
    "institution_user",
    "indiana",
    "zhytomyr",
    "chernihiv",
    "embassy",
    "ministry",
    "coordinator",
)
MEMBERS = (
    "institution_user",
    "indiana",
    "zhytomyr",
    "chernihiv",
    "embassy",
    "ministry",
    "coordinator",
)

LOGIN = "login"  # 302 to the sign-in page, with ?next= the page asked for
HOME = "home"  # 302 to the home page


def persona(request: pytest.FixtureRequest, name: str) -> Any:
    if name == "anonymous":
        return AnonymousUser()
    return request.getfixturevalue(name)


# --- expectations ---------------------------------------------------------------------------


def everyone(status: int) -> dict[str, Any]:
    return dict.fromkeys(PERSONAS, status)


PUBLIC = everyone(200)
SIGNED_IN = {**everyone(200), "anonymous": LOGIN}
MEMBERS_ONLY = {**everyone(200), "anonymous": LOGIN, "outsider": 403}
COORDINATOR_ONLY = {**everyone(403), "anonymous": LOGIN, "coordinator": 200}
POST_ONLY = everyone(405)
# login_required comes first: anonymous visitors are sent to sign in before the method matters.
POST_ONLY_SIGNED_IN = {**everyone(405), "anonymous": LOGIN}
# Partnership actions are for members: the outsider is refused before the method matters.
POST_ONLY_MEMBERS = {**everyone(405), "anonymous": LOGIN, "outsider": 403}
SIGN_IN_PAGE = {**everyone(HOME), "anonymous": 200}
# The WebAuthn ceremonies answer JSON: POST only, and 403 (not a redirect) before sign-in.
WEBAUTHN_JSON = {**everyone(405), "anonymous": 403}


def members_only(*allowed: str, others: int = 403) -> dict[str, Any]:
    """Anonymous → sign in, outsider → 403; `allowed` members 200, the other members `others`."""
    return {
        **everyone(others),
        **dict.fromkeys(allowed, 200),
        "anonymous": LOGIN,
        "outsider": 403,
    }


COORDINATOR_OR_REGIONAL = members_only("coordinator", "zhytomyr", "chernihiv")
MANAGES_ZHYTOMYR = members_only("coordinator", "zhytomyr")
REVIEWERS = members_only("coordinator", "ministry")
# A thread is read by its participants only: whoever else is a member gets 404, as if it did
# not exist, even a coordinator.
IN_THE_TALK = members_only("zhytomyr", "indiana", "embassy", others=404)
IN_THE_CONFIDENTIAL_TALK = members_only("chernihiv", "embassy", "ministry", others=404)
EVENT_STREAM = "text/event-stream"
# A meeting is seen by whoever it invites (named, or through their office) and by the
# coordinators; changed and cancelled by its organizer and the coordinators.
IN_THE_MEETING = {
    **everyone(404),
    "anonymous": LOGIN,
    **dict.fromkeys(("zhytomyr", "indiana", "embassy", "coordinator"), 200),
}
ORGANIZES_THE_MEETING = {**IN_THE_MEETING, "indiana": 403, "embassy": 403}
IN_THE_CONFIDENTIAL_MEETING = {
    **everyone(404),
    "anonymous": LOGIN,
    **dict.fromkeys(("chernihiv", "embassy", "coordinator"), 200),
}
ORGANIZES_THE_CONFIDENTIAL_MEETING = {**IN_THE_CONFIDENTIAL_MEETING, "embassy": 403}
# One's own invitation file: only the invited (a coordinator oversees, but has no invitation).
INVITED_TO_THE_MEETING = {**IN_THE_MEETING, "coordinator": 404}
INVITED_TO_THE_CONFIDENTIAL_MEETING = {**IN_THE_CONFIDENTIAL_MEETING, "coordinator": 404}


# --- sample arguments -----------------------------------------------------------------------


def _topic(request, user) -> dict[str, Any]:
    """A topic of the shipped taxonomy (no version loaded: the shipped file is read)."""
    return {"code": "accessibility_design"}


def _taxonomy_version(request, user) -> dict[str, Any]:
    from regionbridge.matching import taxonomy
    from regionbridge.partnerships.services import spheres_load

    spheres_load()
    version = taxonomy.latest() or taxonomy.taxonomy_load()
    return {"number": version.number}


def _no_kwargs(request, user) -> dict[str, Any]:
    return {}


def _region(request, user) -> dict[str, Any]:
    return {"code": "UA-18"}


def _person(request, user) -> dict[str, Any]:
    return {"person_id": request.getfixturevalue("zhytomyr_head").pk}


def _organization(request, user) -> dict[str, Any]:
    return {"organization_id": Organization.objects.get(key="rma-UA-18").pk}


def _token(request, user) -> dict[str, Any]:
    """The user's own token; the anonymous visitor has none, so someone else's."""
    owner = user if user.is_authenticated else UserFactory()
    return {"token_id": token_issue(user=owner, name="sample")[0].pk}


def _signed_in_session(request, user) -> dict[str, Any]:
    """A record of one of the user's sessions; the anonymous visitor has none, so someone
    else's."""
    owner = user if user.is_authenticated else UserFactory()
    record = SignedInSession.objects.create(user=owner, session_key=secrets.token_hex(16))
    return {"record_id": record.pk}


PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@dataclass(frozen=True)
class Tie:
    """A partnership with a draft under review whose text has been uploaded."""

    partnership: Partnership
    document: Document
    version: DocumentVersion


def make_tie(ukrainian: str, partner: str, *, confidential: bool = False) -> Tie:
    partnership = partnerships.partnership_create(
        by=None,
        ukrainian_region=Region.objects.get(code=ukrainian),
        partner_region=Region.objects.get(code=partner),
        confidential=confidential,
    )
    document = clearance.document_create(
        partnership=partnership, kind="memorandum", by=None, title_en="Draft memorandum"
    )
    version = clearance.document_add_version(
        document=document,
        language="en",
        upload=SimpleUploadedFile("draft.pdf", PDF, content_type="application/pdf"),
        by=None,
    )
    clearance.document_submit(document=document, by=None)
    return Tie(partnership, document, version)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def open_tie(reference, media) -> Tie:
    """Zhytomyr Oblast – Indiana: open to every member."""
    return make_tie("UA-18", "US-IN")


@pytest.fixture
def confidential_tie(reference, media) -> Tie:
    """Chernihiv Oblast – Minnesota: a confidential negotiation."""
    return make_tie("UA-74", "US-MN", confidential=True)


def _tie_kwargs(fixture: str, part: str):
    def kwargs(request, user) -> dict[str, Any]:
        return {"pk": getattr(request.getfixturevalue(fixture), part).pk}

    return kwargs


_partnership = _tie_kwargs("open_tie", "partnership")
_document = _tie_kwargs("open_tie", "document")
_version = _tie_kwargs("open_tie", "version")


def _link(request, user) -> dict[str, Any]:
    """The hospital of `institution_user` in Zhytomyr with one in Indiana, under the open tie."""
    from regionbridge.institutions.services import link_create
    from tests.factories import OrganizationFactory

    request.getfixturevalue("institution_user")
    hospital = Organization.objects.get(name_en="Zhytomyr Test Hospital")
    partner = OrganizationFactory(
        name_en="Indianapolis Test Hospital", region=Region.objects.get(code="US-IN")
    )
    tie = request.getfixturevalue("open_tie")
    link = link_create(
        by=None,
        ukrainian_institution=hospital,
        partner_institution=partner,
        partnership=tie.partnership,
    )
    return {"pk": link.pk}


def _confidential_link(tie: Tie):
    """A Chernihiv school's link with one in Minnesota, under the confidential negotiation."""
    from regionbridge.institutions.services import link_create
    from tests.factories import OrganizationFactory

    return link_create(
        by=None,
        ukrainian_institution=OrganizationFactory(region=Region.objects.get(code="UA-74")),
        partner_institution=OrganizationFactory(region=Region.objects.get(code="US-MN")),
        partnership=tie.partnership,
    )


def _public_region(request, user) -> dict[str, Any]:
    request.getfixturevalue("open_tie")
    return {"code": "UA-18"}


# --- direct contacts: a thread with a message and an attachment ------------------------------


@dataclass(frozen=True)
class Talk:
    thread: Thread
    message: Message
    attachment: Attachment


def make_talk(*, by, users=(), organizations=(), partnership=None) -> Talk:
    """Participants are written directly: on the confidential thread some could not be invited
    today (added before the rule, or before the tie became confidential), and the pages must
    still keep them out."""
    thread = messaging.thread_create(by=by, subject="Sample thread", partnership=partnership)
    for user in users:
        Participant.objects.create(thread=thread, user=user)
    for organization in organizations:
        Participant.objects.create(thread=thread, organization=organization)
    message = messaging.message_post(
        thread=thread,
        author=by,
        body="The draft is attached.",
        files=[SimpleUploadedFile("draft.pdf", PDF, content_type="application/pdf")],
    )
    return Talk(thread, message, message.attachments.get())


def _hospital(request) -> Organization:
    user = request.getfixturevalue("institution_user")
    return RoleAssignment.objects.get(user=user).organization


@pytest.fixture
def talk(request, reference, media) -> Talk:
    """Zhytomyr's officer with Indiana's liaison and the whole embassy in the US."""
    return make_talk(
        by=request.getfixturevalue("zhytomyr"),
        users=[request.getfixturevalue("indiana")],
        organizations=[Organization.objects.get(key="embassy-us")],
    )


@pytest.fixture
def confidential_talk(request, confidential_tie) -> Talk:
    """Chernihiv's thread on the confidential negotiation, with the embassy and the whole MFA
    (who see the negotiation) and with Zhytomyr's officer and the whole Zhytomyr hospital (who
    take part but may not see it)."""
    return make_talk(
        by=request.getfixturevalue("chernihiv"),
        users=[request.getfixturevalue("embassy"), request.getfixturevalue("zhytomyr")],
        organizations=[Organization.objects.get(key="mfa"), _hospital(request)],
        partnership=confidential_tie.partnership,
    )


def _talk_kwargs(part: str):
    def kwargs(request, user) -> dict[str, Any]:
        return {"pk": getattr(request.getfixturevalue("talk"), part).pk}

    return kwargs


_thread = _talk_kwargs("thread")
_message = _talk_kwargs("message")
_attachment = _talk_kwargs("attachment")


def _passkey(request, user) -> dict[str, Any]:
    """POST-only: the method is refused before anything is looked up (owners: test_twofactor)."""
    return {"passkey_id": 1}


def _held(request, user) -> dict[str, Any]:
    """POST-only: the method is refused before anything is looked up (owners: test_mail_auth)."""
    return {"held_id": 1}


# --- meetings: a meeting on the open side, one on the confidential negotiation ---------------


def make_meeting(*, by, users=(), organizations=(), partnership=None) -> Any:
    """A meeting three days ahead, arranged the way the pages arrange one."""
    from datetime import timedelta

    from django.utils import timezone

    from regionbridge.meetings import services as meetings

    starts = timezone.now().replace(microsecond=0) + timedelta(days=3)
    return meetings.meeting_create(
        by=by,
        title="Sample meeting",
        starts_at=starts,
        ends_at=starts + timedelta(hours=1),
        users=users,
        organizations=organizations,
        partnership=partnership,
    )


@pytest.fixture
def meeting(request, reference) -> Any:
    """Zhytomyr's officer meets Indiana's liaison and the whole embassy in the US."""
    return make_meeting(
        by=request.getfixturevalue("zhytomyr"),
        users=[request.getfixturevalue("indiana")],
        organizations=[Organization.objects.get(key="embassy-us")],
    )


@pytest.fixture
def confidential_meeting(request, confidential_tie) -> Any:
    """Chernihiv's meeting on the confidential negotiation with the embassy (who sees it), and
    Zhytomyr's officer written in directly (invited before the rule; may not see it)."""
    meeting = make_meeting(
        by=request.getfixturevalue("chernihiv"),
        users=[request.getfixturevalue("embassy")],
        partnership=confidential_tie.partnership,
    )
    Participant.objects.create(thread=meeting.thread, user=request.getfixturevalue("zhytomyr"))
    return meeting


def _meeting(request, user) -> dict[str, Any]:
    return {"pk": request.getfixturevalue("meeting").pk}


# --- action items: one of the sample meeting, one from the sample thread's message -----------


def make_action(meeting: Any, *, by: Any, owner: Any) -> Any:
    from datetime import timedelta

    from django.utils import timezone

    from regionbridge.meetings import services as meetings

    return meetings.action_add(
        by=by,
        title="Send the programme",
        owner=owner,
        due=timezone.localdate() + timedelta(days=7),
        meeting=meeting,
    )


def _action(request, user) -> dict[str, Any]:
    """Indiana's action, given by Zhytomyr's officer at the sample meeting."""
    meeting = request.getfixturevalue("meeting")
    owner = request.getfixturevalue("indiana")
    return {"pk": make_action(meeting, by=meeting.organizer, owner=owner).pk}


def _zhytomyr_code(request, user) -> dict[str, Any]:
    return {"code": "UA-18"}


def _feed_token(request, user) -> dict[str, Any]:
    """An address nobody was given (a real one: tests/test_calendar_feed.py)."""
    return {"token": secrets.token_urlsafe(32)}


def _action_message(request, user) -> dict[str, Any]:
    return {"message_pk": request.getfixturevalue("talk").message.pk}


@dataclass(frozen=True)
class Route:
    name: str
    expected: dict[str, Any]
    kwargs: Callable[[pytest.FixtureRequest, Any], dict[str, Any]] = _no_kwargs
    content_type: str | None = None  # of a 200 answer, where it matters (streams, downloads)


# --- needs and offers: the Zhytomyr hospital's need, and an offer of Indiana's government ------

POSTS_FOR_SOMEONE = members_only(
    "coordinator", "institution_user", "zhytomyr", "chernihiv", "indiana"
)
CHANGES_THE_NEED = members_only("coordinator", "institution_user")


def _need(request, user) -> dict[str, Any]:
    from tests.test_policy import hospital_need

    return {"pk": hospital_need(request).pk}


def _need_and_offer(request, user) -> dict[str, Any]:
    from tests.test_policy import hospital_need, partners_offer

    offer = partners_offer(Organization.objects.get(key="gov-US-IN"), audience="members")
    return {"pk": hospital_need(request).pk, "other": offer.pk}


ROUTES: dict[str, Route] = {
    "": Route("core:home", PUBLIC),
    "language/": Route("core:set_language", POST_ONLY),
    "healthz": Route("core:healthz", PUBLIC),
    "readyz": Route("core:readyz", PUBLIC),
    "accounts/login/": Route("accounts:login", SIGN_IN_PAGE),
    "accounts/logout/": Route("accounts:logout", POST_ONLY),
    "accounts/profile/": Route("accounts:profile", SIGNED_IN),
    "accounts/profile/tokens/": Route("accounts:token_create", POST_ONLY_SIGNED_IN),
    "accounts/profile/tokens/<int:token_id>/revoke/": Route(
        "accounts:token_revoke", POST_ONLY_SIGNED_IN, _token
    ),
    "accounts/sessions/": Route("accounts:sessions", SIGNED_IN),
    "accounts/sessions/<int:record_id>/end/": Route(
        "accounts:session_end", POST_ONLY_SIGNED_IN, _signed_in_session
    ),
    "accounts/sessions/end-others/": Route("accounts:sessions_end_others", POST_ONLY_SIGNED_IN),
    "two-factor/": Route("twofactor:overview", SIGNED_IN),
    # Nothing to verify (no factor, TWO_FACTOR optional): straight on to the home page.
    "two-factor/verify/": Route("twofactor:verify", {**everyone(HOME), "anonymous": LOGIN}),
    "two-factor/totp/": Route("twofactor:totp", SIGNED_IN),
    "two-factor/totp/remove/": Route("twofactor:totp_remove", POST_ONLY_SIGNED_IN),
    "two-factor/passkeys/<int:passkey_id>/remove/": Route(
        "twofactor:passkey_remove", POST_ONLY_SIGNED_IN, _passkey
    ),
    "two-factor/recovery-codes/": Route("twofactor:recovery", POST_ONLY_SIGNED_IN),
    "two-factor/passkeys/registration/begin/": Route(
        "twofactor:passkey_register_begin", WEBAUTHN_JSON
    ),
    "two-factor/passkeys/registration/complete/": Route(
        "twofactor:passkey_register_complete", WEBAUTHN_JSON
    ),
    "two-factor/passkeys/authentication/begin/": Route(
        "twofactor:passkey_verify_begin", WEBAUTHN_JSON
    ),
    "two-factor/passkeys/authentication/complete/": Route(
        "twofactor:passkey_verify_complete", WEBAUTHN_JSON
    ),
    "regions/": Route("regions:index", PUBLIC),
    "regions/<str:code>/": Route("regions:detail", PUBLIC, _region),
    "directory/": Route("directory:index", MEMBERS_ONLY),
    "directory/people/<int:person_id>/": Route("directory:person", MEMBERS_ONLY, _person),
    "directory/organizations/<int:organization_id>/": Route(
        "directory:organization", MEMBERS_ONLY, _organization
    ),
    "audit/": Route("audit:index", COORDINATOR_ONLY),
    # Partnerships: the samples are the open Zhytomyr – Indiana tie and its draft under review.
    "partnerships/": Route("partnerships:list", MEMBERS_ONLY),
    "partnerships/new/": Route("partnerships:create", COORDINATOR_OR_REGIONAL),
    "partnerships/reviews/": Route("partnerships:reviews", REVIEWERS),
    "partnerships/<int:pk>/": Route("partnerships:detail", MEMBERS_ONLY, _partnership),
    "partnerships/<int:pk>/edit/": Route("partnerships:edit", MANAGES_ZHYTOMYR, _partnership),
    # The embassy in the US records events of ties with US states; it edits nothing.
    "partnerships/<int:pk>/events/new/": Route(
        "partnerships:event_create",
        members_only("coordinator", "zhytomyr", "embassy"),
        _partnership,
    ),
    "partnerships/<int:pk>/documents/new/": Route(
        "partnerships:document_create", MANAGES_ZHYTOMYR, _partnership
    ),
    "partnerships/<int:pk>/activities/new/": Route(
        "partnerships:activity_create", MANAGES_ZHYTOMYR, _partnership
    ),
    "partnerships/documents/<int:pk>/": Route("partnerships:document", MEMBERS_ONLY, _document),
    "partnerships/documents/<int:pk>/upload/": Route(
        "partnerships:document_upload", POST_ONLY_MEMBERS, _document
    ),
    "partnerships/documents/<int:pk>/submit/": Route(
        "partnerships:document_submit", POST_ONLY_MEMBERS, _document
    ),
    "partnerships/documents/<int:pk>/review/": Route(
        "partnerships:document_review", POST_ONLY_MEMBERS, _document
    ),
    "partnerships/documents/<int:pk>/sign/": Route(
        "partnerships:document_sign", POST_ONLY_MEMBERS, _document
    ),
    "partnerships/versions/<int:pk>/download/": Route(
        "partnerships:version_download", MEMBERS_ONLY, _version
    ),
    "institutions/": Route("institutions:list", MEMBERS_ONLY),
    "institutions/new/": Route("institutions:create", COORDINATOR_OR_REGIONAL),
    "institutions/links/new/": Route(
        "institutions:link_create",
        members_only("coordinator", "zhytomyr", "chernihiv", "institution_user"),
    ),
    # Activities of a link: its institutions' staff, the oblast's officers, coordinators.
    "institutions/links/<int:pk>/activities/new/": Route(
        "institutions:link_activity",
        members_only("coordinator", "zhytomyr", "institution_user"),
        _link,
    ),
    # Notifications: each signed-in person reads their own, with or without a role.
    "notifications/": Route("outbox:notifications", SIGNED_IN),
    "notifications/read/": Route("outbox:notifications_read", POST_ONLY_SIGNED_IN),
    "public/": Route("public:index", PUBLIC),
    "public/<str:code>/": Route("public:region", PUBLIC, _public_region),
    # Direct contacts: the sample is Zhytomyr's thread with Indiana and the whole embassy.
    "messages/": Route("messaging:inbox", MEMBERS_ONLY),
    "messages/new/": Route("messaging:create", MEMBERS_ONLY),
    "messages/new/recipients/": Route("messaging:recipients", MEMBERS_ONLY),
    "messages/stream/": Route("messaging:inbox_stream", MEMBERS_ONLY, content_type=EVENT_STREAM),
    "messages/search/": Route("messaging:search", MEMBERS_ONLY),
    "messages/<int:pk>/": Route("messaging:thread", IN_THE_TALK, _thread),
    "messages/<int:pk>/post/": Route("messaging:post", POST_ONLY_MEMBERS, _thread),
    "messages/<int:pk>/stream/": Route("messaging:stream", IN_THE_TALK, _thread, EVENT_STREAM),
    "messages/<int:pk>/participants/": Route(
        "messaging:participant_add", POST_ONLY_MEMBERS, _thread
    ),
    "messages/messages/<int:pk>/edit/": Route("messaging:edit", POST_ONLY_MEMBERS, _message),
    "messages/attachments/<int:pk>/": Route(
        "messaging:attachment", IN_THE_TALK, _attachment, "application/pdf"
    ),
    # Replies by e-mail held back for their sender to confirm: each person sees only their own.
    "messages/held/": Route("messaging:held", SIGNED_IN),
    "messages/held/<int:held_id>/confirm/": Route(
        "messaging:held_confirm", POST_ONLY_SIGNED_IN, _held
    ),
    "messages/held/<int:held_id>/discard/": Route(
        "messaging:held_discard", POST_ONLY_SIGNED_IN, _held
    ),
    # Meetings: the sample is Zhytomyr's meeting with Indiana and the whole embassy.
    "meetings/": Route("meetings:list", SIGNED_IN),
    "meetings/new/": Route("meetings:new", MEMBERS_ONLY),
    "meetings/<int:pk>/": Route("meetings:detail", IN_THE_MEETING, _meeting),
    "meetings/<int:pk>/edit/": Route("meetings:edit", ORGANIZES_THE_MEETING, _meeting),
    "meetings/<int:pk>/cancel/": Route("meetings:cancel", ORGANIZES_THE_MEETING, _meeting),
    "meetings/<int:pk>/answer/": Route("meetings:answer", POST_ONLY_SIGNED_IN, _meeting),
    "meetings/<int:pk>/minutes/": Route("meetings:minutes", POST_ONLY_SIGNED_IN, _meeting),
    "meetings/<int:pk>/decisions/": Route("meetings:decision_add", POST_ONLY_SIGNED_IN, _meeting),
    # Action items: made by the meeting's people (and coordinators); seen as the meeting, and by
    # the owner and the owner's office; from a message by the thread's readers with a role.
    "meetings/<int:pk>/actions/new/": Route("meetings:action_new", IN_THE_MEETING, _meeting),
    "meetings/actions/": Route("meetings:actions", SIGNED_IN),
    "meetings/actions/<int:pk>/": Route("meetings:action", IN_THE_MEETING, _action),
    "meetings/actions/from-message/<int:message_pk>/": Route(
        "meetings:action_from_message", {**IN_THE_TALK, "outsider": 404}, _action_message
    ),
    # The planner: any member, for people in the directory (tests/test_planner.py).
    "meetings/planner/": Route("meetings:planner", MEMBERS_ONLY),
    # Calendar files: one's invitation (tests/test_calendar_feed.py); one's feed page; the feed
    # itself answers only its secret address (a made-up one: 404 for everyone, signed in or not).
    "meetings/<int:pk>/invitation.ics": Route(
        "meetings:invitation_file", INVITED_TO_THE_MEETING, _meeting, "text/calendar"
    ),
    "meetings/calendar/": Route("meetings:feed_manage", SIGNED_IN),
    "meetings/calendar/<str:token>.ics": Route("meetings:feed", everyone(404), _feed_token),
    # Needs and offers (tests/test_matching_pages.py): every member browses; those who may post
    # for an organization post; the sample is the Zhytomyr hospital's need, for every member.
    "matching/": Route("matching:list", MEMBERS_ONLY),
    "matching/needs/new/": Route("matching:new_need", POSTS_FOR_SOMEONE),
    "matching/offers/new/": Route("matching:new_offer", POSTS_FOR_SOMEONE),
    "matching/overview/": Route("matching:overview", members_only("coordinator")),
    "matching/<int:pk>/": Route("matching:detail", MEMBERS_ONLY, _need),
    "matching/<int:pk>/edit/": Route("matching:edit", CHANGES_THE_NEED, _need),
    "matching/<int:pk>/status/": Route("matching:status", CHANGES_THE_NEED, _need),
    "matching/<int:pk>/connect/<int:other>/": Route(
        "matching:connect", POST_ONLY_SIGNED_IN, _need_and_offer
    ),
    # Bulk import (tests/test_matching_import.py): those who post for someone; with no file
    # waiting, the preview sends back to the upload page.
    "matching/import/": Route("matching:import", POSTS_FOR_SOMEONE),
    "matching/import/preview/": Route(
        "matching:import_preview", {**everyone(302), "anonymous": LOGIN, "outsider": 403}
    ),
    "matching/import/confirm/": Route("matching:import_confirm", POST_ONLY_MEMBERS),
    "matching/import/template.csv": Route(
        "matching:import_template", MEMBERS_ONLY, content_type="text/csv"
    ),
    # The taxonomy (tests/test_matching_taxonomy.py): every member reads, coordinators edit.
    "matching/taxonomy/": Route("matching:taxonomy", MEMBERS_ONLY),
    "matching/taxonomy.json": Route(
        "matching:taxonomy_json", MEMBERS_ONLY, content_type="application/json"
    ),
    "matching/taxonomy/new/": Route("matching:taxonomy_new", COORDINATOR_ONLY),
    "matching/taxonomy/versions/": Route("matching:taxonomy_versions", MEMBERS_ONLY),
    "matching/taxonomy/versions/<int:number>.json": Route(
        "matching:taxonomy_version_json", MEMBERS_ONLY, _taxonomy_version, "application/json"
    ),
    "matching/taxonomy/<slug:code>/edit/": Route(
        "matching:taxonomy_edit", COORDINATOR_ONLY, _topic
    ),
    "matching/taxonomy/<slug:code>/delete/": Route(
        "matching:taxonomy_delete", COORDINATOR_ONLY, _topic
    ),
    # The dashboard (tests/test_oversight_dashboard.py): the coordinators, the ministries and
    # the embassy, each their part; a region's staff have the briefing instead.
    "oversight/": Route("oversight:dashboard", members_only("coordinator", "ministry", "embassy")),
    # A region's ties, a page at a time: the same readers, each their part of it.
    "oversight/regions/<str:code>/": Route(
        "oversight:region", members_only("coordinator", "ministry", "embassy"), _zhytomyr_code
    ),
    # The briefing (tests/test_oversight_briefing.py): overseers and a region's staff; the PDF
    # with its defaults (the reader's language, today, a week before).
    "oversight/briefing/": Route(
        "oversight:briefing",
        members_only("coordinator", "ministry", "embassy", "zhytomyr", "chernihiv"),
    ),
    "oversight/briefing.pdf": Route(
        "oversight:briefing_pdf",
        members_only("coordinator", "ministry", "embassy", "zhytomyr", "chernihiv"),
        content_type="application/pdf",
    ),
    # The picture of ties (tests/test_oversight_ties.py): those who oversee.
    "oversight/ties/": Route("oversight:ties", members_only("coordinator", "ministry", "embassy")),
}

# The same pages for the confidential Chernihiv – Minnesota negotiation: whoever may not see it
# gets 404, as if it did not exist; those who see it but may not act get 403.
CONFIDENTIAL_SEERS = ("coordinator", "ministry", "embassy", "chernihiv")


def confidential(*allowed: str) -> dict[str, Any]:
    return {
        **members_only(*allowed, others=404),
        **{name: 403 for name in CONFIDENTIAL_SEERS if name not in allowed},
    }


SEES_THE_SECRET_POST = members_only("coordinator", "chernihiv", others=404)


@pytest.fixture
def secret_post(request, confidential_tie) -> Any:
    """Chernihiv's need for its partnerships only, with a confidential tie to Indiana too."""
    from regionbridge.matching.services import post_create

    make_tie("UA-74", "US-IN", confidential=True)
    office = Organization.objects.get(key="rma-UA-74")
    return post_create(
        by=None,
        kind="need",
        title="Протезування верхніх кінцівок",
        description="Потрібні протези й навчання для 40 ветеранів.",
        region=office.region,
        organization=office,
        audience="partners",
    )


CONFIDENTIAL_ROUTES: dict[str, tuple[dict[str, Any], str]] = {
    "partnerships:detail": (confidential(*CONFIDENTIAL_SEERS), "partnership"),
    "partnerships:edit": (confidential("coordinator", "chernihiv"), "partnership"),
    "partnerships:event_create": (
        confidential("coordinator", "chernihiv", "embassy"),
        "partnership",
    ),
    "partnerships:document_create": (confidential("coordinator", "chernihiv"), "partnership"),
    "partnerships:activity_create": (confidential("coordinator", "chernihiv"), "partnership"),
    "partnerships:document": (confidential(*CONFIDENTIAL_SEERS), "document"),
    "partnerships:version_download": (confidential(*CONFIDENTIAL_SEERS), "version"),
    # POST-only: the method is refused before anything is looked up, so nothing is revealed.
    "partnerships:document_upload": (POST_ONLY_MEMBERS, "document"),
    "partnerships:document_submit": (POST_ONLY_MEMBERS, "document"),
    "partnerships:document_review": (POST_ONLY_MEMBERS, "document"),
    "partnerships:document_sign": (POST_ONLY_MEMBERS, "document"),
    # A thread on the negotiation: its participants who see the negotiation read it; a
    # participant who may not see the negotiation gets 404 like everyone else.
    "messaging:thread": (IN_THE_CONFIDENTIAL_TALK, "thread"),
    "messaging:post": (POST_ONLY_MEMBERS, "thread"),
    "messaging:stream": (IN_THE_CONFIDENTIAL_TALK, "thread"),
    "messaging:participant_add": (POST_ONLY_MEMBERS, "thread"),
    "messaging:edit": (POST_ONLY_MEMBERS, "message"),
    "messaging:attachment": (IN_THE_CONFIDENTIAL_TALK, "attachment"),
    # A link of two institutions under the negotiation: hidden like the negotiation itself.
    "institutions:link_activity": (confidential("coordinator", "chernihiv"), "link"),
    # A meeting on the negotiation: its invitees who see the negotiation; an invitee who may
    # not see it gets 404 like everyone else.
    "meetings:detail": (IN_THE_CONFIDENTIAL_MEETING, "meeting"),
    "meetings:edit": (ORGANIZES_THE_CONFIDENTIAL_MEETING, "meeting"),
    "meetings:cancel": (ORGANIZES_THE_CONFIDENTIAL_MEETING, "meeting"),
    "meetings:answer": (POST_ONLY_SIGNED_IN, "meeting"),
    "meetings:minutes": (POST_ONLY_SIGNED_IN, "meeting"),
    "meetings:decision_add": (POST_ONLY_SIGNED_IN, "meeting"),
    "meetings:action_new": (IN_THE_CONFIDENTIAL_MEETING, "meeting"),
    "meetings:action": (IN_THE_CONFIDENTIAL_MEETING, "action"),
    "meetings:invitation_file": (INVITED_TO_THE_CONFIDENTIAL_MEETING, "meeting"),
    # A need of Chernihiv's office for its partnerships only: its region's staff and the
    # coordinators; the confidential ties (with Minnesota, and one with Indiana) give nobody
    # sight of it, and the ministries and the embassy do not see partners-only posts.
    "matching:detail": (SEES_THE_SECRET_POST, "post"),
    "matching:edit": (SEES_THE_SECRET_POST, "post"),
    "matching:status": (SEES_THE_SECRET_POST, "post"),
    "matching:connect": (POST_ONLY_SIGNED_IN, "post"),
}
TALK_PARTS = ("thread", "message", "attachment")


def _walk(patterns, prefix: str = "", namespace: str = ""):
    for entry in patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            inner = ":".join(part for part in (namespace, entry.namespace or "") if part)
            yield from _walk(entry.url_patterns, route, inner)
        elif isinstance(entry, URLPattern):
            yield route, f"{namespace}:{entry.name}" if namespace else entry.name


def site_routes() -> dict[str, str]:
    """pattern → name of every route outside admin/ and api/v1/."""
    return {
        route: name
        for route, name in _walk(get_resolver().url_patterns)
        if not route.startswith(SKIPPED_PREFIXES)
    }


def test_every_route_has_a_row():
    assert site_routes() == {route: row.name for route, row in ROUTES.items()}


def test_every_row_names_every_persona():
    for row in ROUTES.values():
        assert set(row.expected) == set(PERSONAS), row.name


def _describe(expected: Any) -> str:
    return {LOGIN: "302_to_login", HOME: "302_home"}.get(expected, str(expected))


def _grid_params():
    for row in ROUTES.values():
        slug = row.name.replace(":", "_")
        for name in PERSONAS:
            expected = row.expected[name]
            yield pytest.param(
                row, name, expected, id=f"{name}_gets_{_describe(expected)}_from_{slug}"
            )


@pytest.mark.parametrize(("row", "name", "expected"), list(_grid_params()))
def test_get(client, request, row, name, expected):
    user = persona(request, name)
    if user.is_authenticated:
        client.force_login(user)
    url = reverse(row.name, kwargs=row.kwargs(request, user))
    response = client.get(url)
    try:
        assert_status(response, url, expected)
        if expected == 200 and row.content_type:
            assert response["Content-Type"].startswith(row.content_type)
    finally:
        close_response(response)  # a stream is not read here: closing it ends it unstarted


def _confidential_params():
    for route_name, (expected, _part) in CONFIDENTIAL_ROUTES.items():
        slug = route_name.replace(":", "_")
        for name in PERSONAS:
            yield pytest.param(
                route_name,
                name,
                expected[name],
                id=f"{name}_gets_{_describe(expected[name])}_from_confidential_{slug}",
            )


def test_every_confidential_row_names_a_route_with_a_pk_and_every_persona():
    with_pk = {row.name for route, row in ROUTES.items() if "<int:pk>" in route}
    assert set(CONFIDENTIAL_ROUTES) == with_pk
    for expected, _part in CONFIDENTIAL_ROUTES.values():
        assert set(expected) == set(PERSONAS)


@pytest.mark.parametrize(("route_name", "name", "expected"), list(_confidential_params()))
def test_get_confidential(client, request, confidential_tie, route_name, name, expected):
    user = persona(request, name)
    if user.is_authenticated:
        client.force_login(user)
    part = CONFIDENTIAL_ROUTES[route_name][1]
    if part == "link":
        source = SimpleNamespace(link=_confidential_link(confidential_tie))
    elif part == "meeting":
        source = SimpleNamespace(meeting=request.getfixturevalue("confidential_meeting"))
    elif part == "action":
        meeting = request.getfixturevalue("confidential_meeting")
        owner = request.getfixturevalue("embassy")
        source = SimpleNamespace(action=make_action(meeting, by=meeting.organizer, owner=owner))
    elif part in TALK_PARTS:
        source = request.getfixturevalue("confidential_talk")
    elif part == "post":
        source = SimpleNamespace(post=request.getfixturevalue("secret_post"))
    else:
        source = confidential_tie
    kwargs = {"pk": getattr(source, part).pk}
    if route_name == "matching:connect":
        kwargs["other"] = kwargs["pk"]
    url = reverse(route_name, kwargs=kwargs)
    response = client.get(url)
    try:
        assert_status(response, url, expected)
        if expected == 200 and route_name == "messaging:stream":
            assert response["Content-Type"].startswith(EVENT_STREAM)
    finally:
        close_response(response)


def assert_status(response, url: str, expected: Any) -> None:
    if expected == LOGIN:
        assert response.status_code == 302
        location = urlsplit(response["Location"])
        assert location.path == reverse("accounts:login")
        assert parse_qs(location.query)["next"] == [url]
    elif expected == HOME:
        assert response.status_code == 302
        assert response["Location"] == reverse("core:home")
    else:
        assert response.status_code == expected


# --- missing objects and other people's things ---------------------------------------------


@pytest.mark.parametrize("name", MEMBERS)
def test_a_person_who_does_not_exist_is_404(client, request, name):
    client.force_login(persona(request, name))
    missing = (Person.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
    assert client.get(reverse("directory:person", args=[missing])).status_code == 404


def test_an_organization_that_does_not_exist_is_404(client, zhytomyr):
    client.force_login(zhytomyr)
    missing = Organization.objects.order_by("-pk").values_list("pk", flat=True).first() + 1
    assert client.get(reverse("directory:organization", args=[missing])).status_code == 404


def test_a_region_that_does_not_exist_is_404(client, reference):
    assert client.get(reverse("regions:detail", args=["XX-99"])).status_code == 404


@pytest.mark.parametrize("name", ["outsider", "zhytomyr", "coordinator"])
def test_revoking_another_users_token_is_404_and_leaves_it_active(client, request, name, indiana):
    token, _plain = token_issue(user=indiana, name="Indiana's script")
    client.force_login(persona(request, name))
    response = client.post(reverse("accounts:token_revoke", args=[token.pk]))
    assert response.status_code == 404
    token.refresh_from_db()
    assert token.is_active


def test_revoking_a_token_anonymously_asks_to_sign_in_and_leaves_it_active(client, indiana):
    token, _plain = token_issue(user=indiana, name="Indiana's script")
    response = client.post(reverse("accounts:token_revoke", args=[token.pk]))
    assert response.status_code == 302
    assert urlsplit(response["Location"]).path == reverse("accounts:login")
    token.refresh_from_db()
    assert token.is_active


def test_revoking_a_token_that_does_not_exist_is_404(client, outsider):
    client.force_login(outsider)
    missing = (ApiToken.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
    assert client.post(reverse("accounts:token_revoke", args=[missing])).status_code == 404


def test_revoking_ones_own_token_works(client, outsider):
    token, _plain = token_issue(user=outsider, name="mine")
    client.force_login(outsider)
    response = client.post(reverse("accounts:token_revoke", args=[token.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:profile")
    token.refresh_from_db()
    assert not token.is_active


# --- messaging: what POST does for those who are not in the thread --------------------------

MESSAGING_POSTS = {
    "messaging:post": ("thread", {"body": "Let me in"}),
    "messaging:participant_add": ("thread", {"email": "intruder@example.org"}),
    "messaging:edit": ("message", {"body": "Rewritten"}),
}


def _talk_state(talk: Talk) -> tuple:
    talk.message.refresh_from_db()
    return (
        list(talk.thread.messages.values_list("pk", flat=True)),
        talk.thread.participants.count(),
        talk.message.body,
    )


@pytest.mark.parametrize("route_name", list(MESSAGING_POSTS))
@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("anonymous", LOGIN),
        ("outsider", 403),
        ("chernihiv", 404),
        ("coordinator", 404),
        ("institution_user", 404),
    ],
)
def test_posting_to_a_thread_one_is_not_in_changes_nothing(
    client, request, talk, route_name, name, expected
):
    user = persona(request, name)
    if user.is_authenticated:
        client.force_login(user)
    part, data = MESSAGING_POSTS[route_name]
    before = _talk_state(talk)
    url = reverse(route_name, kwargs={"pk": getattr(talk, part).pk})
    assert_status(client.post(url, data), url, expected)
    assert _talk_state(talk) == before


@pytest.mark.parametrize("route_name", list(MESSAGING_POSTS))
def test_posting_to_the_confidential_thread_without_sight_of_it_changes_nothing(
    client, request, confidential_talk, route_name
):
    """Zhytomyr's officer is named in the thread but may not see the negotiation."""
    client.force_login(request.getfixturevalue("zhytomyr"))
    part, data = MESSAGING_POSTS[route_name]
    before = _talk_state(confidential_talk)
    url = reverse(route_name, kwargs={"pk": getattr(confidential_talk, part).pk})
    assert client.post(url, data).status_code == 404
    assert _talk_state(confidential_talk) == before


# --- pages show contact details exactly when the policy allows ------------------------------

CONTACT_PAGES = {
    "person_page": lambda head: reverse("directory:person", args=[head.pk]),
    "organization_page": lambda head: reverse(
        "directory:organization", args=[head.organization_id]
    ),
    "directory_search": lambda head: reverse("directory:index") + "?q=Testenko",
    "region_page": lambda head: reverse("regions:detail", args=["UA-18"]),
}
SEES_ZHYTOMYR_HEAD_CONTACTS = {"coordinator", "ministry", "embassy", "zhytomyr"}


@pytest.mark.parametrize("page", list(CONTACT_PAGES))
@pytest.mark.parametrize("name", MEMBERS)
def test_pages_show_contacts_as_the_policy_says(client, request, name, page, zhytomyr_head):
    user = persona(request, name)
    client.force_login(user)
    response = client.get(CONTACT_PAGES[page](zhytomyr_head))
    assert response.status_code == 200
    assert b"Testenko" in response.content or "Тестенко".encode() in response.content
    allowed = policy.can(user, policy.Action.PERSON_VIEW_CONTACTS, zhytomyr_head)
    assert allowed is (name in SEES_ZHYTOMYR_HEAD_CONTACTS)
    assert (b"head@zhytomyr.example.org" in response.content) is allowed
    assert (b"+380 67 000 0000" in response.content) is allowed


# --- the public registry's filter: the same answer for everyone --------------------------------

PUBLIC_FILTERS = {
    "?region=UA-18": 200,
    "?state=US-IN": 200,
    "?region=UA-18&state=US-IN": 200,
    "?region=ua-18&state=us-in&page=2": 200,
    "?region=UA-74": 200,  # a region with no public tie: an empty list, not an error
    "?region=XX-99": 400,
    "?region=US-IN": 400,  # not a region of Ukraine
    "?state=UA-18": 400,  # a Ukrainian region is not a partner
    "?region=UA-18&state=nowhere": 400,
}


@pytest.mark.parametrize(("query", "expected"), list(PUBLIC_FILTERS.items()))
@pytest.mark.parametrize("name", PERSONAS)
def test_the_public_registry_filter(client, request, open_tie, name, query, expected):
    user = persona(request, name)
    if user.is_authenticated:
        client.force_login(user)
    response = client.get(reverse("public:index") + query)
    assert response.status_code == expected
    assert b"registry-card" in response.content or b"registry-filter" in response.content
    if expected == 400:
        assert b"error-summary" in response.content and b"registry-card" not in response.content


# --- exports: each list as CSV and XLSX, under its page's own rule ---------------------------
# A list's file is its page's URL with ?format=csv|xlsx (and ?list= where a page shows more than
# one list): whoever the page refuses, the file refuses alike (tests/test_exports.py checks the
# rows each persona finds in it).

EXPORTS = {
    "partnerships": ("partnerships:list", ""),
    "activities": ("partnerships:list", "list=activities&"),
    "institutions": ("institutions:list", ""),
    "links": ("institutions:list", "list=links&"),
    "link_activities": ("institutions:list", "list=activities&"),
    "meetings": ("meetings:list", ""),
    "actions": ("meetings:actions", ""),
    "threads": ("messaging:inbox", ""),
    "needs_and_offers": ("matching:list", ""),
    "unmatched_needs": ("matching:overview", ""),
}
EXPORT_TYPES = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _export_params():
    for export, (route_name, _query) in EXPORTS.items():
        expected = next(row.expected for row in ROUTES.values() if row.name == route_name)
        for fmt in EXPORT_TYPES:
            for name in PERSONAS:
                yield pytest.param(
                    export,
                    fmt,
                    name,
                    expected[name],
                    id=f"{name}_gets_{_describe(expected[name])}_from_{export}_{fmt}",
                )


@pytest.mark.parametrize(("export", "fmt", "name", "expected"), list(_export_params()))
def test_get_export(client, request, export, fmt, name, expected):
    user = persona(request, name)
    if user.is_authenticated:
        client.force_login(user)
    route_name, query = EXPORTS[export]
    url = f"{reverse(route_name)}?{query}format={fmt}"
    response = client.get(url)
    try:
        assert_status(response, url, expected)
        if expected == 200:
            assert response["Content-Type"].startswith(EXPORT_TYPES[fmt])
            assert response["Content-Disposition"].startswith("attachment;")
    finally:
        close_response(response)
