from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "regionbridge.accounts"
    verbose_name = _("Accounts and roles")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in, user_logged_out

        from regionbridge.accounts.middleware import session_ended, session_started

        user_logged_in.connect(session_started, dispatch_uid="regionbridge.session_started")
        user_logged_out.connect(session_ended, dispatch_uid="regionbridge.session_ended")
