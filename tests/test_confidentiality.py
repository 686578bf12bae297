"""A confidential negotiation stays invisible to whoever may not see it, everywhere.

"A negotiation can be confidential: then only coordinators, the ministries, the embassy of that
country, and the two sides' own people see it." The negotiation here is Chernihiv Oblast –
Minnesota. Those who see it: the coordinator, the MFA, the embassy in the US, Chernihiv's
officer and Minnesota's liaison. Those who must not: Zhytomyr's officer, Indiana's liaison, a
Zhytomyr hospital's staff and the embassy in Canada. Every list, count, export, detail, document,
file, API answer and the public registry is tried for both groups; nothing public shows an
unsigned or confidential tie, and only public activities reach anonymous visitors.
"""

import csv
import io
import json
import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from regionbridge import policy
from regionbridge.accounts.services import role_assign
from regionbridge.institutions.models import InstitutionLink
from regionbridge.institutions.services import link_create
from regionbridge.organizations.models import Organization
from regionbridge.partnerships import clearance, services
from regionbridge.partnerships.models import (
    Activity,
    Document,
    DocumentVersion,
    Partnership,
    PartnershipEvent,
    Review,
    Signatory,
)
from regionbridge.partnerships.services import activity_create
from regionbridge.regions.models import Country, Region
from tests.factories import OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db

API = "/api/v1"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"

SEERS = ("coordinator", "ministry", "embassy", "chernihiv", "minnesota")
NON_SEERS = ("zhytomyr", "indiana", "institution_user", "embassy_ca")
MEMBERS = SEERS + NON_SEERS
SEES = {**dict.fromkeys(SEERS, True), **dict.fromkeys(NON_SEERS, False)}


def members(names: tuple[str, ...] = MEMBERS):
    """One param per persona."""
    for name in names:
        yield pytest.param(name, id=name)


# --- the world ------------------------------------------------------------------------------


def region(code: str) -> Region:
    return Region.objects.select_related("country").get(code=code)


def org(key: str) -> Organization:
    return Organization.objects.get(key=key)


@pytest.fixture
def minnesota(reference):
    """Minnesota's liaison: the partner side's own people."""
    user = UserFactory(email="minnesota@example.org")
    role_assign(user=user, role="partner", region=region("US-MN"))
    return user


@pytest.fixture
def embassy_ca(reference):
    """Staff of Ukraine's embassy in Canada: a mission in another host country."""
    mission = OrganizationFactory(
        kind="embassy",
        name_en="Embassy of Ukraine in Canada (test)",
        name_uk="Посольство України в Канаді (тест)",
        region=None,
        country=Country.objects.get(code="CA"),
    )
    user = UserFactory(email="embassy-ca@example.org")
    role_assign(user=user, role="embassy", organization=mission)
    return user


def persona(request: pytest.FixtureRequest, name: str) -> Any:
    if name == "anonymous":
        return AnonymousUser()
    return request.getfixturevalue(name)


def signed_in(request: pytest.FixtureRequest, name: str) -> Client:
    client = Client()
    user = persona(request, name)
    if user.is_authenticated:
        client.force_login(user)
    return client


def upload() -> SimpleUploadedFile:
    return SimpleUploadedFile("draft.pdf", PDF, content_type="application/pdf")


def draft_under_review(partnership: Partnership, title: str) -> Document:
    document = clearance.document_create(
        partnership=partnership, kind="memorandum", by=None, title_en=title
    )
    clearance.document_add_version(document=document, language="en", upload=upload(), by=None)
    return clearance.document_submit(document=document, by=None)


def clear_and_sign(document: Document) -> Document:
    """The MFA has no objection, the Ministry for Development approves by order, then signing."""
    clearance.document_review(
        document=document, ministry=org("mfa"), decision="no_objection", by=None
    )
    clearance.document_review(
        document=document,
        ministry=org("mindev"),
        decision="approved",
        order_number="42-test",
        by=None,
    )
    document.refresh_from_db()
    return clearance.document_sign(
        document=document,
        by=None,
        signed_on=timezone.localdate(),
        place_en="Kyiv",
        signatories=[{"name_en": "Test Signatory", "title_en": "Head", "signs_for": "ukrainian"}],
    )


