from django.contrib import admin
from django.db import models

from regionbridge.audit.models import AuditEntry
from regionbridge.audit.services import audit_record


class AuditedAdmin(admin.ModelAdmin):
    """Back-office changes land in the audit log like any other change."""

    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        audit_record(
            actor=request.user,
            action=f"admin.{'changed' if change else 'added'}",
            target=obj,
            changes={field: form.cleaned_data.get(field) for field in form.changed_data},
        )

    def delete_model(self, request, obj):
        audit_record(actor=request.user, action="admin.deleted", target=obj)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            audit_record(actor=request.user, action="admin.deleted", target=obj)
        super().delete_queryset(request, queryset)


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ["at", "actor_label", "action", "target_label", "source"]
    list_filter = ["action"]
    search_fields = ["actor_label", "action", "target_label", "target_id"]
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
