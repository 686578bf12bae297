from django.contrib import admin

from regionbridge.audit.admin import AuditedAdmin
from regionbridge.organizations.models import ConsularDistrict, ContactChannel, Organization, Person
from regionbridge.organizations.services import organization_refresh_search, person_search_text


@admin.register(Organization)
class OrganizationAdmin(AuditedAdmin):
    list_display = ["name_en", "name_uk", "kind", "region", "is_demo"]
    list_filter = ["kind", "is_demo", "country"]
    search_fields = ["name_en", "name_uk", "short_name_en", "short_name_uk", "key"]
    raw_id_fields = ["region", "parent"]
    list_select_related = ["region"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        organization_refresh_search(organization=obj)


@admin.register(ConsularDistrict)
class ConsularDistrictAdmin(AuditedAdmin):
    list_display = ["region", "mission", "confidence"]
    list_filter = ["mission"]
    raw_id_fields = ["region"]
    list_select_related = ["region", "mission"]


class ContactInline(admin.TabularInline):
    model = ContactChannel
    extra = 1


@admin.register(Person)
class PersonAdmin(AuditedAdmin):
    list_display = ["name_en", "name_uk", "title_en", "organization", "is_demo"]
    list_filter = ["is_demo", "organization__kind"]
    search_fields = ["name_en", "name_uk", "title_en", "title_uk"]
    raw_id_fields = ["organization", "user"]
    inlines = [ContactInline]
    list_select_related = ["organization"]

    def save_model(self, request, obj, form, change):
        obj.search_text = person_search_text(obj)
        super().save_model(request, obj, form, change)
