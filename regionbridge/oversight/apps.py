from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OversightConfig(AppConfig):
    name = "regionbridge.oversight"
    verbose_name = _("Oversight")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from regionbridge.outbox.tasks import outbox_at_worker_start
        from regionbridge.oversight.digest import weekly_digests_schedule

        # The weekly digest's hourly job waits in the queue from the worker's start on.
        outbox_at_worker_start(weekly_digests_schedule)
