from django import forms
from django.contrib import admin
from django.db import models

from regionbridge.audit.models import AuditEntry
from regionbridge.audit.services import REDACTED, audit_record
from regionbridge.lib.forms import ModelMultipleChoiceField


def form_changes(form: forms.BaseForm) -> dict:
    """What a back-office form changed; a field the form shows as a password is named, never
    recorded (audit_record also refuses values of fields named like secrets)."""
    changes = {}
    for name in form.changed_data:
        field = form.fields.get(name)
        if field is not None and isinstance(field.widget, forms.PasswordInput):
            changes[name] = REDACTED
        else:
            changes[name] = form.cleaned_data.get(name)
    return changes


class AuditedAdmin(admin.ModelAdmin):
    """Back-office changes land in the audit log like any other change."""

    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        kwargs.setdefault("form_class", ModelMultipleChoiceField)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        audit_record(
            actor=request.user,
            action=f"admin.{'changed' if change else 'added'}",
            target=obj,
            changes=form_changes(form),
        )

    def delete_model(self, request, obj):
        audit_record(actor=request.user, action="admin.deleted", target=obj)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            audit_record(actor=request.user, action="admin.deleted", target=obj)
        super().delete_queryset(request, queryset)

    def save_formset(self, request, form, formset, change):
        """Rows of an inline (a person's contacts) are changes too: each added, changed or
        deleted row gets its entry. Deleted rows are recorded first, while they still have a key;
        the admin saves in one transaction, so a failed save leaves no entry behind."""
        for row in formset.deleted_forms:
            if row.instance.pk is not None:
                audit_record(actor=request.user, action="admin.deleted", target=row.instance)
        super().save_formset(request, form, formset, change)
        changed = {obj.pk: fields for obj, fields in getattr(formset, "changed_objects", [])}
        for row in formset.forms:
            obj = row.instance
            if row in formset.deleted_forms or obj.pk is None:
                continue
            if obj in getattr(formset, "new_objects", []):
                action = "admin.added"
            elif obj.pk in changed:
                action = "admin.changed"
            else:
                continue
            audit_record(actor=request.user, action=action, target=obj, changes=form_changes(row))


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
