from django.contrib import admin

from regionbridge.audit.admin import AuditedAdmin
from regionbridge.regions.models import Country, Region
from regionbridge.regions.services import kind_labels, region_search_text


@admin.register(Country)
class CountryAdmin(AuditedAdmin):
    list_display = ["code", "name_en", "name_uk"]
    search_fields = ["code", "name_en", "name_uk"]


@admin.register(Region)
class RegionAdmin(AuditedAdmin):
    list_display = ["code", "name_en", "name_uk", "kind", "timezone"]
    list_filter = ["kind", "country"]
    search_fields = ["code", "name_en", "name_uk", "aliases"]
    raw_id_fields = ["parent"]
    list_select_related = ["country"]

    def save_model(self, request, obj, form, change):
        obj.search_text = region_search_text(obj, kind_labels())
        super().save_model(request, obj, form, change)
