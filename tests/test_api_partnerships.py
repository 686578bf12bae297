"""The partnerships API at /api/v1: the state of play on a date, a partnership's whole life
(events, documents, clearance by the ministries, signing), list filters and query counts,
institution links and activities, and JSON errors (never a 500) for hostile input."""

import hashlib
import json
from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from regionbridge.accounts.services import token_issue
from regionbridge.institutions.models import InstitutionLink
from regionbridge.institutions.services import link_create
from regionbridge.partnerships import selectors
from regionbridge.partnerships.clearance import (
    document_add_version,
    document_create,
    document_review,
    document_submit,
)
from regionbridge.partnerships.facts import facts_load
from regionbridge.partnerships.lifecycle import Stage
from regionbridge.partnerships.models import (
    Activity,
    Document,
    DocumentStatus,
    DocumentVersion,
    Partnership,
    PartnershipEvent,
    Review,
    Signatory,
    Sphere,
)
from regionbridge.partnerships.services import (
    partnership_create,
    partnership_record_event,
    spheres_load,
)
from regionbridge.regions.models import Region
from tests.api_contract import answers_documented  # noqa: F401 (a fixture)
from tests.conftest import make_member, org, region
from tests.factories import OrganizationFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("answers_documented")]

API = "/api/v1"
OVERVIEW = f"{API}/stats/overview"

PDF_BYTES = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< >>\n%%EOF\n"
FAKE_PDF = b"<!doctype html><html><body><script>alert(1)</script></body></html>"

# The four memoranda the article lists, and the agreement still under negotiation on its day.
ARTICLE_MEMORANDA = {
    ("UA-32", "US-WA"),  # Kyiv Oblast – Washington
    ("UA-32", "US-UT"),  # Kyiv Oblast – Utah
    ("UA-18", "US-IN"),  # Zhytomyr Oblast – Indiana
    ("UA-74", "US-MN"),  # Chernihiv Oblast – Minnesota
}
ZAPORIZHZHIA_PENNSYLVANIA = ("UA-23", "US-PA")


# --- helpers -------------------------------------------------------------------------------


def bearer(user, name: str = "tests") -> dict[str, str]:
    _, plain = token_issue(user=user, name=name)
    return {"Authorization": f"Bearer {plain}"}


def body(response) -> dict:
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    return json.loads(response.content)


def assert_json_error(response, status: int | None = None) -> dict:
    """A 4xx answer is a JSON object with a human-readable message."""
    if status is not None:
        assert response.status_code == status, (response.status_code, response.content[:300])
    assert 400 <= response.status_code < 500, (response.status_code, response.content[:300])
    data = body(response)
    assert isinstance(data, dict)
    assert isinstance(data.get("message"), str) and data["message"], data
    return data


def get_ok(client, url: str, **kwargs) -> dict:
    response = client.get(url, **kwargs)
    assert response.status_code == 200, (response.status_code, response.content[:300])
    return body(response)


def send(client, method: str, url: str, payload, headers=None):
    """Send `payload` as a JSON body (strings and bytes are sent as they are)."""
    data = payload if isinstance(payload, str | bytes) else json.dumps(payload)
    return getattr(client, method)(
        url, data=data, content_type="application/json", headers=headers or {}
    )


def post_json(client, url: str, payload, headers=None):
    return send(client, "post", url, payload, headers)


def created(response) -> dict:
    assert response.status_code == 201, (response.status_code, response.content[:500])
    return body(response)


def ok(response) -> dict:
    assert response.status_code == 200, (response.status_code, response.content[:500])
    return body(response)


def today() -> date:
    return timezone.localdate()


def pdf(name: str = "memorandum.pdf", content: bytes = PDF_BYTES) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def upload(client, document_id, headers, *, file=None, language: str = "en"):
    return client.post(
        f"{API}/documents/{document_id}/versions",
        {"language": language, "file": file or pdf()},
        headers=headers,
    )


def pairs(bucket: dict) -> set[tuple[str, str]]:
    return {
        (item["ukrainian_region"]["code"], item["partner_region"]["code"])
        for item in bucket["partnerships"]
    }


def all_pairs(overview: dict) -> set[tuple[str, str]]:
    return set().union(*(pairs(bucket) for bucket in overview["stages"].values()))


def item_ids(data: dict) -> set[int]:
    return {item["id"] for item in data["items"]}


def open_tie(
    ukrainian: str,
    partner: str,
    *,
    by=None,
    first_event: str = "first_contact",
    on: date | None = None,
    spheres: tuple[str, ...] = (),
    confidential: bool = False,
    **fields,
) -> Partnership:
    """A partnership opened the way the app opens it (its first event recorded)."""
    return partnership_create(
        by=by,
        ukrainian_region=region(ukrainian),
        partner_region=region(partner),
        spheres=list(Sphere.objects.filter(code__in=spheres)),
        confidential=confidential,
        first_event=first_event,
        first_event_on=on,
        **fields,
    )


def event(partnership: Partnership, kind: str, on: date, **kwargs) -> PartnershipEvent:
    return partnership_record_event(partnership=partnership, kind=kind, on=on, by=None, **kwargs)


