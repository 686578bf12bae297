"""Issue 7, the back office: every registered admin either audits what it changes or changes
nothing; documents, threads and API tokens are not deleted there (tokens are revoked, audited);
Django's Group pages are gone; axes' records are read-only, with an audited unlock; the audit
log keeps no secret nested in a list; axes keeps no CSRF token or address from a failed sign-in."""

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.contrib.auth.models import Group
from django.test import Client, RequestFactory
from django.urls import reverse

from regionbridge.accounts.models import ApiToken
from regionbridge.accounts.services import token_issue
from regionbridge.audit.admin import AuditedAdmin
from regionbridge.audit.models import AuditEntry
from regionbridge.audit.services import REDACTED, audit_record, scrub
from regionbridge.messaging.models import Thread
from regionbridge.messaging.services import thread_create
from regionbridge.partnerships import clearance
from regionbridge.partnerships.models import Document
from regionbridge.partnerships.services import partnership_create
from tests.conftest import region
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_user(reference):
    return UserFactory(is_staff=True, is_superuser=True)


@pytest.fixture
def back_office(client, admin_user):
    client.force_login(admin_user)
    return client


def entries(action: str, target) -> int:
    return AuditEntry.objects.filter(
        action=action, target_type=target._meta.label_lower, target_id=str(target.pk)
    ).count()


# --- the guard: no admin may forget the audit ---------------------------------------------------


def test_every_registered_admin_is_audited_or_read_only(admin_user):
    request = RequestFactory().get("/admin/")
    request.user = admin_user
    unaudited = []
    for model, model_admin in admin.site._registry.items():
        if isinstance(model_admin, AuditedAdmin):
            continue
        changes = (
            model_admin.has_add_permission(request),
            model_admin.has_change_permission(request),
            model_admin.has_delete_permission(request),
            bool(model_admin.get_actions(request)),
        )
        if any(changes):
            unaudited.append((model._meta.label, changes))
    assert unaudited == []


# --- documents, threads, tokens -------------------------------------------------------------------


def delete_both_ways(client: Client, model, pk) -> list[int]:
    """The delete page and the changelist's "Delete selected" action, as a superuser tries them."""
    meta = model._meta
    base = f"/admin/{meta.app_label}/{meta.model_name}/"
    page = client.post(f"{base}{pk}/delete/", {"post": "yes"})
    bulk = client.post(
        base, {"action": "delete_selected", "_selected_action": [str(pk)], "post": "yes"}
    )
    return [page.status_code, bulk.status_code]


def test_a_signed_document_cannot_be_deleted_in_the_back_office(back_office, zhytomyr):
    tie = partnership_create(
        by=None, ukrainian_region=region("UA-18"), partner_region=region("US-IN")
    )
    document = clearance.document_create(partnership=tie, kind="memorandum", by=None)
    Document.objects.filter(pk=document.pk).update(status="signed")
    assert delete_both_ways(back_office, Document, document.pk)[0] == 403
    assert Document.objects.filter(pk=document.pk).exists()
    page = back_office.get(f"/admin/partnerships/document/{document.pk}/change/")
    assert page.status_code == 200 and b"deletelink" not in page.content


def test_a_thread_cannot_be_deleted_in_the_back_office(back_office, zhytomyr, chernihiv):
    thread = thread_create(by=zhytomyr, subject="Visit", users=[chernihiv], body="Hello")
    assert delete_both_ways(back_office, Thread, thread.pk)[0] == 403
    assert Thread.objects.filter(pk=thread.pk).exists()
    assert thread.messages.count() == 1


def test_tokens_are_revoked_never_deleted_and_the_revocation_is_audited(back_office, zhytomyr):
    token, _plain = token_issue(user=zhytomyr, name="reports")
    other, _plain = token_issue(user=zhytomyr, name="sync")
    assert delete_both_ways(back_office, ApiToken, token.pk)[0] == 403
    assert ApiToken.objects.filter(pk=token.pk).exists()
    changelist = back_office.get("/admin/accounts/apitoken/")
    actions = dict(changelist.context["action_form"].fields["action"].choices)
    assert "delete_selected" not in actions and "revoke" in actions

    response = back_office.post(
        "/admin/accounts/apitoken/",
        {"action": "revoke", "_selected_action": [str(token.pk), str(other.pk)]},
    )
    assert response.status_code == 302
    for revoked in (token, other):
        revoked.refresh_from_db()
        assert revoked.revoked_at is not None
        assert entries("token.revoked", revoked) == 1


def test_the_outbox_is_a_read_only_delivery_log(admin_user):
    from regionbridge.outbox.models import OutboundEmail

    request = RequestFactory().get("/admin/")
    request.user = admin_user
    outbox = admin.site._registry[OutboundEmail]
    assert not outbox.has_change_permission(request)
    assert not outbox.has_delete_permission(request)


