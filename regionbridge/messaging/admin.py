from django.contrib import admin

from regionbridge.audit.admin import AuditedAdmin
from regionbridge.messaging.models import Thread


@admin.register(Thread)
class ThreadAdmin(AuditedAdmin):
    """Subjects and participants only: message text stays between the participants. Read-only:
    deleting a thread here would take every message with it, with no trace and no word to the
    participants; threads change only through the messaging services."""

    list_display = ["subject", "kind", "partnership", "last_message_at"]
    list_filter = ["kind"]
    fields = ["subject", "kind", "partnership", "document", "created_by", "created_at"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