@dataclass(frozen=True)
class World:
    open: Partnership  # Zhytomyr – Indiana, negotiating in the open
    secret: Partnership  # Chernihiv – Minnesota, a confidential negotiation
    secret_document: Document
    secret_version: DocumentVersion
    secret_event: PartnershipEvent
    open_link: InstitutionLink
    secret_link: InstitutionLink
    concert: Activity  # public, of the open tie
    planning: Activity  # internal, of the open tie
    secret_visit: Activity  # marked public, but of the confidential negotiation
    secret_exchange: Activity  # marked public, under a link of the confidential negotiation


@pytest.fixture
def world(reference, settings, tmp_path) -> World:
    settings.MEDIA_ROOT = tmp_path / "media"
    today = timezone.localdate()
    open_tie = services.partnership_create(
        by=None,
        ukrainian_region=region("UA-18"),
        partner_region=region("US-IN"),
        partner_name_en="State of Indiana",
        first_event="reported_negotiating",
        first_event_on=today - timedelta(days=30),
    )
    secret = services.partnership_create(
        by=None,
        ukrainian_region=region("UA-74"),
        partner_region=region("US-MN"),
        partner_name_en="State of Minnesota",
        confidential=True,
        first_event="reported_negotiating",
        first_event_on=today - timedelta(days=20),
        next_step_en="Agree the text of the memorandum",
    )
    secret_document = draft_under_review(secret, "Chernihiv Minnesota draft memorandum")
    open_link = link_create(
        by=None,
        ukrainian_institution=OrganizationFactory(name_en="Zhytomyr Open University"),
        partner_institution=OrganizationFactory(
            name_en="Indiana Open College", region=region("US-IN")
        ),
        partnership=open_tie,
    )
    secret_link = link_create(
        by=None,
        ukrainian_institution=OrganizationFactory(
            name_en="Chernihiv Secret Polytechnic", region=region("UA-74")
        ),
        partner_institution=OrganizationFactory(
            name_en="Minnesota Secret Institute", region=region("US-MN")
        ),
        partnership=secret,
    )

    def activity(target, title: str, public: bool) -> Activity:
        return activity_create(
            by=None,
            target=target,
            kind="visit",
            title_en=title,
            starts_on=today - timedelta(days=5),
            is_public=public,
        )

    return World(
        open=open_tie,
        secret=secret,
        secret_document=secret_document,
        secret_version=secret_document.versions.get(),
        secret_event=secret.events.get(),
        open_link=open_link,
        secret_link=secret_link,
        concert=activity(open_tie, "Open Indiana Concert", True),
        planning=activity(open_tie, "Internal Indiana Planning", False),
        secret_visit=activity(secret, "Secret Minnesota Visit", True),
        secret_exchange=activity(secret_link, "Secret Lab Exchange", True),
    )


def ids(items) -> set[int]:
    return {item["id"] for item in items}


def api_get(client: Client, path: str):
    return client.get(f"{API}{path}")


def api_ok(client: Client, path: str) -> Any:
    response = api_get(client, path)
    assert response.status_code == 200, (path, response.status_code, response.content[:300])
    return json.loads(response.content)


def expect(sees: bool, status: int = 200) -> int:
    return status if sees else 404


# --- the policy itself ----------------------------------------------------------------------


SECRET_ROWS = {
    "partnership": (Partnership, lambda w: Partnership.objects.filter(pk=w.secret.pk), ""),
    "events": (PartnershipEvent, lambda w: w.secret.events.all(), ""),
    "documents": (Document, lambda w: w.secret.documents.all(), ""),
    "versions": (
        DocumentVersion,
        lambda w: DocumentVersion.objects.filter(document__partnership=w.secret),
        "",
    ),
    "links": (InstitutionLink, lambda w: w.secret.links.all(), ""),
    "activities": (Activity, lambda w: w.secret.activities.all(), ""),
    "link_activities": (Activity, lambda w: w.secret_link.activities.all(), ""),
}


def _secret_row_params():
    for what in SECRET_ROWS:
        for name in MEMBERS:
            yield pytest.param(what, name, id=f"{name}-{what}")