def test_inline_rows_changed_in_the_back_office_are_audited(back_office, reference):
    from tests.factories import ContactFactory, PersonFactory

    person = PersonFactory()
    contact = ContactFactory(person=person)
    page = back_office.get(f"/admin/organizations/person/{person.pk}/change/")
    form = page.context["adminform"].form
    data = {name: form[name].value() or "" for name in form.fields}
    data = {k: ("" if v is None else v) for k, v in data.items()}
    formset = page.context["inline_admin_formsets"][0].formset
    prefix = formset.prefix
    data.update(
        {
            f"{prefix}-TOTAL_FORMS": "1",
            f"{prefix}-INITIAL_FORMS": "1",
            f"{prefix}-0-id": str(contact.pk),
            f"{prefix}-0-person": str(person.pk),
            f"{prefix}-0-DELETE": "on",
        }
    )
    for name in formset.forms[0].fields:
        if name not in ("id", "person", "DELETE"):
            value = formset.forms[0][name].value()
            data[f"{prefix}-0-{name}"] = "" if value is None else value
    response = back_office.post(f"/admin/organizations/person/{person.pk}/change/", data)
    assert response.status_code == 302, response.context and response.context["errors"]
    assert not type(contact).objects.filter(pk=contact.pk).exists()
    assert AuditEntry.objects.filter(
        action="admin.deleted", target_type=contact._meta.label_lower, target_id=str(contact.pk)
    ).exists()


# --- Django's groups, axes ------------------------------------------------------------------------


def test_groups_are_not_in_the_back_office(back_office):
    assert not admin.site.is_registered(Group)
    assert back_office.get("/admin/auth/group/").status_code == 404


def test_user_admin_offers_no_groups_or_permissions(back_office, zhytomyr):
    page = back_office.get(f"/admin/accounts/user/{zhytomyr.pk}/change/")
    fields = page.context["adminform"].form.fields
    assert "groups" not in fields and "user_permissions" not in fields


def failed_sign_in(email: str) -> str:
    client = Client(enforce_csrf_checks=True)
    login = reverse("accounts:login")
    client.get(login)
    csrf = client.cookies["csrftoken"].value
    client.post(
        login, {"username": email, "password": "Wrong-Password-1", "csrfmiddlewaretoken": csrf}
    )
    return csrf


@pytest.fixture
def axes_on(settings):
    settings.AXES_ENABLED = True


def test_axes_keeps_no_csrf_token_address_or_password_of_a_failed_sign_in(axes_on, zhytomyr):
    csrf = failed_sign_in(zhytomyr.email)
    attempt = AccessAttempt.objects.get()
    assert "csrfmiddlewaretoken" in attempt.post_data  # the field is named, its value not
    for value in (csrf, zhytomyr.email, "Wrong-Password-1"):
        assert value not in attempt.post_data


@pytest.mark.parametrize("model", [AccessAttempt, AccessLog, AccessFailureLog])
def test_axes_records_are_read_only(back_office, admin_user, model):
    request = RequestFactory().get("/admin/")
    request.user = admin_user
    model_admin = admin.site._registry[model]
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)
    actions = set(model_admin.get_actions(request))
    assert actions == ({"unlock"} if model is AccessAttempt else set())


def test_unlocking_an_account_is_audited(axes_on, back_office, zhytomyr):
    failed_sign_in(zhytomyr.email)
    attempt = AccessAttempt.objects.get()
    assert delete_both_ways(back_office, AccessAttempt, attempt.pk)[0] == 403
    assert AccessAttempt.objects.filter(pk=attempt.pk).exists()

    response = back_office.post(
        "/admin/axes/accessattempt/", {"action": "unlock", "_selected_action": [str(attempt.pk)]}
    )
    assert response.status_code == 302
    assert not AccessAttempt.objects.exists()
    entry = AuditEntry.objects.get(action="user.unlocked")
    assert entry.target_id == str(zhytomyr.pk)
    assert entry.changes["account"] == zhytomyr.email and entry.changes["failures"] == 1


# --- the audit log's scrub ------------------------------------------------------------------------


def test_scrub_walks_lists_and_tuples():
    secret = "JBSWY3DPEHPK3PXP"
    changes = {
        "devices": [{"name": "phone", "secret": secret}, ({"otp": "123456"},)],
        "nested": {"rows": [[{"token": "rb_abc"}]]},
        "plain": [1, "two", None],
    }
    clean = scrub(changes)
    assert clean == {
        "devices": [{"name": "phone", "secret": REDACTED}, [{"otp": REDACTED}]],
        "nested": {"rows": [[{"token": REDACTED}]]},
        "plain": [1, "two", None],
    }
    entry = audit_record(actor=None, action="test.nested", changes=changes)
    entry.refresh_from_db()
    assert secret not in str(entry.changes) and "rb_abc" not in str(entry.changes)
