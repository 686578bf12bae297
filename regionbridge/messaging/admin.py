from django.contrib import admin

from regionbridge.messaging.models import OutboundEmail, Thread


@admin.register(Thread)
class ThreadAdmin(admin.ModelAdmin):
    """Subjects and participants only: message text stays between the participants."""

    list_display = ["subject", "kind", "partnership", "last_message_at"]
    list_filter = ["kind"]
    fields = ["subject", "kind", "partnership", "document", "created_by", "created_at"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False


@admin.register(OutboundEmail)
class OutboundEmailAdmin(admin.ModelAdmin):
    """The outbox, for operators: what waits, what failed and why."""

    list_display = ["key", "to", "status", "attempts", "next_attempt_at", "sent_at"]
    list_filter = ["status"]
    search_fields = ["to", "key"]
    fields = ["key", "to", "subject", "status", "attempts", "last_error", "next_attempt_at"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False
