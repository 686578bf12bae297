from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "regionbridge.core"
    verbose_name = _("Site")

    def ready(self) -> None:
        # The policy registers its rules and its system check (every action has a rule).
        from regionbridge import policy  # noqa: F401
        from regionbridge.core import results

        # Results kept between requests are dropped when the data under them changes.
        results.watch()