# --- fixtures ------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _english(client, settings):
    """Messages in English: a bearer token does not carry the user's language (the middleware
    reads it before the token is checked), so the browser's cookie decides."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


@pytest.fixture
def spheres(reference):
    spheres_load()


@pytest.fixture
def facts(spheres):
    facts_load()


@pytest.fixture
def mindev(reference):
    """An officer of the Ministry for Development, which approves drafts by order."""
    return make_member("ministry", org_key="mindev", email="mindev@example.org")


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def zhytomyr_ohio(zhytomyr, spheres):
    """Zhytomyr Oblast – Ohio, in talks since March 2024."""
    tie = open_tie("UA-18", "US-OH", by=zhytomyr, on=date(2024, 2, 1), spheres=("education",))
    event(tie, "reported_negotiating", date(2024, 3, 1))
    return tie


@pytest.fixture
def draft(zhytomyr, zhytomyr_ohio) -> Document:
    return document_create(
        partnership=zhytomyr_ohio, kind="memorandum", by=zhytomyr, title_en="MoU Zhytomyr–Ohio"
    )


@pytest.fixture
def under_review(zhytomyr, draft, media) -> Document:
    document_add_version(document=draft, language="en", upload=pdf(), by=zhytomyr)
    return document_submit(document=draft, by=zhytomyr)


@pytest.fixture
def cleared(under_review, ministry, mindev) -> Document:
    document_review(
        document=under_review,
        ministry=org("mfa"),
        decision="no_objection",
        by=ministry,
    )
    document_review(
        document=under_review,
        ministry=org("mindev"),
        decision="approved",
        order_number="123-2024",
        by=mindev,
    )
    under_review.refresh_from_db()
    assert under_review.status == DocumentStatus.CLEARED
    return under_review


# --- the overview: the state of play on a date ----------------------------------------------


def test_overview_on_the_day_of_the_article(client, coordinator, facts):
    data = get_ok(
        client, f"{OVERVIEW}?partner_country=US&as_of=2024-09-18", headers=bearer(coordinator)
    )
    assert data["as_of"] == "2024-09-18"
    assert set(data["stages"]) == set(Stage.values)
    for stage, bucket in data["stages"].items():
        assert bucket["count"] == len(bucket["partnerships"]), stage
        for item in bucket["partnerships"]:
            assert item["stage"] == stage
            assert item["partner_region"]["code"].startswith("US-"), item
    assert pairs(data["stages"]["memorandum_signed"]) >= ARTICLE_MEMORANDA
    assert pairs(data["stages"]["negotiating"]) == {ZAPORIZHZHIA_PENNSYLVANIA}
    assert ZAPORIZHZHIA_PENNSYLVANIA not in pairs(data["stages"]["agreement_signed"])
    # Ties first recorded after that day did not exist yet.
    seen = all_pairs(data)
    for later in [("UA-14", "US-CT"), ("UA-07", "US-CO"), ("UA-77", "US-NY")]:
        assert later not in seen, later


def test_overview_item_shape(client, coordinator, facts):
    data = get_ok(
        client, f"{OVERVIEW}?partner_country=US&as_of=2024-09-18", headers=bearer(coordinator)
    )
    by_pair = {
        (item["ukrainian_region"]["code"], item["partner_region"]["code"]): item
        for bucket in data["stages"].values()
        for item in bucket["partnerships"]
    }
    indiana = by_pair[("UA-18", "US-IN")]
    assert indiana["id"] == Partnership.objects.get(partner_region__code="US-IN").pk
    assert indiana["ukrainian_region"] == {
        "code": "UA-18",
        "name_en": "Zhytomyr Oblast",
        "name_uk": "Житомирська область",
    }
    assert indiana["partner_region"] == {
        "code": "US-IN",
        "name_en": "Indiana",
        "name_uk": "Індіана",
    }
    assert indiana["partner_name"] == "State of Indiana"
    assert indiana["stage"] == "memorandum_signed"
    assert indiana["since"] == "2024-09-05"
    pennsylvania = by_pair[ZAPORIZHZHIA_PENNSYLVANIA]
    assert pennsylvania["stage"] == "negotiating"
    assert pennsylvania["since"] == "2024-09-18"
    assert pennsylvania["partner_name"] == "Commonwealth of Pennsylvania"


def test_overview_defaults_to_today(client, coordinator, facts):
    data = get_ok(client, f"{OVERVIEW}?partner_country=US", headers=bearer(coordinator))
    assert data["as_of"] == today().isoformat()
    assert set(data["stages"]) == set(Stage.values)
    assert ZAPORIZHZHIA_PENNSYLVANIA in pairs(data["stages"]["agreement_signed"])
    assert ZAPORIZHZHIA_PENNSYLVANIA not in pairs(data["stages"]["negotiating"])
    assert pairs(data["stages"]["memorandum_signed"]) >= ARTICLE_MEMORANDA


def test_overview_for_another_country_is_empty_but_complete(client, coordinator, facts):
    data = get_ok(client, f"{OVERVIEW}?partner_country=pl", headers=bearer(coordinator))
    assert set(data["stages"]) == set(Stage.values)
    assert all(b == {"count": 0, "partnerships": []} for b in data["stages"].values())


@pytest.mark.parametrize("as_of", ["2024-13-01", "yesterday", "2024-02-30", "18.09.2024"])
def test_overview_refuses_a_bad_date(client, coordinator, facts, as_of):
    response = client.get(OVERVIEW, {"as_of": as_of}, headers=bearer(coordinator))
    data = assert_json_error(response, 422)
    assert any("as_of" in error["loc"] for error in data["errors"]), data


def test_overview_needs_credentials(client, facts):
    data = assert_json_error(client.get(f"{OVERVIEW}?as_of=2024-09-18"), 401)
    assert "Bearer" in data["message"]


def test_overview_counts_only_what_the_viewer_may_see(
    client, coordinator, indiana, embassy, zhytomyr, facts
):
    secret = open_tie(
        "UA-23",
        "US-TX",
        first_event="reported_negotiating",
        on=date(2024, 9, 10),
        confidential=True,
    )
    url = f"{OVERVIEW}?partner_country=US&as_of=2024-09-18"

    def negotiating(user) -> dict:
        return get_ok(client, url, headers=bearer(user))["stages"]["negotiating"]

    for insider in (coordinator, embassy):
        bucket = negotiating(insider)
        assert bucket["count"] == 2
        assert secret.pk in {item["id"] for item in bucket["partnerships"]}
    for outsider in (indiana, zhytomyr):
        bucket = negotiating(outsider)
        assert bucket["count"] == 1
        assert pairs(bucket) == {ZAPORIZHZHIA_PENNSYLVANIA}
    # Everything else is counted alike for everyone.
    totals = {
        user.email: sum(
            b["count"] for b in get_ok(client, url, headers=bearer(user))["stages"].values()
        )
        for user in (coordinator, indiana)
    }
    assert totals[coordinator.email] == totals[indiana.email] + 1


def test_overview_is_refused_to_a_user_without_roles(client, outsider, facts):
    """Like the pages: signed in without a role is a 403, not an empty answer."""
    response = client.get(f"{OVERVIEW}?as_of=2024-09-18", headers=bearer(outsider))
    assert response.status_code == 403
    assert response.json()["message"]


# --- creating partnerships ------------------------------------------------------------------


def test_regional_officer_opens_a_partnership(client, zhytomyr, spheres):
    data = created(
        post_json(
            client,
            f"{API}/partnerships",
            {"ukrainian_region": "ua-18", "partner_region": "US-OH", "spheres": ["education"]},
            bearer(zhytomyr),
        )
    )
    assert data["ukrainian_region"]["code"] == "UA-18"
    assert data["partner_region"] == {"code": "US-OH", "name_en": "Ohio", "name_uk": "Огайо"}
    assert data["partner_name"] == "Ohio"
    assert data["stage"] == "exploring"
    assert data["stage_since"] == today().isoformat()
    assert data["spheres"] == ["education"]
    assert data["confidential"] is False
    partnership = Partnership.objects.get(pk=data["id"])
    assert partnership.created_by == zhytomyr
    assert list(partnership.events.values_list("kind", flat=True)) == ["first_contact"]
    detail = get_ok(client, f"{API}/partnerships/{data['id']}", headers=bearer(zhytomyr))
    assert detail == data


def test_regional_officer_cannot_open_for_another_oblast(client, zhytomyr, spheres):
    response = post_json(
        client,
        f"{API}/partnerships",
        {"ukrainian_region": "UA-74", "partner_region": "US-OH"},
        bearer(zhytomyr),
    )
    assert_json_error(response, 403)
    assert not Partnership.objects.exists()


@pytest.mark.parametrize(
    "payload",
    [
        {"ukrainian_region": "XX-99", "partner_region": "US-OH"},
        {"ukrainian_region": "UA-18", "partner_region": "ZZ-00"},
        {"ukrainian_region": "UA-18", "partner_region": "UA-74"},  # the partner must be abroad
        {"ukrainian_region": "UA-18", "partner_region": ""},
        {"ukrainian_region": "UA-18", "partner_region": "US-OH", "spheres": ["nope"]},
        {"ukrainian_region": "UA-18", "partner_region": "US-OH", "first_event": "revived"},
    ],
)
def test_bad_partnership_is_a_json_4xx_and_saves_nothing(client, zhytomyr, spheres, payload):
    assert_json_error(post_json(client, f"{API}/partnerships", payload, bearer(zhytomyr)))
    assert not Partnership.objects.exists()


def test_coordinator_cannot_put_a_foreign_region_on_the_ukrainian_side(
    client, coordinator, spheres
):
    response = post_json(
        client,
        f"{API}/partnerships",
        {"ukrainian_region": "US-OH", "partner_region": "US-IN"},
        bearer(coordinator),
    )
    data = assert_json_error(response, 400)
    assert "Ukraine" in data["message"]


@pytest.mark.parametrize(
    "payload",
    [
        {"ukrainian_region": "UA-18", "partner_region": "US-OH"},
        {"ukrainian_region": "ua-18", "partner_region": "US-OH", "partner_name": "OHIO"},
        {"ukrainian_region": "UA-18", "partner_region": "US-OH", "partner_name": "State of Ohio"},
    ],
)
def test_duplicate_partnership_is_a_409(client, zhytomyr, zhytomyr_ohio, payload):
    response = post_json(client, f"{API}/partnerships", payload, bearer(zhytomyr))
    data = assert_json_error(response, 409)
    assert data["message"] == "This partnership already exists."
    assert Partnership.objects.count() == 1


def test_a_duplicate_that_wins_the_race_past_the_check_is_a_409(
    client, zhytomyr, zhytomyr_ohio, monkeypatch
):
    """Two requests at once both pass the check; the database's constraint stops the second."""
    monkeypatch.setattr("regionbridge.partnerships.services.partnership_exists", lambda **_: False)
    events = PartnershipEvent.objects.count()
    client = Client(raise_request_exception=False)
    for name in ("", "ohio", "State of Ohio"):
        payload = {"ukrainian_region": "UA-18", "partner_region": "US-OH", "partner_name": name}
        response = post_json(client, f"{API}/partnerships", payload, bearer(zhytomyr))
        assert_json_error(response, 409)
    assert Partnership.objects.count() == 1
    assert PartnershipEvent.objects.count() == events


def test_renaming_into_a_recorded_tie_is_a_409(client, zhytomyr, zhytomyr_ohio):
    county = open_tie(
        "UA-18",
        "US-OH",
        partner_name_en="Franklin County, Ohio",
        partner_kind="county",
        by=zhytomyr,
    )
    url = f"{API}/partnerships/{county.pk}"
    response = send(client, "patch", url, {"partner_name": "ohio"}, bearer(zhytomyr))
    assert_json_error(response, 409)
    county.refresh_from_db()
    assert county.partner_name == "Franklin County, Ohio"


def test_the_schema_documents_the_409(client, reference):
    paths = client.get(f"{API}/openapi.json").json()["paths"]
    assert "409" in paths[f"{API}/partnerships"]["post"]["responses"]
    assert "409" in paths[f"{API}/partnerships/{{partnership_id}}"]["patch"]["responses"]


def test_partner_cannot_open_a_partnership(client, indiana, spheres):
    response = post_json(
        client,
        f"{API}/partnerships",
        {"ukrainian_region": "UA-18", "partner_region": "US-IN"},
        bearer(indiana),
    )
    assert_json_error(response, 403)


def test_patch_partnership(client, zhytomyr, chernihiv, zhytomyr_ohio):
    url = f"{API}/partnerships/{zhytomyr_ohio.pk}"
    data = ok(
        send(
            client,
            "patch",
            url,
            {"next_step": "Draft the MoU", "next_step_due": "2030-01-15", "spheres": ["energy"]},
            bearer(zhytomyr),
        )
    )
    assert data["next_step"] == "Draft the MoU"
    assert data["next_step_due"] == "2030-01-15"
    assert data["spheres"] == ["energy"]
    assert_json_error(send(client, "patch", url, {"next_step": "x"}, bearer(chernihiv)), 403)
    assert_json_error(send(client, "patch", url, {"spheres": ["nope"]}, bearer(zhytomyr)), 400)
    zhytomyr_ohio.refresh_from_db()
    assert zhytomyr_ohio.next_step == "Draft the MoU"


