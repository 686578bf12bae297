from django.contrib import admin

from regionbridge.audit.admin import AuditedAdmin
from regionbridge.institutions.models import InstitutionLink


@admin.register(InstitutionLink)
class InstitutionLinkAdmin(AuditedAdmin):
    list_display = ["__str__", "status", "partnership", "is_demo"]
    list_filter = ["status", "is_demo"]
    raw_id_fields = ["ukrainian_institution", "partner_institution", "partnership"]
    filter_horizontal = ["spheres"]
