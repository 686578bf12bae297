"""Activities of an institution link, recorded on their own page."""

import pytest
from django.urls import reverse

from regionbridge.institutions.services import link_create
from regionbridge.organizations.models import Organization
from regionbridge.partnerships.models import Activity
from tests.conftest import region
from tests.factories import OrganizationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def link(institution_user):
    hospital = Organization.objects.get(name_en="Zhytomyr Test Hospital")
    partner = OrganizationFactory(name_en="Vincennes Test Clinic", region=region("US-IN"))
    return link_create(by=None, ukrainian_institution=hospital, partner_institution=partner)


def test_the_institution_records_an_exchange(client, link, institution_user):
    client.force_login(institution_user)
    url = reverse("institutions:link_activity", args=[link.pk])
    response = client.post(
        url,
        {
            "kind": "doctor_exchange",
            "title_en": "Two nurses in Vincennes",
            "starts_on": "2026-10-01",
            "ends_on": "2026-10-14",
            "is_public": "on",
        },
    )
    assert response.status_code == 302
    activity = Activity.objects.get()
    assert activity.link == link and activity.is_public
    assert set(activity.institutions.all()) == {
        link.ukrainian_institution,
        link.partner_institution,
    }


def test_an_activity_that_ends_before_it_starts_is_refused(client, link, institution_user):
    client.force_login(institution_user)
    response = client.post(
        reverse("institutions:link_activity", args=[link.pk]),
        {
            "kind": "training",
            "title_en": "Backwards",
            "starts_on": "2026-10-10",
            "ends_on": "2026-10-01",
        },
    )
    assert response.status_code == 400
    assert not Activity.objects.exists()


def test_a_partner_official_may_look_but_not_record(client, link, indiana):
    client.force_login(indiana)
    response = client.get(reverse("institutions:link_activity", args=[link.pk]))
    assert response.status_code == 403
