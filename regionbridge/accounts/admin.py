import axes.admin as axes_admin
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from regionbridge.accounts.lockout import lockout_clear
from regionbridge.accounts.models import ApiToken, RoleAssignment, User
from regionbridge.accounts.services import role_assign, role_revoke, role_scope_check, token_revoke
from regionbridge.audit.admin import AuditedAdmin
from regionbridge.audit.services import audit_record


class RoleForm(forms.ModelForm):
    class Meta:
        model = RoleAssignment
        fields = ["role", "region", "organization"]

    def clean(self):
        data = super().clean()
        role_scope_check(data.get("role"), data.get("region"), data.get("organization"))
        return data


class UserCreateForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email", "full_name", "full_name_en", "language")


class RoleInline(admin.TabularInline):
    model = RoleAssignment
    form = RoleForm
    extra = 0
    raw_id_fields = ["region", "organization"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin, AuditedAdmin):
    ordering = ["email"]
    add_form = UserCreateForm
    list_display = ["email", "full_name", "full_name_en", "language", "is_active", "is_staff"]
    search_fields = ["email", "full_name", "full_name_en"]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "email",
                    "password",
                    "full_name",
                    "full_name_en",
                    "language",
                    "timezone",
                ]
            },
        ),
        ("Access", {"fields": ["is_active", "is_staff", "is_superuser"]}),
    ]
    add_fieldsets = [
        (
            None,
            {
                "classes": ["wide"],
                "fields": [
                    "email",
                    "full_name",
                    "full_name_en",
                    "language",
                    "usable_password",
                    "password1",
                    "password2",
                ],
            },
        )
    ]
    filter_horizontal: list[str] = []
    list_filter = ["is_active", "is_staff", "language"]
    inlines = [RoleInline]

    def save_formset(self, request, form, formset, change):
        """Roles change only through the services, which check the scope and audit the change."""
        if formset.model is not RoleAssignment:
            return super().save_formset(request, form, formset, change)
        with transaction.atomic():
            for assignment in formset.save(commit=False):
                if assignment.pk is not None:  # an edited row: the old grant ends, a new begins
                    role_revoke(
                        assignment=RoleAssignment.objects.get(pk=assignment.pk), by=request.user
                    )
                role_assign(
                    user=form.instance,
                    role=assignment.role,
                    region=assignment.region,
                    organization=assignment.organization,
                    by=request.user,
                )
            for assignment in formset.deleted_objects:
                role_revoke(assignment=assignment, by=request.user)

    def user_change_password(self, request, id, form_url=""):
        response = super().user_change_password(request, id, form_url)
        if request.method == "POST" and response.status_code == 302:
            audit_record(
                actor=request.user,
                action="admin.password_changed",
                target=User.objects.get(pk=id),
            )
        return response


@admin.register(ApiToken)
class ApiTokenAdmin(AuditedAdmin):
    """Tokens are revoked, never deleted: a deleted token leaves no `token.revoked` entry and no
    row to tell which calls it made. Revoking goes through the service, which audits it."""

    list_display = ["name", "user", "prefix", "created_at", "last_used_at", "revoked_at"]
    fields = ["user", "name", "prefix", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = fields
    list_select_related = ["user"]
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_revoke_permission(self, request) -> bool:
        return request.user.has_perm("accounts.change_apitoken")

    @admin.action(description=_("Revoke the selected tokens"), permissions=["revoke"])
    def revoke(self, request, queryset):
        for token in queryset:
            token_revoke(token=token, by=request.user)


# Groups and their permissions are not used (roles are RoleAssignments, given through the
# services, and UserAdmin shows no groups); Django's Group pages would change rights unaudited.
if admin.site.is_registered(Group):
    admin.site.unregister(Group)


class ReadOnlyAxesAdmin:
    """Sign-in attempts are evidence: nobody adds, edits or deletes them in the back office
    (deleting one silently unlocked an account); axes' own clean-up action goes too."""

    actions: list[str] = []

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class AccessAttemptAdmin(ReadOnlyAxesAdmin, AuditedAdmin, axes_admin.AccessAttemptAdmin):
    """A coordinator may unlock a locked-out account: the attempts are forgotten through
    `lockout_clear`, which audits each one."""

    actions = ["unlock"]

    def has_unlock_permission(self, request) -> bool:
        return request.user.has_perm("axes.delete_accessattempt")

    @admin.action(
        description=_("Unlock: forget the selected failed sign-ins"), permissions=["unlock"]
    )
    def unlock(self, request, queryset):
        count = lockout_clear(attempts=queryset, by=request.user)
        self.message_user(
            request,
            ngettext(
                "%(count)d failed sign-in forgotten.", "%(count)d failed sign-ins forgotten.", count
            )
            % {"count": count},
        )


class AccessLogAdmin(ReadOnlyAxesAdmin, axes_admin.AccessLogAdmin):
    pass


class AccessFailureLogAdmin(ReadOnlyAxesAdmin, axes_admin.AccessFailureLogAdmin):
    pass


for model, model_admin in (
    (AccessAttempt, AccessAttemptAdmin),
    (AccessLog, AccessLogAdmin),
    (AccessFailureLog, AccessFailureLogAdmin),
):
    if admin.site.is_registered(model):
        admin.site.unregister(model)
        admin.site.register(model, model_admin)
