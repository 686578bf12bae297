"""The back office sees meetings and action items to answer a support question; it changes
nothing: times, people, answers and minutes change only through the services, which check the
policy, audit, and tell the invitees."""

from django.contrib import admin

from regionbridge.audit.admin import AuditedAdmin
from regionbridge.meetings.models import ActionItem, CalendarFeed, Meeting


class ReadOnlyAdmin(AuditedAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Meeting)
class MeetingAdmin(ReadOnlyAdmin):
    """Titles, times and status; the purpose and minutes stay between the participants."""

    list_display = ["title", "starts_at", "status", "partnership", "organizer"]
    list_filter = ["status"]
    date_hierarchy = "starts_at"
    search_fields = ["title", "uid"]
    fields = [
        "title",
        "status",
        "partnership",
        "organizer",
        "starts_at",
        "ends_at",
        "uid",
        "sequence",
        "thread",
        "created_at",
        "updated_at",
    ]
    readonly_fields = fields
    list_select_related = ["partnership", "organizer"]


@admin.register(ActionItem)
class ActionItemAdmin(ReadOnlyAdmin):
    list_display = ["title", "owner", "due", "status", "partnership"]
    list_filter = ["status"]
    date_hierarchy = "due"
    fields = [
        "title",
        "owner",
        "due",
        "status",
        "meeting",
        "thread",
        "partnership",
        "created_by",
        "created_at",
        "closed_at",
    ]
    readonly_fields = fields
    list_select_related = ["owner", "partnership"]


@admin.register(CalendarFeed)
class CalendarFeedAdmin(AuditedAdmin):
    """Feeds can be seen and revoked (deleted) for a person who lost a device; the secret
    address itself is never kept, only its digest, which is not shown."""

    list_display = ["user", "created_at", "revoked_at", "last_used_at"]
    fields = ["user", "created_at", "revoked_at", "last_used_at"]
    readonly_fields = fields
    list_select_related = ["user"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False