@pytest.mark.parametrize(("what", "name"), list(_secret_row_params()))
def test_the_policy_hides_the_negotiation_and_everything_under_it(request, world, what, name):
    user = persona(request, name)
    sees = SEES[name]
    assert policy.can(user, policy.Action.PARTNERSHIP_VIEW, world.secret) is sees
    assert policy.can(user, policy.Action.PARTNERSHIP_VIEW, world.open)
    model, rows, _bug = SECRET_ROWS[what]
    expected = set(rows(world).values_list("pk", flat=True))
    assert expected
    seen = set(policy.visible(user, model).filter(pk__in=expected).values_list("pk", flat=True))
    assert seen == (expected if sees else set())


def test_reviews_and_signatories_of_a_confidential_tie_are_hidden_too(
    world, coordinator, zhytomyr, indiana, embassy_ca, minnesota
):
    clear_and_sign(world.secret_document)
    assert Review.objects.filter(document=world.secret_document).count() == 2
    for user in (coordinator, minnesota):
        assert policy.visible(user, Review).filter(document=world.secret_document).count() == 2
        assert policy.visible(user, Signatory).filter(document=world.secret_document).exists()
    for user in (zhytomyr, indiana, embassy_ca):
        assert not policy.visible(user, Review).filter(document=world.secret_document).exists()
        assert not policy.visible(user, Signatory).filter(document=world.secret_document).exists()


def test_the_embassy_in_canada_sees_a_confidential_tie_with_a_canadian_province(
    world, embassy_ca, embassy, zhytomyr
):
    """The positive control: the rule is "the embassy of that country", not "no embassy"."""
    ontario = services.partnership_create(
        by=None,
        ukrainian_region=region("UA-18"),
        partner_region=region("CA-ON"),
        confidential=True,
    )
    assert policy.can(embassy_ca, policy.Action.PARTNERSHIP_VIEW, ontario)
    assert policy.can(embassy_ca, policy.Action.EVENT_RECORD, ontario)
    assert not policy.can(embassy_ca, policy.Action.PARTNERSHIP_EDIT, ontario)
    assert not policy.can(embassy, policy.Action.PARTNERSHIP_VIEW, ontario)
    assert not policy.can(embassy, policy.Action.EVENT_RECORD, ontario)
    assert policy.can(zhytomyr, policy.Action.PARTNERSHIP_VIEW, ontario)
    # …and it records nothing for ties with the US.
    assert not policy.can(embassy_ca, policy.Action.EVENT_RECORD, world.open)
    assert not policy.can(embassy_ca, policy.Action.EVENT_RECORD, world.secret)


# --- pages ----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", MEMBERS)
def test_the_list_page_counts_and_lists_it_only_for_those_who_see_it(request, world, name):
    client = signed_in(request, name)
    sees = SEES[name]
    response = client.get(reverse("partnerships:list"))
    assert response.status_code == 200
    text = response.content.decode()
    count = 2 if sees else 1
    assert response.context["page"].paginator.count == count
    label = "2 partnerships" if sees else "1 partnership"
    assert re.search(rf"(?<!\d){label}(?!\w)", text), label
    rows = {p.pk for p in response.context["page"].object_list}
    assert rows == ({world.open.pk, world.secret.pk} if sees else {world.open.pk})
    assert (reverse("partnerships:detail", args=[world.secret.pk]) in text) is sees
    assert ("Minnesota" in text) is sees
    # A search for it finds nothing rather than something hidden.
    found = client.get(reverse("partnerships:list") + "?q=Minnesota")
    assert found.context["page"].paginator.count == (1 if sees else 0)


@pytest.mark.parametrize("name", MEMBERS)
def test_the_csv_export_has_it_only_for_those_who_see_it(request, world, name):
    client = signed_in(request, name)
    response = client.get(reverse("partnerships:list") + "?format=csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    content = b"".join(response.streaming_content) if response.streaming else response.content
    rows = list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))
    exported = {int(row["id"]) for row in rows}
    sees = SEES[name]
    assert exported == ({world.open.pk, world.secret.pk} if sees else {world.open.pk})
    assert ("US-MN" in content.decode("utf-8-sig")) is sees