# Every field PATCH accepts; only `next_step_due` may be null (the column is), and null clears it.
PATCHABLE = [
    "ukrainian_side",
    "ukrainian_side_uk",
    "ukrainian_side_en",
    "partner_name",
    "partner_name_uk",
    "partner_name_en",
    "confidential",
    "next_step",
    "next_step_uk",
    "next_step_en",
    "next_step_due",
    "spheres",
]


@pytest.mark.parametrize("field", PATCHABLE)
def test_patching_a_field_with_null(client, zhytomyr, zhytomyr_ohio, field):
    url = f"{API}/partnerships/{zhytomyr_ohio.pk}"
    before = ok(send(client, "patch", url, {"next_step_due": "2030-01-15"}, bearer(zhytomyr)))
    client = Client(raise_request_exception=False)
    response = send(client, "patch", url, {field: None}, bearer(zhytomyr))
    if field == "next_step_due":
        assert ok(response)["next_step_due"] is None
        return
    data = assert_json_error(response, 422)
    assert any(field in error["loc"] for error in data["errors"]), data
    assert ok(client.get(url, headers=bearer(zhytomyr))) == before


def test_every_patchable_field_is_in_the_null_test(client, reference):
    schema = client.get(f"{API}/openapi.json").json()["components"]["schemas"]
    assert sorted(schema["PartnershipPatch"]["properties"]) == sorted(PATCHABLE)


def test_the_schema_says_which_patch_fields_may_be_null(client, reference):
    properties = client.get(f"{API}/openapi.json").json()["components"]["schemas"][
        "PartnershipPatch"
    ]["properties"]
    nullable = {
        name
        for name, spec in properties.items()
        if any(option.get("type") == "null" for option in spec.get("anyOf", []))
    }
    assert nullable == {"next_step_due"}


def test_confidential_partnership_is_hidden_from_outsiders(client, chernihiv, indiana, spheres):
    secret = open_tie("UA-18", "US-TX", confidential=True)
    for user in (chernihiv, indiana):
        headers = bearer(user)
        assert_json_error(client.get(f"{API}/partnerships/{secret.pk}", headers=headers), 404)
        assert_json_error(
            client.get(f"{API}/partnerships/{secret.pk}/events", headers=headers), 404
        )
        assert secret.pk not in item_ids(get_ok(client, f"{API}/partnerships", headers=headers))


# --- events ---------------------------------------------------------------------------------


def test_recording_events(client, zhytomyr, zhytomyr_ohio):
    url = f"{API}/partnerships/{zhytomyr_ohio.pk}/events"
    headers = bearer(zhytomyr)
    data = created(
        post_json(
            client,
            url,
            {
                "kind": "reported_negotiating",
                "occurred_on": today().isoformat(),
                "source": "Letter of the Governor",
                "place": "Columbus (OH)",
            },
            headers,
        )
    )
    assert data["kind"] == "reported_negotiating"
    assert data["stage_after"] == "negotiating"
    assert data["source"] == "Letter of the Governor"
    assert data["document_id"] is None
    events = get_ok(client, url, headers=headers)
    assert [e["kind"] for e in events] == [
        "first_contact",
        "reported_negotiating",
        "reported_negotiating",
    ]
    zhytomyr_ohio.refresh_from_db()
    assert zhytomyr_ohio.last_event_on == today()


def test_disallowed_event_is_a_400_and_saves_nothing(client, zhytomyr, zhytomyr_ohio):
    before = list(zhytomyr_ohio.events.values_list("pk", "kind", "stage_after"))
    response = post_json(
        client,
        f"{API}/partnerships/{zhytomyr_ohio.pk}/events",
        {"kind": "revived", "occurred_on": today().isoformat(), "reason": "back on"},
        bearer(zhytomyr),
    )
    data = assert_json_error(response, 400)
    assert "cannot follow" in data["message"]
    assert list(zhytomyr_ohio.events.values_list("pk", "kind", "stage_after")) == before
    zhytomyr_ohio.refresh_from_db()
    assert zhytomyr_ohio.stage == "negotiating"


def test_event_in_the_future_is_a_400(client, zhytomyr, zhytomyr_ohio):
    count = zhytomyr_ohio.events.count()
    response = post_json(
        client,
        f"{API}/partnerships/{zhytomyr_ohio.pk}/events",
        {"kind": "reported_negotiating", "occurred_on": (today() + timedelta(days=1)).isoformat()},
        bearer(zhytomyr),
    )
    data = assert_json_error(response, 400)
    assert "future" in data["message"]
    assert zhytomyr_ohio.events.count() == count


def test_late_event_that_breaks_the_history_is_a_400(client, zhytomyr, zhytomyr_ohio):
    """A talk reported before the first contact would make the first contact impossible."""
    response = post_json(
        client,
        f"{API}/partnerships/{zhytomyr_ohio.pk}/events",
        {"kind": "reported_negotiating", "occurred_on": "2020-01-01"},
        bearer(zhytomyr),
    )
    assert_json_error(response, 400)
    assert zhytomyr_ohio.events.count() == 2


def test_who_records_events(client, zhytomyr_ohio, chernihiv, indiana, embassy):
    url = f"{API}/partnerships/{zhytomyr_ohio.pk}/events"
    payload = {"kind": "reported_negotiating", "occurred_on": today().isoformat()}
    assert_json_error(post_json(client, url, payload, bearer(chernihiv)), 403)
    assert_json_error(post_json(client, url, payload, bearer(indiana)), 403)
    # The embassy in the partner's country opens the doors: it records events too.
    created(post_json(client, url, payload, bearer(embassy)))


# --- the whole flow: partnership, document, clearance, signing --------------------------------


def test_full_flow_as_the_zhytomyr_officer(client, zhytomyr, ministry, mindev, spheres, media):
    headers = bearer(zhytomyr)
    partnership = created(
        post_json(
            client,
            f"{API}/partnerships",
            {"ukrainian_region": "UA-18", "partner_region": "US-OH", "spheres": ["education"]},
            headers,
        )
    )
    pid = partnership["id"]
    assert_json_error(
        post_json(
            client,
            f"{API}/partnerships",
            {"ukrainian_region": "UA-74", "partner_region": "US-OH"},
            headers,
        ),
        403,
    )
    assert_json_error(
        post_json(
            client,
            f"{API}/partnerships",
            {"ukrainian_region": "UA-18", "partner_region": "US-XX"},
            headers,
        )
    )

    # Events: talks reported; a revival of what never slept is refused; so is tomorrow.
    events_url = f"{API}/partnerships/{pid}/events"
    talks = created(
        post_json(
            client,
            events_url,
            {"kind": "reported_negotiating", "occurred_on": today().isoformat()},
            headers,
        )
    )
    assert talks["stage_after"] == "negotiating"
    refused = assert_json_error(
        post_json(
            client, events_url, {"kind": "revived", "occurred_on": today().isoformat()}, headers
        ),
        400,
    )
    assert refused["message"]
    assert_json_error(
        post_json(
            client,
            events_url,
            {
                "kind": "reported_negotiating",
                "occurred_on": (today() + timedelta(days=3)).isoformat(),
            },
            headers,
        ),
        400,
    )
    assert PartnershipEvent.objects.filter(partnership_id=pid).count() == 2

    # A memorandum, its English text, and a fake PDF refused.
    document = created(
        post_json(
            client,
            f"{API}/partnerships/{pid}/documents",
            {"kind": "memorandum", "title_en": "Memorandum Zhytomyr–Ohio"},
            headers,
        )
    )
    did = document["id"]
    assert document["status"] == "draft"
    assert document["versions"] == []
    version = created(upload(client, did, headers, file=pdf("MoU Zhytomyr-Ohio.pdf")))
    assert version["sha256"] == hashlib.sha256(PDF_BYTES).hexdigest()
    assert version["language"] == "en"
    assert version["number"] == 1
    assert version["size"] == len(PDF_BYTES)
    assert version["content_type"] == "application/pdf"
    assert version["download_url"] == f"/api/v1/documents/versions/{version['id']}/download"
    fake = assert_json_error(upload(client, did, headers, file=pdf("x.pdf", FAKE_PDF)), 400)
    assert "x.pdf" in fake["message"] and "PDF" in fake["message"]
    assert DocumentVersion.objects.filter(document_id=did).count() == 1

    # The text comes back byte for byte, as an attachment.
    response = client.get(version["download_url"], headers=headers)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF_BYTES
    assert response["Content-Disposition"].startswith("attachment")
    assert "MoU Zhytomyr-Ohio.pdf" in response["Content-Disposition"]
    assert response["Content-Type"] == "application/pdf"

    # Submitted for clearance.
    submitted = ok(client.post(f"{API}/documents/{did}/submit", headers=headers))
    assert submitted["status"] == "under_review"
    assert submitted["review_round"] == 1

    # The region cannot clear its own draft.
    reviews_url = f"{API}/documents/{did}/reviews"
    assert_json_error(post_json(client, reviews_url, {"decision": "approved"}, headers), 403)

    # The MFA has no objection.
    mfa = created(post_json(client, reviews_url, {"decision": "no_objection"}, bearer(ministry)))
    assert mfa == {
        "ministry": "mfa",
        "round": 1,
        "decision": "no_objection",
        "comments": "",
        "order_number": "",
        "order_label": "",
    }
    assert get_ok(client, f"{API}/documents/{did}", headers=headers)["status"] == "under_review"

    # The Ministry for Development approves by order, and must say its number.
    mindev_headers = bearer(mindev)
    missing = assert_json_error(
        post_json(client, reviews_url, {"decision": "approved"}, mindev_headers), 400
    )
    assert "order" in missing["message"]
    approval = created(
        post_json(
            client,
            reviews_url,
            {"decision": "approved", "order_number": "No. 415 of 2024-09-30"},
            mindev_headers,
        )
    )
    assert approval["ministry"] == "mindev"
    # The "No." typed before the number is left to the words pages compose ("Order No. …").
    assert approval["order_number"] == "415 of 2024-09-30"
    cleared_doc = get_ok(client, f"{API}/documents/{did}", headers=headers)
    assert cleared_doc["status"] == "cleared"
    assert {r["ministry"] for r in cleared_doc["reviews"]} == {"mfa", "mindev"}

    # Signed: the partnership becomes a memorandum.
    signed = ok(
        post_json(
            client,
            f"{API}/documents/{did}/sign",
            {
                "signed_on": today().isoformat(),
                "place": "Zhytomyr",
                "valid_until": (today() + timedelta(days=5 * 365)).isoformat(),
                "signatories": [
                    {"name": "Vitalii Bunechko", "title": "Head", "signs_for": "ukrainian"},
                    {"name": "Mike DeWine", "title": "Governor", "signs_for": "partner"},
                ],
            },
            headers,
        )
    )
    assert signed["status"] == "signed"
    assert signed["signed_on"] == today().isoformat()
    assert signed["signed_place"] == "Zhytomyr"
    assert {s["name"] for s in signed["signatories"]} == {"Vitalii Bunechko", "Mike DeWine"}
    after = get_ok(client, f"{API}/partnerships/{pid}", headers=headers)
    assert after["stage"] == "memorandum_signed"
    events = get_ok(client, events_url, headers=headers)
    kinds = [e["kind"] for e in events]
    assert kinds == [
        "first_contact",
        "reported_negotiating",
        "draft_approved_by_ministry",
        "signed",
    ]
    approved_event, signed_event = events[2], events[3]
    assert approved_event["document_id"] == did
    assert "415" in approved_event["source"]
    assert signed_event["document_id"] == did
    assert signed_event["stage_after"] == "memorandum_signed"
    assert "Vitalii Bunechko" in signed_event["signatories"]

    documents = get_ok(client, f"{API}/partnerships/{pid}/documents", headers=headers)
    assert [d["id"] for d in documents] == [did]
    assert len(documents[0]["versions"]) == 1


