from django.contrib import admin

from regionbridge.outbox.models import OutboundEmail


@admin.register(OutboundEmail)
class OutboundEmailAdmin(admin.ModelAdmin):
    """The outbox, for operators: what waits, what failed and why. Read-only: it is the delivery
    log, so deleting or editing a row would silently drop or rewrite a notice (a clearance, an
    invitation) and the record that it was ever sent; retries belong to the outbox worker."""

    list_display = ["key", "to", "status", "attempts", "next_attempt_at", "sent_at"]
    list_filter = ["status"]
    search_fields = ["to", "key"]
    fields = ["key", "to", "subject", "status", "attempts", "last_error", "next_attempt_at"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
