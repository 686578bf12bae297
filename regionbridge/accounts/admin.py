from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm

from regionbridge.accounts.models import ApiToken, RoleAssignment, User
from regionbridge.accounts.services import role_scope_check
from regionbridge.audit.admin import AuditedAdmin


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
        fields = ("email", "full_name", "language")


class RoleInline(admin.TabularInline):
    model = RoleAssignment
    form = RoleForm
    extra = 0
    raw_id_fields = ["region", "organization"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin, AuditedAdmin):
    ordering = ["email"]
    add_form = UserCreateForm
    list_display = ["email", "full_name", "language", "is_active", "is_staff"]
    search_fields = ["email", "full_name"]
    fieldsets = [
        (None, {"fields": ["email", "password", "full_name", "language", "timezone"]}),
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


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "prefix", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["user", "name", "prefix", "digest", "created_at", "last_used_at"]
    list_select_related = ["user"]

    def has_add_permission(self, request):
        return False