# --- documents: the rules around the flow ---------------------------------------------------


def test_only_managers_add_documents(client, zhytomyr_ohio, indiana, chernihiv, embassy):
    url = f"{API}/partnerships/{zhytomyr_ohio.pk}/documents"
    for user in (indiana, chernihiv, embassy):
        assert_json_error(post_json(client, url, {"kind": "memorandum"}, bearer(user)), 403)
    assert not Document.objects.exists()


def test_only_managers_upload(client, draft, chernihiv, indiana, media):
    for user in (chernihiv, indiana):
        assert_json_error(upload(client, draft.pk, bearer(user)), 403)
    assert not DocumentVersion.objects.exists()


@pytest.mark.parametrize(
    ("name", "content", "words"),
    [
        ("x.pdf", FAKE_PDF, "not what its name says"),
        ("x.exe", b"MZ\x90\x00", "PDF, DOCX and ODT"),
        ("x.docx", PDF_BYTES, "not what its name says"),
        ("x.pdf", b"", "empty"),
        ("no-extension", PDF_BYTES, "PDF, DOCX and ODT"),
    ],
)
def test_bad_uploads_are_refused_clearly(client, zhytomyr, draft, media, name, content, words):
    file = SimpleUploadedFile(name, content, content_type="application/pdf")
    data = assert_json_error(upload(client, draft.pk, bearer(zhytomyr), file=file), 400)
    assert words in data["message"], data
    assert not DocumentVersion.objects.exists()
    assert not list(media.rglob("*.*"))


@pytest.mark.parametrize("language", ["fr", "", "english"])
def test_upload_language_must_be_uk_or_en(client, zhytomyr, draft, media, language):
    assert_json_error(upload(client, draft.pk, bearer(zhytomyr), language=language), 422)


def test_upload_without_a_file_is_a_422(client, zhytomyr, draft, media):
    response = client.post(
        f"{API}/documents/{draft.pk}/versions", {"language": "en"}, headers=bearer(zhytomyr)
    )
    assert_json_error(response, 422)


def test_versions_are_numbered_per_language(client, zhytomyr, draft, media):
    headers = bearer(zhytomyr)
    assert created(upload(client, draft.pk, headers))["number"] == 1
    assert created(upload(client, draft.pk, headers))["number"] == 2
    assert created(upload(client, draft.pk, headers, language="uk"))["number"] == 1


def test_no_new_text_while_under_review(client, zhytomyr, under_review):
    data = assert_json_error(upload(client, under_review.pk, bearer(zhytomyr)), 400)
    assert data["message"]


def test_download_is_for_members_who_see_the_partnership(client, under_review, outsider):
    version = under_review.versions.get()
    url = f"{API}/documents/versions/{version.pk}/download"
    assert_json_error(client.get(url), 401)
    assert_json_error(client.get(url, headers=bearer(outsider)), 404)


def test_confidential_document_is_hidden_from_outsiders(client, zhytomyr, chernihiv, media):
    secret = open_tie("UA-18", "US-TX", confidential=True)
    document = document_create(partnership=secret, kind="memorandum", by=zhytomyr)
    version = document_add_version(document=document, language="en", upload=pdf(), by=zhytomyr)
    headers = bearer(chernihiv)
    assert_json_error(client.get(f"{API}/documents/{document.pk}", headers=headers), 404)
    assert_json_error(
        client.get(f"{API}/documents/versions/{version.pk}/download", headers=headers), 404
    )
    response = client.get(
        f"{API}/documents/versions/{version.pk}/download", headers=bearer(zhytomyr)
    )
    assert response.status_code == 200


def test_uploaded_name_is_stripped_of_its_path_and_kept_in_ukrainian(
    client, zhytomyr, draft, media
):
    headers = bearer(zhytomyr)
    evil = created(upload(client, draft.pk, headers, file=pdf("../../../etc/evil.pdf")))
    assert evil["original_name"] == "evil.pdf"
    stored = DocumentVersion.objects.get(pk=evil["id"])
    assert media in (media / stored.file.name).resolve().parents
    named = created(upload(client, draft.pk, headers, file=pdf("Меморандум.pdf"), language="uk"))
    response = client.get(named["download_url"], headers=headers)
    assert b"".join(response.streaming_content) == PDF_BYTES
    assert response["Content-Disposition"].startswith("attachment")
    assert "%D0%9C" in response["Content-Disposition"]  # the name, percent-encoded (RFC 5987)


def test_only_managers_submit_and_close(client, under_review, ministry, indiana, zhytomyr):
    for user in (ministry, indiana):
        headers = bearer(user)
        assert_json_error(
            client.post(f"{API}/documents/{under_review.pk}/submit", headers=headers), 403
        )
    # Only a signed document can expire.
    response = post_json(
        client, f"{API}/documents/{under_review.pk}/close", {"status": "expired"}, bearer(zhytomyr)
    )
    assert_json_error(response, 400)
    under_review.refresh_from_db()
    assert under_review.status == DocumentStatus.UNDER_REVIEW


def test_submit_needs_a_text(client, zhytomyr, draft):
    data = assert_json_error(
        client.post(f"{API}/documents/{draft.pk}/submit", headers=bearer(zhytomyr)), 400
    )
    assert "Upload" in data["message"]
    draft.refresh_from_db()
    assert draft.status == DocumentStatus.DRAFT


def test_a_draft_cannot_be_reviewed_before_submission(client, draft, ministry):
    response = post_json(
        client,
        f"{API}/documents/{draft.pk}/reviews",
        {"decision": "no_objection"},
        bearer(ministry),
    )
    assert_json_error(response, 400)
    assert not Review.objects.exists()


def test_review_decisions_each_ministry_may_take(client, under_review, ministry, mindev):
    url = f"{API}/documents/{under_review.pk}/reviews"
    # The MFA is consulted; it does not approve by order.
    assert_json_error(post_json(client, url, {"decision": "approved"}, bearer(ministry)), 400)
    # The Ministry for Development approves; "no objection" is not its decision.
    assert_json_error(post_json(client, url, {"decision": "no_objection"}, bearer(mindev)), 400)
    # A return needs comments.
    returned = assert_json_error(
        post_json(client, url, {"decision": "returned"}, bearer(ministry)), 400
    )
    assert "comments" in returned["message"]
    # Reviewing for a ministry one does not belong to.
    assert_json_error(
        post_json(client, url, {"decision": "approved", "ministry": "mindev"}, bearer(ministry)),
        400,
    )
    assert not Review.objects.exists()