@pytest.mark.parametrize("name", MEMBERS)
def test_detail_document_and_file_pages_are_404_for_those_who_may_not_see(request, world, name):
    client = signed_in(request, name)
    sees = SEES[name]
    pages = {
        "detail": reverse("partnerships:detail", args=[world.secret.pk]),
        "document": reverse("partnerships:document", args=[world.secret_document.pk]),
        "download": reverse("partnerships:version_download", args=[world.secret_version.pk]),
    }
    for page, url in pages.items():
        response = client.get(url)
        assert response.status_code == expect(sees), page
        if not sees:
            assert b"Minnesota" not in response.content, page
    # The open tie's pages answer everyone, so the 404 above is not a broken page.
    assert client.get(reverse("partnerships:detail", args=[world.open.pk])).status_code == 200


@pytest.mark.parametrize("name", SEERS)
def test_the_detail_page_shows_its_documents_and_activities_to_those_who_see(request, world, name):
    client = signed_in(request, name)
    text = client.get(reverse("partnerships:detail", args=[world.secret.pk])).content.decode()
    assert "Chernihiv Minnesota draft memorandum" in text
    assert "Secret Minnesota Visit" in text


@pytest.mark.parametrize("name", list(members(SEERS)))
def test_the_detail_page_shows_its_institution_links_to_those_who_see(request, world, name):
    client = signed_in(request, name)
    response = client.get(reverse("partnerships:detail", args=[world.secret.pk]))
    assert [link.pk for link in response.context["links"]] == [world.secret_link.pk]
    assert "Chernihiv Secret Polytechnic" in response.content.decode()


@pytest.mark.parametrize("name", list(members()))
def test_the_institutions_page_lists_its_links_only_for_those_who_see(request, world, name):
    client = signed_in(request, name)
    response = client.get(reverse("institutions:list"))
    assert response.status_code == 200
    text = response.content.decode()
    assert "Zhytomyr Open University" in text
    sees = SEES[name]
    assert {link.pk for link in response.context["links"]} == (
        {world.open_link.pk, world.secret_link.pk} if sees else {world.open_link.pk}
    )
    assert (reverse("partnerships:detail", args=[world.secret.pk]) in text) is sees


@pytest.mark.parametrize("name", ["coordinator", "ministry"])
def test_the_review_queue_shows_the_confidential_draft_to_reviewers(request, world, name):
    client = signed_in(request, name)
    response = client.get(reverse("partnerships:reviews"))
    assert response.status_code == 200
    assert world.secret_document in list(response.context["documents"])


@pytest.mark.parametrize("name", NON_SEERS)
def test_posting_to_a_hidden_negotiation_is_404_and_changes_nothing(request, world, name):
    client = signed_in(request, name)
    today = timezone.localdate().isoformat()
    attempts = {
        "partnerships:edit": (world.secret.pk, {"ukrainian_side_en": "x", "partner_name_en": "x"}),
        "partnerships:event_create": (world.secret.pk, {"kind": "went_dormant", "reason": "x"}),
        "partnerships:document_create": (world.secret.pk, {"kind": "memorandum"}),
        "partnerships:activity_create": (world.secret.pk, {"kind": "visit", "title_en": "x"}),
        "partnerships:document_submit": (world.secret_document.pk, {}),
        "partnerships:document_review": (world.secret_document.pk, {"decision": "returned"}),
        "partnerships:document_sign": (world.secret_document.pk, {"signed_on": today}),
    }
    for route, (pk, data) in attempts.items():
        response = client.post(reverse(route, args=[pk]), {"occurred_on": today, **data})
        assert response.status_code == 404, route
    response = client.post(
        reverse("partnerships:document_upload", args=[world.secret_document.pk]),
        {"language": "en", "file": upload()},
    )
    assert response.status_code == 404
    world.secret.refresh_from_db()
    assert world.secret.partner_name == "State of Minnesota"
    assert world.secret.events.count() == 1
    assert world.secret.documents.count() == 1
    assert world.secret.activities.count() == 1
    assert world.secret_document.versions.count() == 1
    assert not Review.objects.filter(document=world.secret_document).exists()


# --- the API --------------------------------------------------------------------------------


