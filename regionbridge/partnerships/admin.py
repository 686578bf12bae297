from django.contrib import admin

from regionbridge.audit.admin import AuditedAdmin
from regionbridge.partnerships.models import (
    Activity,
    Document,
    Partnership,
    PartnershipEvent,
    Sphere,
)


@admin.register(Sphere)
class SphereAdmin(AuditedAdmin):
    list_display = ["code", "name_en", "name_uk", "order"]
    list_editable = ["order"]


class EventInline(admin.TabularInline):
    """Read-only: events are recorded through the lifecycle rules, never edited in place."""

    model = PartnershipEvent
    extra = 0
    can_delete = False
    fields = [
        "occurred_on",
        "kind",
        "stage_after",
        "instrument_uk",
        "instrument_en",
        "source",
        "order_number",
        "confidence",
    ]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Partnership)
class PartnershipAdmin(AuditedAdmin):
    list_display = ["__str__", "stage", "stage_since", "confidential", "is_demo"]
    list_filter = ["stage", "confidential", "is_demo", "spheres"]
    search_fields = [
        "partner_name_uk",
        "partner_name_en",
        "ukrainian_side_uk",
        "ukrainian_side_en",
        "ukrainian_region__name_en",
        "ukrainian_region__name_uk",
    ]
    raw_id_fields = [
        "ukrainian_region",
        "partner_region",
        "ukrainian_organization",
        "partner_organization",
        "ukrainian_lead",
        "partner_lead",
    ]
    readonly_fields = ["stage", "stage_since", "last_event_on", "created_at", "created_by"]
    filter_horizontal = ["spheres"]
    inlines = [EventInline]
    list_select_related = ["ukrainian_region", "partner_region"]


@admin.register(Document)
class DocumentAdmin(AuditedAdmin):
    """Status changes go through the clearance workflow on the site; here it is read-only. Not
    deletable either: deleting a document would take its versions, signatories and reviews with
    it and step around the clearance, with no trace of a signed text ever having existed."""

    list_display = ["__str__", "partnership", "kind", "status", "signed_on", "valid_until"]
    list_filter = ["status", "kind"]
    readonly_fields = [f.name for f in Document._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Activity)
class ActivityAdmin(AuditedAdmin):
    list_display = ["__str__", "kind", "starts_on", "is_public", "is_demo"]
    list_filter = ["kind", "is_public", "is_demo"]
    raw_id_fields = ["partnership", "link", "institutions"]
