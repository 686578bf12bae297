"""Every door into a service gives the same answer: a page (a form POSTed) and the API (JSON)
either both accept, or both refuse (a 4xx, a form error) and write nothing. The rules are the
services'; these are the places where page and API used to disagree (issue 10).

Also `access_partnership` and `access_document`: an outsider of a confidential tie gets 404 from
pages and API alike, an insider without the right 403."""

import json
from datetime import date, timedelta

import pytest
from django.conf import settings
from django.forms import BaseForm
from django.http import Http404
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from regionbridge.accounts.services import role_assign
from regionbridge.institutions.models import InstitutionLink
from regionbridge.organizations.models import OrganizationKind
from regionbridge.partnerships import clearance, selectors
from regionbridge.partnerships.models import Document, DocumentStatus, Partnership, Review
from regionbridge.partnerships.services import partnership_create
from tests.conftest import make_member, org, region
from tests.factories import OrganizationFactory
from tests.test_api import bearer
from tests.test_api_partnerships import pdf

pytestmark = pytest.mark.django_db

API = "/api/v1"
DOORS = ("page", "api")


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def english() -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def api_post(user, path: str, data: dict):
    return english().post(
        f"{API}{path}", json.dumps(data), "application/json", headers=bearer(user)
    )


def page_post(user, name: str, args: list, data: dict):
    client = english()
    client.force_login(user)
    return client.post(reverse(name, args=args), data)


def accepted(door: str, response) -> bool:
    """A page accepts with a redirect, the API with 201; anything else must be a clear 4xx."""
    if response.status_code in (201, 302):
        return True
    assert 400 <= response.status_code < 500, (door, response.status_code)
    if door == "page":
        context = response.context  # a ContextList: one per template rendered
        keys = context.keys()  # iterating a ContextList gives its contexts, not keys
        forms = [context[key] for key in keys if isinstance(context[key], BaseForm)]
        assert any(form.errors for form in forms), "a refused form says why"
    else:
        assert json.loads(response.content)["message"]
    return False


def tie(by, partner: str) -> Partnership:
    return partnership_create(
        by=by,
        ukrainian_region=region("UA-18"),
        partner_region=region(partner),
        first_event="reported_negotiating",
        first_event_on=date(2024, 3, 1),
    )


# --- 1a: a review counts for the reviewer's clearing ministries still to decide -------------


@pytest.fixture
def zhytomyr(reference):
    return make_member("regional", region_code="UA-18", email="zhytomyr@example.org")


@pytest.fixture
def both_ministries(reference):
    """An officer who reviews for the MFA and for the Ministry for Development."""
    user = make_member("ministry", org_key="mfa", email="both@example.org")
    role_assign(user=user, role="ministry", organization=org("mindev"))
    return user


def under_review(zhytomyr, partner: str) -> Document:
    document = clearance.document_create(
        partnership=tie(zhytomyr, partner), kind="memorandum", by=zhytomyr
    )
    clearance.document_add_version(document=document, language="en", upload=pdf(), by=zhytomyr)
    return clearance.document_submit(document=document, by=zhytomyr)


def review(door: str, user, document: Document, data: dict):
    if door == "page":
        return page_post(user, "partnerships:document_review", [document.pk], data)
    return api_post(user, f"/documents/{document.pk}/reviews", data)


def test_a_review_for_both_ministries_counts_for_the_one_still_to_decide(zhytomyr, both_ministries):
    """The MFA has said yes; the same officer's next decision is the Ministry for Development's,
    without naming it, through either door."""
    answers = {}
    for door, partner in zip(DOORS, ("US-OH", "US-IA"), strict=True):
        document = under_review(zhytomyr, partner)
        clearance.document_review(
            document=document, ministry="mfa", decision="no_objection", by=both_ministries
        )
        response = review(
            door, both_ministries, document, {"decision": "approved", "order_number": "12"}
        )
        answers[door] = accepted(door, response)
        document.refresh_from_db()
        assert document.status == DocumentStatus.CLEARED, door
        assert document.reviews.get(ministry__key="mindev").order_number == "12"
    assert answers == {"page": True, "api": True}


def test_a_ministry_that_has_decided_is_refused_by_both_doors(zhytomyr, reference):
    mfa = make_member("ministry", org_key="mfa", email="mfa@example.org")
    answers = {}
    for door, partner in zip(DOORS, ("US-OH", "US-IA"), strict=True):
        document = under_review(zhytomyr, partner)
        clearance.document_review(document=document, decision="no_objection", by=mfa)
        before = Review.objects.count()
        response = review(door, mfa, document, {"decision": "no_objection"})
        answers[door] = accepted(door, response)
        assert Review.objects.count() == before, door
    assert answers == {"page": False, "api": False}


# --- 1b: a link ties institutions or local governments --------------------------------------


def hromada():
    return OrganizationFactory(
        name_en="Ovruch City Council",
        kind=OrganizationKind.LOCAL_GOVERNMENT,
        region=region("UA-18"),
    )