@pytest.mark.parametrize("name", MEMBERS)
def test_the_api_lists_and_counts_it_only_for_those_who_see_it(request, world, name):
    client = signed_in(request, name)
    sees = SEES[name]
    data = api_ok(client, "/partnerships")
    assert data["count"] == (2 if sees else 1)
    assert ids(data["items"]) == ({world.open.pk, world.secret.pk} if sees else {world.open.pk})
    by_country = api_ok(client, "/partnerships?country=US&q=Minnesota")
    assert by_country["count"] == (1 if sees else 0)
    by_region = api_ok(client, "/partnerships?region=UA-74")
    assert by_region["count"] == (1 if sees else 0)


@pytest.mark.parametrize("name", MEMBERS)
def test_the_api_details_are_404_for_those_who_may_not_see(request, world, name):
    client = signed_in(request, name)
    sees = SEES[name]
    paths = {
        "detail": f"/partnerships/{world.secret.pk}",
        "events": f"/partnerships/{world.secret.pk}/events",
        "documents": f"/partnerships/{world.secret.pk}/documents",
        "document": f"/documents/{world.secret_document.pk}",
        "download": f"/documents/versions/{world.secret_version.pk}/download",
    }
    for what, path in paths.items():
        response = api_get(client, path)
        assert response.status_code == expect(sees), (what, response.status_code)
        if not sees:
            assert b"Minnesota" not in response.content, what
    if sees:
        events = api_ok(client, paths["events"])
        assert ids(events) == {world.secret_event.pk}
        assert api_ok(client, paths["document"])["id"] == world.secret_document.pk


@pytest.mark.parametrize("name", NON_SEERS)
def test_the_api_refuses_writes_to_a_hidden_negotiation_with_404(request, world, name):
    client = signed_in(request, name)
    today = timezone.localdate().isoformat()
    writes = [
        ("patch", f"/partnerships/{world.secret.pk}", {"next_step": "leaked"}),
        (
            "post",
            f"/partnerships/{world.secret.pk}/events",
            {"kind": "went_dormant", "occurred_on": today},
        ),
        ("post", f"/partnerships/{world.secret.pk}/documents", {"kind": "memorandum"}),
        ("post", f"/documents/{world.secret_document.pk}/submit", {}),
        ("post", f"/documents/{world.secret_document.pk}/sign", {"signed_on": today}),
        (
            "post",
            "/activities",
            {"kind": "visit", "title_en": "x", "starts_on": today, "partnership": world.secret.pk},
        ),
        (
            "post",
            "/activities",
            {"kind": "visit", "title_en": "x", "starts_on": today, "link": world.secret_link.pk},
        ),
    ]
    for method, path, payload in writes:
        response = getattr(client, method)(
            f"{API}{path}", json.dumps(payload), content_type="application/json"
        )
        assert response.status_code == 404, (method, path, response.status_code)
    world.secret.refresh_from_db()
    assert world.secret.next_step == "Agree the text of the memorandum"
    assert world.secret.events.count() == 1
    assert world.secret.documents.count() == 1
    assert Activity.objects.count() == 4


@pytest.mark.parametrize("name", MEMBERS)
def test_the_overview_counts_it_only_for_those_who_see_it(request, world, name):
    client = signed_in(request, name)
    sees = SEES[name]
    data = api_ok(client, "/stats/overview")
    total = sum(stage["count"] for stage in data["stages"].values())
    listed = {p["id"] for stage in data["stages"].values() for p in stage["partnerships"]}
    assert total == (2 if sees else 1)
    assert listed == ({world.open.pk, world.secret.pk} if sees else {world.open.pk})
    assert data["stages"]["negotiating"]["count"] == total
    us = api_ok(client, "/stats/overview?partner_country=US")
    assert sum(stage["count"] for stage in us["stages"].values()) == total


@pytest.mark.parametrize("name", list(members()))
def test_the_api_lists_its_links_only_for_those_who_see_it(request, world, name):
    client = signed_in(request, name)
    sees = SEES[name]
    links = api_ok(client, "/links")
    assert links["count"] == (2 if sees else 1)
    assert ids(links["items"]) == (
        {world.open_link.pk, world.secret_link.pk} if sees else {world.open_link.pk}
    )
    assert api_ok(client, f"/links?partnership={world.secret.pk}")["count"] == (1 if sees else 0)


