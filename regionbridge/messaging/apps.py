from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MessagingConfig(AppConfig):
    name = "regionbridge.messaging"
    verbose_name = _("Direct contacts")

    def ready(self) -> None:
        from regionbridge.accounts.signals import user_created
        from regionbridge.messaging.notifications import register as register_notifications
        from regionbridge.messaging.services import (
            guests_claim_on_signup,
            notification_gather,
            notification_render,
            notifications_render,
        )
        from regionbridge.outbox.tasks import (
            outbox_coalesce_messages_with,
            outbox_render_messages_with,
        )

        # Someone who took part by e-mail as a guest takes part with their new account.
        user_created.connect(guests_claim_on_signup, dispatch_uid="regionbridge.guests_claim")
        outbox_render_messages_with(notification_render)
        # A person's e-mails of one thread within a few minutes leave as one; none for what
        # they have read in the browser.
        outbox_coalesce_messages_with(gather=notification_gather, render=notifications_render)
        register_notifications()  # how the texts of its in-app notifications are composed