def link(door: str, user, ukrainian, partner):
    data = {
        "ukrainian_institution": ukrainian.pk,
        "partner_institution": partner.pk,
        "status": "proposed",
        "description": "Sister cities",
    }
    if door == "page":
        return page_post(user, "institutions:link_create", [], data)
    return api_post(user, "/links", data)


def test_a_local_government_may_be_linked_through_either_door(zhytomyr):
    answers = {}
    for door in DOORS:
        ours = hromada()
        theirs = OrganizationFactory(
            name_en=f"City of Vincennes ({door})",
            kind=OrganizationKind.LOCAL_GOVERNMENT,
            region=region("US-IN"),
        )
        answers[door] = accepted(door, link(door, zhytomyr, ours, theirs))
        assert InstitutionLink.objects.filter(ukrainian_institution=ours).count() == 1, door
    assert answers == {"page": True, "api": True}


def test_an_office_that_is_no_institution_is_refused_by_both_doors(zhytomyr):
    answers = {}
    for door in DOORS:
        theirs = OrganizationFactory(
            name_en=f"Vincennes University ({door})", region=region("US-IN")
        )
        answers[door] = accepted(door, link(door, zhytomyr, org("rma-UA-18"), theirs))
    assert answers == {"page": False, "api": False}
    assert not InstitutionLink.objects.exists()


# --- 1c: a reason only for went_dormant and ended --------------------------------------------


def record(door: str, user, partnership: Partnership, data: dict):
    if door == "page":
        form = {"date_precision": "day", "confidence": "confirmed", **data}
        return page_post(user, "partnerships:event_create", [partnership.pk], form)
    return api_post(user, f"/partnerships/{partnership.pk}/events", data)


@pytest.mark.parametrize(
    ("kind", "reason", "ok"),
    [
        ("reported_negotiating", "", True),  # the page used to ask for a reason here
        ("went_dormant", "", False),
        ("went_dormant", "The governor's office stopped answering.", True),
        ("ended", "  ", False),
    ],
)
def test_an_event_needs_a_reason_only_when_a_tie_goes_dormant_or_ends(zhytomyr, kind, reason, ok):
    answers = {}
    on = (timezone.localdate() - timedelta(days=1)).isoformat()
    for door, partner in zip(DOORS, ("US-OH", "US-IA"), strict=True):
        partnership = tie(zhytomyr, partner)
        before = partnership.events.count()
        data = {"kind": kind, "occurred_on": on, "reason": reason}
        answers[door] = accepted(door, record(door, zhytomyr, partnership, data))
        assert partnership.events.count() == before + (1 if ok else 0), door
    assert answers == {"page": ok, "api": ok}


# --- access_partnership, access_document ----------------------------------------------------


@pytest.fixture
def secret(zhytomyr) -> Partnership:
    partnership = partnership_create(
        by=zhytomyr,
        ukrainian_region=region("UA-18"),
        partner_region=region("US-OH"),
        confidential=True,
    )
    clearance.document_create(partnership=partnership, kind="memorandum", by=zhytomyr)
    return partnership


def test_an_outsider_of_a_confidential_tie_gets_404_from_the_lookups_and_both_doors(
    secret, zhytomyr, reference
):
    chernihiv = make_member("regional", region_code="UA-74", email="chernihiv@example.org")
    document = secret.documents.get()
    with pytest.raises(Http404):
        selectors.access_partnership(chernihiv, secret.pk)
    with pytest.raises(Http404):
        selectors.access_document(chernihiv, document.pk)
    assert selectors.access_partnership(zhytomyr, secret.pk) == secret
    assert selectors.access_document(zhytomyr, document.pk) == document

    client = english()
    client.force_login(chernihiv)
    assert client.get(reverse("partnerships:detail", args=[secret.pk])).status_code == 404
    assert client.get(reverse("partnerships:document", args=[document.pk])).status_code == 404
    api = english()
    headers = bearer(chernihiv)
    assert api.get(f"{API}/partnerships/{secret.pk}", headers=headers).status_code == 404
    assert api.get(f"{API}/documents/{document.pk}", headers=headers).status_code == 404


def test_an_insider_without_the_right_gets_403_from_both_doors(zhytomyr, reference):
    """An open tie: Chernihiv's officer sees it, but does not manage Zhytomyr's ties."""
    chernihiv = make_member("regional", region_code="UA-74", email="chernihiv@example.org")
    partnership = tie(zhytomyr, "US-OH")
    assert selectors.access_partnership(chernihiv, partnership.pk) == partnership
    on = (timezone.localdate() - timedelta(days=1)).isoformat()
    data = {"kind": "reported_negotiating", "occurred_on": on}
    assert record("page", chernihiv, partnership, data).status_code == 403
    assert record("api", chernihiv, partnership, data).status_code == 403
    assert partnership.events.count() == 1
