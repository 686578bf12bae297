"""The back-office: pages open for administrators, changes are audited, others are kept out."""

import pytest

from regionbridge.accounts.models import User
from regionbridge.audit.models import AuditEntry
from regionbridge.organizations.models import Organization
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PAGES = [
    "/admin/",
    "/admin/accounts/user/",
    "/admin/accounts/user/add/",
    "/admin/accounts/apitoken/",
    "/admin/organizations/organization/",
    "/admin/organizations/person/",
    "/admin/organizations/person/add/",
    "/admin/organizations/consulardistrict/",
    "/admin/regions/region/",
    "/admin/regions/country/",
    "/admin/audit/auditentry/",
    "/admin/partnerships/partnership/",
    "/admin/partnerships/partnership/add/",
    "/admin/partnerships/document/",
    "/admin/partnerships/activity/",
    "/admin/partnerships/sphere/",
    "/admin/institutions/institutionlink/",
]


@pytest.fixture
def admin_user(reference):
    return UserFactory(is_staff=True, is_superuser=True)


def test_back_office_pages_open_for_administrators(client, admin_user):
    client.force_login(admin_user)
    for url in PAGES:
        assert client.get(url).status_code == 200, url
    rma = Organization.objects.get(key="rma-UA-18")
    assert client.get(f"/admin/organizations/organization/{rma.pk}/change/").status_code == 200


def test_members_without_back_office_access_are_sent_to_admin_login(client, coordinator):
    client.force_login(coordinator)
    assert client.get("/admin/accounts/user/").status_code == 302


def test_adding_a_user_in_the_back_office_is_audited(client, admin_user):
    client.force_login(admin_user)
    response = client.post(
        "/admin/accounts/user/add/",
        {
            "email": "new.officer@example.org",
            "full_name": "New Officer",
            "language": "uk",
            "usable_password": "true",
            "password1": "Very-Long-Pass-123",
            "password2": "Very-Long-Pass-123",
            "role_assignments-TOTAL_FORMS": "0",
            "role_assignments-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302
    user = User.objects.get(email="new.officer@example.org")
    assert AuditEntry.objects.filter(action="admin.added", target_id=str(user.pk)).exists()


def test_audit_entries_cannot_be_edited_in_the_back_office(client, admin_user):
    client.force_login(admin_user)
    entry = AuditEntry.objects.first() or AuditEntry.objects.create(action="x")
    response = client.post(f"/admin/audit/auditentry/{entry.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
    assert AuditEntry.objects.filter(pk=entry.pk).exists()