@pytest.mark.parametrize("name", list(members()))
def test_the_api_lists_its_activities_only_for_those_who_see_it(request, world, name):
    """Its own activity, and the activity of a link under it (even when marked public)."""
    client = signed_in(request, name)
    sees = SEES[name]
    activities = api_ok(client, "/activities")
    open_ones = {world.concert.pk, world.planning.pk}
    secret_ones = {world.secret_visit.pk, world.secret_exchange.pk}
    assert ids(activities["items"]) == (open_ones | secret_ones if sees else open_ones)
    assert activities["count"] == (4 if sees else 2)
    mine = api_ok(client, f"/activities?partnership={world.secret.pk}")
    assert ids(mine["items"]) == ({world.secret_visit.pk} if sees else set())


@pytest.mark.parametrize("name", SEERS)
def test_the_api_lists_the_negotiations_own_activities_to_those_who_see_it(request, world, name):
    client = signed_in(request, name)
    mine = api_ok(client, f"/activities?partnership={world.secret.pk}")
    assert ids(mine["items"]) == {world.secret_visit.pk}


# --- nobody outside ---------------------------------------------------------------------------


def test_anonymous_visitors_and_outsiders_get_nothing_from_the_api(request, world):
    anonymous = signed_in(request, "anonymous")
    outsider = signed_in(request, "outsider")
    details = (
        f"/partnerships/{world.secret.pk}",
        f"/partnerships/{world.secret.pk}/events",
        f"/partnerships/{world.secret.pk}/documents",
        f"/documents/{world.secret_document.pk}",
        f"/documents/versions/{world.secret_version.pk}/download",
    )
    lists = ("/partnerships", "/links", "/stats/overview")
    for path in details + lists:
        assert api_get(anonymous, path).status_code == 401, path
    for path in details:
        response = api_get(outsider, path)
        assert response.status_code in (403, 404), path
        assert b"Minnesota" not in response.content, path
    # Lists answer a signed-in outsider with nothing in them (or refuse outright).
    for path in ("/partnerships", "/links"):
        response = api_get(outsider, path)
        assert response.status_code in (200, 403), path
        if response.status_code == 200:
            assert json.loads(response.content)["count"] == 0, path
    response = api_get(outsider, "/stats/overview")
    assert response.status_code in (200, 403)
    if response.status_code == 200:
        stages = json.loads(response.content)["stages"].values()
        assert sum(stage["count"] for stage in stages) == 0


@pytest.mark.parametrize("name", ["anonymous", "outsider"])
def test_only_public_activities_of_open_ties_reach_outsiders_of_the_api(request, world, name):
    client = signed_in(request, name)
    data = api_ok(client, "/activities")
    assert data["count"] == 1
    assert ids(data["items"]) == {world.concert.pk}
    assert all(item["is_public"] for item in data["items"])
    # Filtering by the hidden negotiation finds nothing either.
    assert api_ok(client, f"/activities?partnership={world.secret.pk}")["count"] == 0
    assert api_ok(client, f"/activities?partnership={world.open.pk}")["count"] == 1


def test_non_public_demo_activities_do_not_reach_anonymous_visitors(world, client):
    demo = activity_create(
        by=None,
        target=world.open_link,
        kind="training",
        title_en="Demo Internal Training",
        starts_on=timezone.localdate(),
        is_public=False,
        is_demo=True,
    )
    listed = ids(api_ok(client, "/activities")["items"])
    assert demo.pk not in listed
    assert listed == {world.concert.pk}
    page = client.get(reverse("public:index")).content.decode()
    assert "Demo Internal Training" not in page


@pytest.mark.parametrize("name", ["anonymous", "outsider"])
def test_pages_send_outsiders_away_without_a_trace(request, world, name):
    client = signed_in(request, name)
    for url in (
        reverse("partnerships:list"),
        reverse("partnerships:list") + "?format=csv",
        reverse("partnerships:detail", args=[world.secret.pk]),
        reverse("partnerships:document", args=[world.secret_document.pk]),
        reverse("partnerships:version_download", args=[world.secret_version.pk]),
    ):
        response = client.get(url)
        assert response.status_code == (302 if name == "anonymous" else 403), url
        assert b"Minnesota" not in response.content, url


# --- the public registry --------------------------------------------------------------------


