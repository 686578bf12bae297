"""The API's hostile client (issue 8): schemathesis reads /api/v1/openapi.json and throws
generated requests, valid and invalid, at every operation of the in-process WSGI app, as a
regional official (Zhytomyr's RMA) and as a coordinator, each with a Bearer token.

Every answer must be no 5xx, a status the schema lists for the operation, a content type it
lists, and a body that fits the listed schema. The run is bounded and derandomized (a fixed
seed), so CI sees the same cases every time. Rate limits are off (tests/conftest.py).

django-ninja emits no OpenAPI links, so generated ids would almost never name a real object:
hooks put real ids (and region codes, spheres, institutions) in place of most generated ones,
so the fuzzer also reaches the code behind the 404.
"""

from datetime import UTC, date, datetime, timedelta

import pytest
import schemathesis
from django.core import signals
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import close_old_connections, transaction
from django.test import override_settings
from hypothesis import given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from regionbridge.accounts.services import token_issue
from regionbridge.api.api import api
from regionbridge.demo.services import demo_load
from regionbridge.institutions.models import InstitutionLink
from regionbridge.matching.services import post_create
from regionbridge.meetings.services import action_add, meeting_create
from regionbridge.messaging.services import message_post, thread_create
from regionbridge.organizations.models import Organization, Person
from regionbridge.partnerships.clearance import document_add_version, document_create
from regionbridge.partnerships.facts import facts_load
from regionbridge.partnerships.models import Partnership
from regionbridge.partnerships.services import partnership_create, spheres_load
from regionbridge.wsgi import application
from tests.conftest import make_member, region

SEED = 8_2025
EXAMPLES = 12  # generated cases an operation (the fuzzing phase), besides the coverage phase's
CONFIG = {
    "seed": SEED,
    "generation": {
        "max-examples": EXAMPLES,
        "deterministic": True,
        "mode": "all",  # valid and invalid requests
        "database": "none",  # nothing kept between runs: the same cases every time
    },
    "phases": {"stateful": {"enabled": False}},
}
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< >>\n%%EOF\n"


def _loaded() -> schemathesis.schemas.BaseSchema:
    """The document /api/v1/openapi.json serves (tests/test_api_schema.py checks they agree),
    called through the WSGI app in this process."""
    loaded = schemathesis.openapi.from_dict(
        api.get_openapi_schema(path_prefix="/api/v1/"),
        config=SchemathesisConfig.from_dict(CONFIG),
    )
    loaded.app = application
    return loaded


schema = _loaded()
pytestmark = pytest.mark.django_db  # each test in a savepoint inside `world`'s transaction
REAL: dict[str, list] = {}  # parameter name: real values, filled by `world` for each test


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    """Real objects of every kind the API names by id (REAL: the ids and codes to aim at), made
    once for the module in a transaction rolled back at its end; and the two personas."""
    media = tmp_path_factory.mktemp("media")
    with (
        django_db_blocker.unblock(),
        override_settings(MEDIA_ROOT=media, RATE_LIMITS=False),
        transaction.atomic(),
    ):
        zhytomyr = make_member("regional", region_code="UA-18", email="fuzz-zt@example.org")
        coordinator = make_member(
            "coordinator", org_key="presidential-office", email="fuzz-coord@example.org"
        )
        indiana = make_member("partner", region_code="US-IN", email="fuzz-in@example.org")
        spheres_load()
        facts_load()
        demo_load()
        tie = partnership_create(
            by=zhytomyr,
            ukrainian_region=region("UA-18"),
            partner_region=region("US-OH"),
            first_event_on=date(2024, 2, 1),
        )
        document = document_create(partnership=tie, kind="memorandum", by=zhytomyr)
        version = document_add_version(
            document=document, language="en", upload=SimpleUploadedFile("mou.pdf", PDF), by=zhytomyr
        )
        thread = thread_create(by=zhytomyr, subject="Draft", users=[coordinator, indiana])
        message = message_post(
            thread=thread,
            author=zhytomyr,
            body="The draft",
            files=[SimpleUploadedFile("draft.pdf", PDF)],
        )
        starts_at = datetime(2030, 3, 11, 15, tzinfo=UTC)
        meeting = meeting_create(
            by=zhytomyr,
            title="Call",
            starts_at=starts_at,
            ends_at=starts_at + timedelta(hours=1),
            users=[coordinator, indiana],
            partnership=tie,
        )
        action = action_add(
            by=zhytomyr, title="Reply", owner=indiana, due=date(2030, 4, 1), meeting=meeting
        )
        institutions = Organization.objects.filter(kind__in=["institution", "local_government"])
        rma = Organization.objects.get(key="rma-UA-18")
        need = post_create(
            by=zhytomyr,
            kind="need",
            title="Протезування",
            description="Потрібне навчання протезистів.",
            region=region("UA-18"),
            organization=rma,
        )
        offer = post_create(
            by=indiana,
            kind="offer",
            title="Prosthetics training",
            description="We train prosthetists.",
            region=region("US-IN"),
            organization=Organization.objects.get(key="gov-US-IN"),
        )
        REAL.update(
            {
                "code": ["UA-18", "US-IN", "UA-74", "us-oh"],
                "organization_id": list(Organization.objects.values_list("pk", flat=True)[:5]),
                "person_id": list(Person.objects.values_list("pk", flat=True)[:5]),
                "partnership_id": [
                    tie.pk,
                    *Partnership.objects.values_list("pk", flat=True)[:4],
                ],
                "document_id": [document.pk],
                "version_id": [version.pk],
                "thread_id": [thread.pk],
                "message_id": [message.pk],
                "attachment_id": [message.attachments.get().pk],
                "meeting_id": [meeting.pk],
                "action_id": [action.pk],
                "owner": [zhytomyr.email, indiana.email],
                "link_id": list(InstitutionLink.objects.values_list("pk", flat=True)[:3]),
                "institution_id": list(institutions.values_list("pk", flat=True)[:4]),
                "ukrainian_region": ["UA-18", "UA-74"],
                "partner_region": ["US-IN", "US-OH", "US-CA"],
                "sphere": ["education", "health"],
                "need_id": [need.pk],
                "offer_id": [offer.pk],
                "region": ["UA-18", "US-IN", "ua-74"],
                "organization": [rma.pk],
            }
        )
        yield {"regional": zhytomyr, "coordinator": coordinator}
        transaction.set_rollback(True)
        REAL.clear()