def test_one_decision_per_ministry_per_round(client, under_review, ministry):
    url = f"{API}/documents/{under_review.pk}/reviews"
    headers = bearer(ministry)
    created(post_json(client, url, {"decision": "no_objection"}, headers))
    assert_json_error(post_json(client, url, {"decision": "no_objection"}, headers), 400)
    assert Review.objects.count() == 1


def test_returned_draft_is_revised_and_resubmitted(client, zhytomyr, under_review, ministry):
    headers = bearer(zhytomyr)
    url = f"{API}/documents/{under_review.pk}/reviews"
    review = created(
        post_json(
            client, url, {"decision": "returned", "comments": "Fix article 3"}, bearer(ministry)
        )
    )
    assert review["decision"] == "returned"
    assert get_ok(client, f"{API}/documents/{under_review.pk}", headers=headers)["status"] == (
        "returned"
    )
    created(upload(client, under_review.pk, headers))
    again = ok(client.post(f"{API}/documents/{under_review.pk}/submit", headers=headers))
    assert again["status"] == "under_review"
    assert again["review_round"] == 2
    # A new round: the MFA decides again.
    created(post_json(client, url, {"decision": "no_objection"}, bearer(ministry)))


def test_review_queue(client, under_review, ministry, zhytomyr, coordinator):
    queue = get_ok(client, f"{API}/reviews/queue", headers=bearer(ministry))
    assert [d["id"] for d in queue] == [under_review.pk]
    assert_json_error(client.get(f"{API}/reviews/queue", headers=bearer(zhytomyr)), 403)
    created(
        post_json(
            client,
            f"{API}/documents/{under_review.pk}/reviews",
            {"decision": "no_objection"},
            bearer(ministry),
        )
    )
    # Decided by the MFA: off its queue, still on the coordinator's.
    assert get_ok(client, f"{API}/reviews/queue", headers=bearer(ministry)) == []
    coordinator_queue = get_ok(client, f"{API}/reviews/queue", headers=bearer(coordinator))
    assert [d["id"] for d in coordinator_queue] == [under_review.pk]


def test_only_a_cleared_document_is_signed(client, zhytomyr, under_review):
    response = post_json(
        client,
        f"{API}/documents/{under_review.pk}/sign",
        {"signed_on": today().isoformat()},
        bearer(zhytomyr),
    )
    assert_json_error(response, 400)
    under_review.refresh_from_db()
    assert under_review.status == DocumentStatus.UNDER_REVIEW


def test_signing_in_the_future_is_refused_and_changes_nothing(client, zhytomyr, cleared):
    response = post_json(
        client,
        f"{API}/documents/{cleared.pk}/sign",
        {
            "signed_on": (today() + timedelta(days=2)).isoformat(),
            "signatories": [{"name": "Somebody", "signs_for": "ukrainian"}],
        },
        bearer(zhytomyr),
    )
    assert_json_error(response, 400)
    cleared.refresh_from_db()
    assert cleared.status == DocumentStatus.CLEARED
    assert cleared.signed_on is None
    assert not Signatory.objects.exists()
    assert not cleared.partnership.events.filter(kind="signed").exists()


def test_validity_must_end_after_the_signing(client, zhytomyr, cleared):
    response = post_json(
        client,
        f"{API}/documents/{cleared.pk}/sign",
        {"signed_on": today().isoformat(), "valid_until": today().isoformat()},
        bearer(zhytomyr),
    )
    assert_json_error(response, 400)
    cleared.refresh_from_db()
    assert cleared.status == DocumentStatus.CLEARED


def test_only_managers_sign_and_close(client, cleared, chernihiv, ministry):
    for user in (chernihiv, ministry):
        response = post_json(
            client,
            f"{API}/documents/{cleared.pk}/sign",
            {"signed_on": today().isoformat()},
            bearer(user),
        )
        assert_json_error(response, 403)


def test_signed_document_is_terminated(client, zhytomyr, cleared):
    headers = bearer(zhytomyr)
    ok(
        post_json(
            client,
            f"{API}/documents/{cleared.pk}/sign",
            {"signed_on": today().isoformat()},
            headers,
        )
    )
    closed = ok(
        post_json(client, f"{API}/documents/{cleared.pk}/close", {"status": "terminated"}, headers)
    )
    assert closed["status"] == "terminated"
    # Closed documents take no new text.
    assert_json_error(upload(client, cleared.pk, headers), 400)


def test_a_cooperation_agreement_makes_an_agreement(
    client, zhytomyr, zhytomyr_ohio, ministry, mindev, media
):
    headers = bearer(zhytomyr)
    did = created(
        post_json(
            client,
            f"{API}/partnerships/{zhytomyr_ohio.pk}/documents",
            {"kind": "cooperation_agreement"},
            headers,
        )
    )["id"]
    created(upload(client, did, headers))
    ok(client.post(f"{API}/documents/{did}/submit", headers=headers))
    url = f"{API}/documents/{did}/reviews"
    created(post_json(client, url, {"decision": "no_objection"}, bearer(ministry)))
    created(post_json(client, url, {"decision": "approved", "order_number": "7"}, bearer(mindev)))
    ok(
        post_json(
            client, f"{API}/documents/{did}/sign", {"signed_on": today().isoformat()}, headers
        )
    )
    detail = get_ok(client, f"{API}/partnerships/{zhytomyr_ohio.pk}", headers=headers)
    assert detail["stage"] == "agreement_signed"


# --- list filters, pagination, query counts ---------------------------------------------------


@pytest.fixture
def ties(coordinator, spheres):
    """Three ties with known histories.

    ohio: first contact 2024-01-10, talks from 2024-06-01 (education)
    texas: first contact 2023-01-01, memorandum 2023-05-01 (energy)
    poland: first contact today (culture)
    """
    ohio = open_tie("UA-18", "US-OH", on=date(2024, 1, 10), spheres=("education",))
    event(ohio, "reported_negotiating", date(2024, 6, 1))
    texas = open_tie("UA-18", "US-TX", on=date(2023, 1, 1), spheres=("energy",))
    event(texas, "signed", date(2023, 5, 1), signed_stage="memorandum_signed")
    poland = open_tie("UA-74", "PL-14", spheres=("culture",))
    return {"ohio": ohio.pk, "texas": texas.pk, "poland": poland.pk}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", {"ohio", "texas", "poland"}),
        ("stage=negotiating", {"ohio"}),
        ("stage=memorandum_signed", {"texas"}),
        ("stage=exploring", {"poland"}),
        ("stage=ended", set()),
        ("sphere=education", {"ohio"}),
        ("sphere=energy", {"texas"}),
        ("sphere=nope", set()),
        ("country=us", {"ohio", "texas"}),
        ("country=PL", {"poland"}),
        ("region=UA-18", {"ohio", "texas"}),
        ("region=ua-74", {"poland"}),
        ("region=us-oh", {"ohio"}),
        ("as_of=2024-03-01", {"ohio", "texas"}),
        ("as_of=2024-03-01&stage=exploring", {"ohio"}),
        ("as_of=2024-03-01&stage=negotiating", set()),
        ("as_of=2023-03-01&stage=exploring", {"texas"}),
        ("as_of=2022-12-31", set()),
        ("idle_days=30", {"ohio", "texas"}),
        ("idle_days=0", {"ohio", "texas", "poland"}),
        ("as_of=2024-06-20&idle_days=30", {"texas"}),
        ("as_of=2024-07-15&idle_days=30", {"ohio", "texas"}),
        ("q=Ohio", {"ohio"}),
        ("country=US&stage=negotiating&sphere=education&region=UA-18", {"ohio"}),
    ],
)
def test_partnership_filters(client, coordinator, ties, query, expected):
    data = get_ok(client, f"{API}/partnerships?{query}", headers=bearer(coordinator))
    assert item_ids(data) == {ties[name] for name in expected}, query
    assert data["count"] == len(expected)


def test_stage_in_the_list_follows_as_of(client, coordinator, ties):
    data = get_ok(client, f"{API}/partnerships?as_of=2024-03-01", headers=bearer(coordinator))
    stages = {item["id"]: (item["stage"], item["stage_since"]) for item in data["items"]}
    assert stages[ties["ohio"]] == ("exploring", "2024-01-10")
    assert stages[ties["texas"]] == ("memorandum_signed", "2023-05-01")


@pytest.mark.parametrize(
    "query",
    [
        "stage=signed",
        "stage=",
        "country=USA",
        "idle_days=-1",
        "idle_days=36501",
        "idle_days=abc",
        "as_of=2024-13-01",
        "as_of=yesterday",
        "region=" + "x" * 11,
        "sphere=" + "x" * 41,
        "q=" + "x" * 201,
        "page=0",
        "page_size=0",
    ],
)
def test_bad_partnership_filters_are_a_422(client, coordinator, ties, query):
    data = assert_json_error(
        client.get(f"{API}/partnerships?{query}", headers=bearer(coordinator)), 422
    )
    assert data["errors"]


