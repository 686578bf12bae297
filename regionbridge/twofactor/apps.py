from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TwofactorConfig(AppConfig):
    name = "regionbridge.twofactor"
    verbose_name = _("Second factor")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from regionbridge.twofactor.gate import signed_in

        user_logged_in.connect(signed_in, dispatch_uid="twofactor.signed_in")
