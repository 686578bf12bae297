from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PartnershipsConfig(AppConfig):
    name = "regionbridge.partnerships"
    verbose_name = _("Partnerships")

    def ready(self) -> None:
        from regionbridge.partnerships.notifications import register

        register()  # how the texts of its notifications are composed
