from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MatchingConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "regionbridge.matching"
    verbose_name = _("needs and offers")

    def ready(self) -> None:
        from regionbridge.matching import notifications

        notifications.register()