def public_ids(client: Client, code: str | None = None) -> set[int]:
    """The ties a public page lists, read from its rendering (so not from the page kept in the
    cache; `public_text` reads through the cache)."""
    cache.clear()
    if code is None:
        response = client.get(reverse("public:index"))
        partnerships = [p for group in response.context["groups"].values() for p in group]
        assert response.context["count"] == len(partnerships)
    else:
        response = client.get(reverse("public:region", args=[code]))
        partnerships = response.context["partnerships"]
    assert response.status_code == 200
    return {p.pk for p in partnerships}


# The open tie's card in the registry: its one title, in the page's language (Ukrainian).
OPEN_CARD = "Житомирська область – Індіана"


def public_text(client: Client, code: str | None = None) -> str:
    url = reverse("public:region", args=[code]) if code else reverse("public:index")
    return client.get(url).content.decode()


def test_negotiations_are_not_in_the_public_registry_until_signed(world, client):
    for code in (None, "UA-18", "US-IN", "UA-74", "US-MN"):
        assert public_ids(client, code) == set(), code
    assert OPEN_CARD not in public_text(client)

    clear_and_sign(draft_under_review(world.open, "Zhytomyr Indiana memorandum"))

    world.open.refresh_from_db()
    assert world.open.stage == "memorandum_signed"
    for code in (None, "UA-18", "US-IN"):
        assert public_ids(client, code) == {world.open.pk}, code
    assert OPEN_CARD in public_text(client)
    assert public_ids(client, "UA-74") == set()


def test_a_signed_confidential_tie_is_not_public(world, client):
    clear_and_sign(world.secret_document)
    world.secret.refresh_from_db()
    assert world.secret.stage == "memorandum_signed"
    for code in (None, "UA-74", "US-MN"):
        assert public_ids(client, code) == set(), code
    for code in (None, "UA-74"):
        text = public_text(client, code)
        assert "Minnesota" not in text, code
        assert "Міннесота" not in text, code
        assert "Secret Minnesota Visit" not in text, code
        assert "Secret Lab Exchange" not in text, code


def test_public_activities_appear_only_when_public_and_not_confidential(world, client):
    text = public_text(client)
    assert "Open Indiana Concert" in text
    assert "Internal Indiana Planning" not in text
    assert "Secret Minnesota Visit" not in text
    assert "Secret Lab Exchange" not in text
    cache.clear()  # rendered again, for its context
    shown = {a.pk for a in client.get(reverse("public:index")).context["activities"]}
    assert shown == {world.concert.pk}


def test_a_kept_public_page_drops_a_tie_made_confidential_at_once(world, client, coordinator):
    """The registry's pages are kept in the cache; a change of what they show is seen at once."""
    clear_and_sign(draft_under_review(world.open, "Zhytomyr Indiana memorandum"))
    for code in (None, "UA-18", "US-IN"):
        assert OPEN_CARD in public_text(client, code), code  # rendered and kept
    world.open.refresh_from_db()
    services.partnership_update(partnership=world.open, by=coordinator, confidential=True)
    for code in (None, "UA-18", "US-IN"):
        assert OPEN_CARD not in public_text(client, code), code


def test_a_regions_public_page_shows_the_public_activities_of_its_signed_ties(world, client):
    assert "Open Indiana Concert" not in public_text(client, "UA-18")  # not signed yet
    clear_and_sign(draft_under_review(world.open, "Zhytomyr Indiana memorandum"))
    clear_and_sign(world.secret_document)
    text = public_text(client, "UA-18")
    assert "Open Indiana Concert" in text
    assert "Internal Indiana Planning" not in text
    text = public_text(client, "UA-74")
    assert "Secret Minnesota Visit" not in text
    assert "Secret Lab Exchange" not in text


def test_making_a_signed_tie_confidential_takes_it_out_of_the_registry(world, client):
    clear_and_sign(draft_under_review(world.open, "Zhytomyr Indiana memorandum"))
    assert public_ids(client) == {world.open.pk}
    services.partnership_update(partnership=world.open, by=None, confidential=True)
    assert public_ids(client) == set()
    assert public_ids(client, "UA-18") == set()
    text = public_text(client)
    assert "Open Indiana Concert" not in text
    assert ids(api_ok(client, "/activities")["items"]) == set()