def test_partnership_pagination(client, coordinator, spheres):
    codes = ["US-AL", "US-AK", "US-AZ", "US-AR", "US-CA"]
    for code in codes:
        open_tie("UA-18", code)
    headers = bearer(coordinator)
    pages = [
        get_ok(client, f"{API}/partnerships?page_size=2&page={n}", headers=headers)
        for n in (1, 2, 3, 4)
    ]
    assert [p["count"] for p in pages] == [5, 5, 5, 5]
    assert [len(p["items"]) for p in pages] == [2, 2, 1, 0]
    seen = [item["id"] for p in pages for item in p["items"]]
    assert len(seen) == len(set(seen)) == 5
    assert set(seen) == set(Partnership.objects.values_list("pk", flat=True))
    capped = get_ok(client, f"{API}/partnerships?page_size=100000", headers=headers)
    assert len(capped["items"]) == 5


def seed(n: int) -> None:
    """n more ties of Zhytomyr Oblast with US states, each with spheres and two events."""
    taken = set(Partnership.objects.values_list("partner_region__code", flat=True))
    states = Region.objects.filter(country__code="US", kind="state").exclude(code__in=taken)
    chosen = list(Sphere.objects.filter(code__in=["education", "energy"]))
    for state in states.order_by("code")[:n]:
        tie = partnership_create(
            by=None,
            ukrainian_region=region("UA-18"),
            partner_region=state,
            spheres=chosen,
            first_event_on=date(2024, 1, 1),
            confidential=state.code.endswith("A"),
        )
        event(tie, "reported_negotiating", date(2024, 2, 1))


def count_queries(client, url: str, user) -> int:
    headers = bearer(user)  # a fresh token each time: its first use is recorded alike
    with CaptureQueriesContext(connection) as captured:
        get_ok(client, url, headers=headers)
    return len(captured)


@pytest.mark.parametrize("persona", ["coordinator", "zhytomyr", "indiana"])
@pytest.mark.parametrize(
    "url",
    [
        f"{API}/partnerships?page_size=200",
        f"{API}/partnerships?page_size=200&as_of=2024-03-01&idle_days=10",
        f"{OVERVIEW}?partner_country=US",
    ],
)
def test_partnership_queries_do_not_grow(client, spheres, request, persona, url):
    user = request.getfixturevalue(persona)
    seed(3)
    few = count_queries(client, url, user)
    seed(12)
    assert Partnership.objects.count() == 15
    many = count_queries(client, url, user)
    assert few == many, (few, many)


@pytest.mark.parametrize("n", [3, 15])
def test_partnership_list_query_count_is_bounded(
    client, coordinator, spheres, django_assert_max_num_queries, n
):
    seed(n)
    headers = bearer(coordinator)
    with django_assert_max_num_queries(8):
        data = get_ok(client, f"{API}/partnerships?page_size=200", headers=headers)
    assert data["count"] == n
    assert all(item["spheres"] == ["education", "energy"] for item in data["items"])


@pytest.mark.parametrize("n", [3, 15])
def test_overview_query_count_is_bounded(
    client, zhytomyr, spheres, django_assert_max_num_queries, n
):
    seed(n)
    headers = bearer(zhytomyr)
    with django_assert_max_num_queries(8):
        data = get_ok(client, f"{OVERVIEW}?as_of=2024-03-01", headers=headers)
    assert data["stages"]["negotiating"]["count"] == n


def test_overview_lists_the_latest_ties_of_each_stage_and_counts_them_all(
    client, coordinator, facts, monkeypatch
):
    """A year of data must not make the overview a list of every tie: each stage lists those
    that entered it last (the count stays whole; the paged list has them all)."""
    monkeypatch.setattr(selectors, "OVERVIEW_LISTED", 2)
    full = Partnership.objects.filter(
        stage="memorandum_signed", partner_region__code__startswith="US"
    )
    data = get_ok(client, f"{OVERVIEW}?partner_country=US", headers=bearer(coordinator))
    bucket = data["stages"]["memorandum_signed"]
    assert bucket["count"] == full.count() > 2
    assert len(bucket["partnerships"]) == 2
    latest = sorted((p.stage_since for p in full), reverse=True)[:2]
    assert [item["since"] for item in bucket["partnerships"]] == [d.isoformat() for d in latest]


# --- institution links and activities -------------------------------------------------------


@pytest.fixture
def hospitals(reference):
    return {
        "zhytomyr": OrganizationFactory(name_en="Zhytomyr Regional Hospital"),
        "chernihiv": OrganizationFactory(
            name_en="Chernihiv Regional Hospital", region=region("UA-74")
        ),
        "indianapolis": OrganizationFactory(name_en="Indianapolis Health", region=region("US-IN")),
        "columbus": OrganizationFactory(name_en="Columbus Clinic", region=region("US-OH")),
    }


def test_regional_officer_links_institutions(client, zhytomyr, hospitals, zhytomyr_ohio):
    data = created(
        post_json(
            client,
            f"{API}/links",
            {
                "ukrainian_institution": hospitals["zhytomyr"].pk,
                "partner_institution": hospitals["columbus"].pk,
                "partnership": zhytomyr_ohio.pk,
                "status": "active",
                "started_on": "2024-05-01",
                "spheres": ["healthcare"],
                "description": "Rehabilitation exchange",
            },
            bearer(zhytomyr),
        )
    )
    assert data["ukrainian_institution_id"] == hospitals["zhytomyr"].pk
    assert data["partner_institution_id"] == hospitals["columbus"].pk
    assert data["partnership_id"] == zhytomyr_ohio.pk
    assert data["status"] == "active"
    assert data["spheres"] == ["healthcare"]
    listed = get_ok(client, f"{API}/links?partnership={zhytomyr_ohio.pk}", headers=bearer(zhytomyr))
    assert item_ids(listed) == {data["id"]}


def test_link_sides_must_be_ukraine_and_abroad(client, coordinator, zhytomyr, hospitals, spheres):
    url = f"{API}/links"
    swapped = post_json(
        client,
        url,
        {
            "ukrainian_institution": hospitals["indianapolis"].pk,
            "partner_institution": hospitals["zhytomyr"].pk,
        },
        bearer(coordinator),
    )
    assert "Ukraine" in assert_json_error(swapped, 400)["message"]
    both_home = post_json(
        client,
        url,
        {
            "ukrainian_institution": hospitals["zhytomyr"].pk,
            "partner_institution": hospitals["chernihiv"].pk,
        },
        bearer(zhytomyr),
    )
    assert "abroad" in assert_json_error(both_home, 400)["message"]
    both_abroad = post_json(
        client,
        url,
        {
            "ukrainian_institution": hospitals["columbus"].pk,
            "partner_institution": hospitals["indianapolis"].pk,
        },
        bearer(coordinator),
    )
    assert_json_error(both_abroad, 400)
    assert not InstitutionLink.objects.exists()


def test_link_must_match_the_partnership_region(client, coordinator, hospitals, zhytomyr_ohio):
    response = post_json(
        client,
        f"{API}/links",
        {
            "ukrainian_institution": hospitals["chernihiv"].pk,
            "partner_institution": hospitals["columbus"].pk,
            "partnership": zhytomyr_ohio.pk,
        },
        bearer(coordinator),
    )
    assert_json_error(response, 400)
    assert not InstitutionLink.objects.exists()


def test_links_start_from_ones_own_region(client, chernihiv, indiana, hospitals):
    payload = {
        "ukrainian_institution": hospitals["zhytomyr"].pk,
        "partner_institution": hospitals["indianapolis"].pk,
    }
    for user in (chernihiv, indiana):
        assert_json_error(post_json(client, f"{API}/links", payload, bearer(user)), 403)
    missing = {"ukrainian_institution": 987654321, "partner_institution": 987654320}
    assert_json_error(post_json(client, f"{API}/links", missing, bearer(chernihiv)), 404)
    assert not InstitutionLink.objects.exists()


@pytest.fixture
def link(zhytomyr, hospitals, spheres) -> InstitutionLink:
    return link_create(
        by=zhytomyr,
        ukrainian_institution=hospitals["zhytomyr"],
        partner_institution=hospitals["indianapolis"],
    )


def activity_payload(**overrides) -> dict:
    return {
        "kind": "visit",
        "title_en": "Delegation to Columbus",
        "starts_on": "2024-10-01",
        "ends_on": "2024-10-05",
        "sphere": "healthcare",
        **overrides,
    }


def test_activity_tied_to_a_partnership(client, zhytomyr, zhytomyr_ohio, hospitals):
    data = created(
        post_json(
            client,
            f"{API}/activities",
            activity_payload(
                partnership=zhytomyr_ohio.pk,
                is_public=True,
                institutions=[hospitals["zhytomyr"].pk],
            ),
            bearer(zhytomyr),
        )
    )
    assert data["partnership_id"] == zhytomyr_ohio.pk
    assert data["link_id"] is None
    assert data["sphere"] == "healthcare"
    assert data["is_public"] is True
    activity = Activity.objects.get(pk=data["id"])
    assert list(activity.institutions.all()) == [hospitals["zhytomyr"]]