@pytest.fixture(scope="module", params=["regional", "coordinator"])
def auth_headers(request, world) -> dict[str, str]:
    user = world[request.param]
    return {"Authorization": f"Bearer {token_issue(user=user, name='fuzz')[1]}"}


@pytest.fixture
def app_in_the_test_transaction():
    """Each operation starts from the same world (the test's own savepoint is rolled back), and
    the app runs inside the test's transaction: like Django's test client, a request must not
    close the connection at its end (PostgreSQL would lose the transaction)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


def real_or_generated(real: list, generated):
    """Mostly a real value, sometimes what the fuzzer made up (a 404, a 422)."""
    return st.sampled_from([*real, generated]) if real else st.just(generated)


# Body fields that name an object, and the real values (REAL's keys) to put there.
BODY_TARGETS = {
    "ukrainian_region": "ukrainian_region",
    "partner_region": "partner_region",
    "partnership": "partnership_id",
    "link": "link_id",
    "ukrainian_institution": "institution_id",
    "partner_institution": "institution_id",
    "reply_to": "message_id",
    "upto": "message_id",
    "sphere": "sphere",
    "owner": "owner",
    "need_id": "need_id",
    "offer_id": "offer_id",
    "region": "region",
    "organization": "organization",
}


@schema.hook
def flatmap_path_parameters(context, path_parameters):
    if not path_parameters:
        return st.just(path_parameters)
    return st.fixed_dictionaries(
        {
            name: real_or_generated(REAL.get(name, []), value)
            for name, value in path_parameters.items()
        }
    )


@schema.hook
def flatmap_body(context, body):
    if not isinstance(body, dict):
        return st.just(body)
    return st.fixed_dictionaries(
        {
            name: real_or_generated(REAL.get(BODY_TARGETS.get(name, ""), []), value)
            for name, value in body.items()
        }
    )


@schema.parametrize()
@pytest.mark.usefixtures("app_in_the_test_transaction")
def test_the_api_holds_to_its_schema_under_a_hostile_client(case, auth_headers):
    case.call_and_validate(headers=auth_headers, checks=CHECKS)


def test_the_fuzzer_aims_at_real_objects(world):
    """The hooks work: most generated ids are replaced by ids of real objects."""
    drawn = []

    @given(case=schema["/api/v1/threads/{thread_id}/messages"]["POST"].as_strategy())
    @settings(max_examples=30, derandomize=True, database=None, deadline=None)
    def draw(case):
        drawn.append((case.path_parameters["thread_id"], case.body.get("reply_to")))

    draw()
    threads = [thread for thread, _ in drawn if thread in REAL["thread_id"]]
    replies = [reply for _, reply in drawn if reply in REAL["message_id"]]
    assert len(threads) > len(drawn) / 3 and replies, drawn
