from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MeetingsConfig(AppConfig):
    name = "regionbridge.meetings"
    verbose_name = _("Meetings")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from regionbridge.meetings import invitations, notifications
        from regionbridge.messaging import inbound

        notifications.register()
        # A calendar's accept or decline comes back through mailgate like any reply.
        inbound.register_calendar_reply(invitations.calendar_reply_receive)