def test_activity_tied_to_a_link(client, zhytomyr, link):
    data = created(
        post_json(
            client,
            f"{API}/activities",
            activity_payload(kind="doctor_exchange", link=link.pk),
            bearer(zhytomyr),
        )
    )
    assert data["link_id"] == link.pk
    assert data["partnership_id"] is None


@pytest.mark.parametrize("tie", ["neither", "both"])
def test_activity_must_be_tied_to_one_thing(client, zhytomyr, zhytomyr_ohio, link, tie):
    ties = {} if tie == "neither" else {"partnership": zhytomyr_ohio.pk, "link": link.pk}
    response = post_json(client, f"{API}/activities", activity_payload(**ties), bearer(zhytomyr))
    data = assert_json_error(response, 400)
    assert "partnership" in data["message"]
    assert not Activity.objects.exists()


@pytest.mark.parametrize(
    "overrides",
    [
        {"title_en": "", "title_uk": ""},
        {"ends_on": "2024-09-01"},
        {"sphere": "nope"},
    ],
)
def test_bad_activity_is_a_400(client, zhytomyr, zhytomyr_ohio, overrides):
    payload = activity_payload(partnership=zhytomyr_ohio.pk, **overrides)
    assert_json_error(post_json(client, f"{API}/activities", payload, bearer(zhytomyr)), 400)
    assert not Activity.objects.exists()


def test_only_the_sides_record_activities(client, chernihiv, indiana, zhytomyr_ohio):
    payload = activity_payload(partnership=zhytomyr_ohio.pk)
    for user in (chernihiv, indiana):
        assert_json_error(post_json(client, f"{API}/activities", payload, bearer(user)), 403)
    assert_json_error(post_json(client, f"{API}/activities", payload), 401)


def test_anonymous_sees_only_public_activities(client, zhytomyr, coordinator, zhytomyr_ohio, link):
    headers = bearer(zhytomyr)
    url = f"{API}/activities"
    public = created(
        post_json(
            client, url, activity_payload(partnership=zhytomyr_ohio.pk, is_public=True), headers
        )
    )
    private = created(
        post_json(client, url, activity_payload(partnership=zhytomyr_ohio.pk), headers)
    )
    public_link = created(
        post_json(client, url, activity_payload(link=link.pk, is_public=True), headers)
    )
    secret = open_tie("UA-18", "US-TX", confidential=True)
    hidden = created(
        post_json(client, url, activity_payload(partnership=secret.pk, is_public=True), headers)
    )
    anonymous = get_ok(client, url)
    assert item_ids(anonymous) == {public["id"], public_link["id"]}
    assert anonymous["count"] == 2
    everything = get_ok(client, url, headers=bearer(coordinator))
    assert item_ids(everything) == {public["id"], private["id"], public_link["id"], hidden["id"]}
    only_ohio = get_ok(client, f"{url}?partnership={zhytomyr_ohio.pk}")
    assert item_ids(only_ohio) == {public["id"]}


# --- hostile input ---------------------------------------------------------------------------

HUGE_ID = "99999999999999999999"
TODAY = "2024-01-01"
TIE = {"ukrainian_region": "UA-18", "partner_region": "US-IA"}

HOSTILE_BODIES = {
    "partnerships": [
        {},
        [],
        "null",
        "42",
        '"a string"',
        "{not json",
        "",
        {"ukrainian_region": "UA-18"},
        {"partner_region": "US-OH"},
        {"ukrainian_region": 18, "partner_region": "US-OH"},
        {"ukrainian_region": ["UA-18"], "partner_region": "US-OH"},
        {"ukrainian_region": None, "partner_region": "US-OH"},
        {"ukrainian_region": "x" * 100_000, "partner_region": "US-OH"},
        {**TIE, "partner_name": "x" * 100_000},
        {**TIE, "ukrainian_side": "x" * 256},
        {**TIE, "source": "x" * 501},
        {**TIE, "spheres": "education"},
        {**TIE, "spheres": [1, 2]},
        {**TIE, "spheres": ["x" * 100_000]},
        {**TIE, "partner_kind": "planet"},
        {**TIE, "first_event": "exploded"},
        {**TIE, "first_event": "went_dormant"},
        {**TIE, "first_event_on": "yesterday"},
        {**TIE, "first_event_on": "2024-02-30"},
        {**TIE, "first_event_on": "9999-12-31"},
        {**TIE, "first_event_on": 99999999999999999999},
        {**TIE, "next_step_due": -99999999999999999999},
        {**TIE, "confidential": "maybe"},
        {**TIE, "confidential": {"yes": True}},
        {"ukrainian_region": "UA-18\u0000", "partner_region": "US-OH"},
        {"ukrainian_region": "' OR 1=1 --", "partner_region": "US-OH"},
        {"ukrainian_region": "UA-18", "partner_region": "US-IN", "partner_kind": None},
        {**TIE, "partner_name": "\ud800"},
        {**TIE, "spheres": ["\udfff"]},
    ],
    "events": [
        {},
        [],
        "{not json",
        {"kind": "signed"},
        {"occurred_on": TODAY},
        {"kind": "exploded", "occurred_on": TODAY},
        {"kind": None, "occurred_on": TODAY},
        {"kind": "signed", "occurred_on": TODAY, "signed_stage": "exploring"},
        {"kind": "signed", "occurred_on": TODAY, "signed_stage": "nonsense"},
        {"kind": "reported_negotiating", "occurred_on": "0000-01-01"},
        {"kind": "reported_negotiating", "occurred_on": "2024-02-30"},
        {"kind": "reported_negotiating", "occurred_on": "1900-01-01"},
        {"kind": "reported_negotiating", "occurred_on": 99999999999999999999},
        {"kind": "reported_negotiating", "occurred_on": TODAY, "reason": "x" * 2001},
        {"kind": "reported_negotiating", "occurred_on": TODAY, "instrument": "x" * 100_000},
        {"kind": "reported_negotiating", "occurred_on": TODAY, "date_precision": "hour"},
        {"kind": "reported_negotiating", "occurred_on": TODAY, "confidence": "absolute"},
        {"kind": "reported_negotiating", "occurred_on": TODAY, "online": "perhaps"},
    ],
    "documents": [
        {},
        "{not json",
        {"kind": "treaty"},
        {"kind": None},
        {"kind": "memorandum", "title_en": "x" * 301},
        {"kind": "memorandum", "title_uk": ["list"]},
    ],
    "patch": [
        [],
        '"a string"',
        "null",
        "42",
        "true",
        "{not json",
        {"partner_name": "x" * 256},
        {"spheres": ["nope"]},
        {"spheres": "education"},
        {"confidential": "maybe"},
        {"next_step_due": "soon"},
        {"next_step": "x" * 501},
    ],
    "reviews": [
        {},
        "{not json",
        {"decision": "maybe"},
        {"decision": None},
        {"decision": "approved"},
        {"decision": "returned"},
        {"decision": "returned", "comments": "   "},
        {"decision": "no_objection", "ministry": "mindev"},
        {"decision": "no_objection", "ministry": "x" * 100_000},
        {"decision": "no_objection", "comments": "x" * 5001},
        {"decision": "approved", "order_number": "x" * 101},
    ],
    "sign": [
        {},
        "{not json",
        {"signed_on": "tomorrow"},
        {"signed_on": TODAY, "signatories": "Bob"},
        {"signed_on": TODAY, "signatories": [{"name": "A"}]},
        {"signed_on": TODAY, "signatories": [{"name": "A", "signs_for": "nobody"}]},
        {"signed_on": TODAY, "signatories": [{"name": "x" * 201, "signs_for": "partner"}]},
        {"signed_on": TODAY, "valid_until": "2023-01-01"},
        {"signed_on": TODAY, "place": "x" * 256},
    ],
    "close": [{}, {"status": "deleted"}, {"status": None}, "{not json"],
    "links": [
        {},
        "{not json",
        {"ukrainian_institution": "abc", "partner_institution": 1},
        {"ukrainian_institution": int(HUGE_ID), "partner_institution": 1},
        {"ukrainian_institution": 1, "partner_institution": -int(HUGE_ID)},
        {"ukrainian_institution": 0, "partner_institution": 0},
        {"ukrainian_institution": 987654321, "partner_institution": 987654320},
        {"ukrainian_institution": 1, "partner_institution": 2, "partnership": int(HUGE_ID)},
        {"ukrainian_institution": 1, "partner_institution": 2, "status": "eternal"},
        {"ukrainian_institution": 1, "partner_institution": 2, "description": "x" * 5001},
    ],
    "activities": [
        {},
        "{not json",
        {"kind": "party", "starts_on": TODAY, "title_en": "x"},
        {"kind": "visit", "starts_on": "soon", "title_en": "x"},
        {"kind": "visit", "starts_on": TODAY, "title_en": "x"},
        {"kind": "visit", "starts_on": TODAY, "title_en": "x", "partnership": int(HUGE_ID)},
        {"kind": "visit", "starts_on": TODAY, "title_en": "x", "link": -1},
        {"kind": "visit", "starts_on": TODAY, "title_en": "x", "partnership": 987654321},
        {"kind": "visit", "starts_on": TODAY, "title_en": "x", "link": 987654321},
        {"kind": "visit", "starts_on": TODAY, "title_en": "x" * 301, "partnership": 1},
        {"kind": "visit", "starts_on": TODAY, "title_en": "x", "institutions": ["abc"]},
        {"kind": "visit", "starts_on": TODAY, "title_en": "x", "sphere": "\ud800"},
    ],
}


