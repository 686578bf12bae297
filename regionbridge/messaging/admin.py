from django.contrib import admin

from regionbridge.messaging.models import Thread


@admin.register(Thread)
class ThreadAdmin(admin.ModelAdmin):
    """Subjects and participants only: message text stays between the participants."""

    list_display = ["subject", "kind", "partnership", "last_message_at"]
    list_filter = ["kind"]
    fields = ["subject", "kind", "partnership", "document", "created_by", "created_at"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False