@pytest.fixture
def targets(zhytomyr, draft):
    """Where each kind of body is sent, as the Zhytomyr officer."""
    pid, did = draft.partnership_id, draft.pk
    return {
        "partnerships": ("post", f"{API}/partnerships"),
        "events": ("post", f"{API}/partnerships/{pid}/events"),
        "documents": ("post", f"{API}/partnerships/{pid}/documents"),
        "patch": ("patch", f"{API}/partnerships/{pid}"),
        "reviews": ("post", f"{API}/documents/{did}/reviews"),
        "sign": ("post", f"{API}/documents/{did}/sign"),
        "close": ("post", f"{API}/documents/{did}/close"),
        "links": ("post", f"{API}/links"),
        "activities": ("post", f"{API}/activities"),
    }


def hostile_body_params():
    for target, payloads in HOSTILE_BODIES.items():
        for payload in payloads:
            yield pytest.param(target, payload)


@pytest.mark.parametrize(
    ("target", "payload"),
    list(hostile_body_params()),
    ids=lambda value: value if isinstance(value, str) and len(value) < 30 else None,
)
def test_hostile_bodies_are_a_json_4xx(
    client, zhytomyr, ministry, coordinator, targets, target, payload
):
    user = {"reviews": ministry, "links": coordinator}.get(target, zhytomyr)
    method, url = targets[target]
    counts = (Partnership.objects.count(), PartnershipEvent.objects.count())
    response = send(client, method, url, payload, bearer(user))
    assert_json_error(response)
    assert (Partnership.objects.count(), PartnershipEvent.objects.count()) == counts


def test_huge_institution_id_in_an_activity_is_a_4xx(client, zhytomyr, zhytomyr_ohio):
    payload = activity_payload(partnership=zhytomyr_ohio.pk, institutions=[int(HUGE_ID)])
    client = Client(raise_request_exception=False)
    assert_json_error(post_json(client, f"{API}/activities", payload, bearer(zhytomyr)))
    assert not Activity.objects.exists()


def test_huge_json_body_is_a_4xx(client, zhytomyr, spheres):
    payload = {**TIE, "next_step": "x" * (6 * 1024 * 1024)}
    client = Client(raise_request_exception=False)
    assert_json_error(post_json(client, f"{API}/partnerships", payload, bearer(zhytomyr)))
    assert not Partnership.objects.exists()


# Every path with an id, each with a body it would accept.
ID_PATHS = [
    ("get", "/partnerships/{}", None),
    ("patch", "/partnerships/{}", {"next_step": "x"}),
    ("get", "/partnerships/{}/events", None),
    ("post", "/partnerships/{}/events", {"kind": "reported_negotiating", "occurred_on": TODAY}),
    ("get", "/partnerships/{}/documents", None),
    ("post", "/partnerships/{}/documents", {"kind": "memorandum"}),
    ("get", "/documents/{}", None),
    ("post", "/documents/{}/versions", "multipart"),
    ("get", "/documents/versions/{}/download", None),
    ("post", "/documents/{}/submit", None),
    ("post", "/documents/{}/reviews", {"decision": "no_objection"}),
    ("post", "/documents/{}/sign", {"signed_on": TODAY}),
    ("post", "/documents/{}/close", {"status": "expired"}),
]
ID_VALUES = [
    HUGE_ID,
    "-" + HUGE_ID,
    "987654321",
    "0",
    "-1",
    "abc",
    "1.5",
    "x" * 300,
    "%F0%9F%98%80",
]


def test_hostile_ids_in_paths_never_give_a_500(coordinator, ministry, media):
    problems = []
    for user in (coordinator, ministry):
        client = Client(raise_request_exception=False, headers=bearer(user))
        for method, template, payload in ID_PATHS:
            for value in ID_VALUES:
                url = API + template.format(value)
                if payload == "multipart":
                    response = client.post(url, {"language": "en", "file": pdf()})
                elif payload is None:
                    response = getattr(client, method)(url)
                else:
                    response = send(client, method, url, payload)
                numeric = value.lstrip("-").isdigit()
                allowed = {404} if numeric else {404, 422}
                status = response.status_code
                if status not in allowed:
                    problems.append(f"{user.email} {method} {url[:80]} -> {status}")
                elif not response["Content-Type"].startswith("application/json"):
                    problems.append(f"{method} {url[:80]} -> {response['Content-Type']}")
                elif not body(response).get("message"):
                    problems.append(f"{method} {url[:80]} -> no message")
    assert not problems, "\n".join(problems)


HOSTILE_VALUES = [
    "",
    " ",
    "x" * 201,
    "x" * 5000,
    "' OR 1=1 --",
    "%",
    "_",
    "\\",
    "😀🇺🇦",
    "Ґґ Її Єє ʼ’",
    "<script>alert(1)</script>",
    "-1",
    "0",
    "36500",
    "1e10",
    HUGE_ID,
    "-" + HUGE_ID,
    "NaN",
    "null",
    "[]",
    "0001-01-01",
    "9999-12-31",
    "2024-02-30",
]
LIST_PARAMS = {
    "/partnerships": [
        "stage",
        "sphere",
        "country",
        "region",
        "idle_days",
        "as_of",
        "q",
        "page",
        "page_size",
    ],
    "/stats/overview": ["partner_country", "as_of"],
    "/activities": ["partnership", "page", "page_size"],
    "/links": ["partnership", "page"],
    "/institutions": ["type", "region", "country", "q", "page"],
    "/spheres": ["q"],
    "/reviews/queue": ["q"],
}


def test_hostile_query_strings_never_give_a_500(coordinator, ties):
    client = Client(raise_request_exception=False, headers=bearer(coordinator))
    problems = []
    for endpoint, params in LIST_PARAMS.items():
        for param in params:
            for value in HOSTILE_VALUES:
                url = f"{API}{endpoint}"
                response = client.get(url, {param: value})
                status = response.status_code
                if status >= 500:
                    problems.append(f"{endpoint}?{param}={value[:40]} -> {status}")
                elif status >= 400 and not body(response).get("message"):
                    problems.append(f"{endpoint}?{param}={value[:40]} -> {status} no message")
    assert not problems, "\n".join(problems)


def test_idle_days_combined_with_the_earliest_dates_is_not_a_500(client, coordinator, spheres):
    """The earliest date the registry takes is valid input; the idle arithmetic must cope.
    Before it, the calendar's first days are refused (they were typos, never history)."""
    ancient = open_tie("UA-18", "US-OH", on=date(1950, 1, 1))
    client = Client(raise_request_exception=False)
    response = client.get(
        f"{API}/partnerships?as_of=1950-01-05&idle_days=365", headers=bearer(coordinator)
    )
    assert response.status_code == 200, response.content[:300]
    assert item_ids(body(response)) == set()  # its last event was 4 days before
    response = client.get(
        f"{API}/partnerships?as_of=1950-01-05&idle_days=3", headers=bearer(coordinator)
    )
    assert item_ids(body(response)) == {ancient.pk}
    response = client.get(
        f"{API}/partnerships?as_of=0001-01-05&idle_days=3", headers=bearer(coordinator)
    )
    assert_json_error(response, 422)


def test_token_user_gets_messages_in_their_own_language(zhytomyr, zhytomyr_ohio):
    assert zhytomyr.language == "en"
    client = Client()  # no language cookie: only the saved choice can tell
    response = post_json(
        client,
        f"{API}/partnerships/{zhytomyr_ohio.pk}/events",
        {"kind": "reported_negotiating", "occurred_on": (today() + timedelta(days=1)).isoformat()},
        bearer(zhytomyr),
    )
    data = assert_json_error(response, 400)
    assert data["message"] == "An event cannot be dated in the future."


def test_a_city_tie_first_contacted_long_ago_is_answered(client, zhytomyr, spheres):
    """Found by the fuzzer on PostgreSQL: this request stored the tie, then answered 500 (the
    answer lacked `stage`)."""
    payload = {
        "ukrainian_region": "UA-18",
        "partner_region": "US-IN",
        "partner_kind": "city",
        "next_step_due": "2000-01-01",
        "first_event": "first_contact",
        "first_event_on": "2000-01-01",
    }
    response = client.post(
        f"{API}/partnerships", payload, content_type="application/json", headers=bearer(zhytomyr)
    )
    assert response.status_code == 201, response.content
    detail = client.get(f"{API}/partnerships/{response.json()['id']}", headers=bearer(zhytomyr))
    assert detail.status_code == 200, detail.content
