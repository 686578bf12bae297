from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrganizationsConfig(AppConfig):
    name = "regionbridge.organizations"
    verbose_name = _("Organizations and people")

    def ready(self) -> None:
        from django.db import connections
        from django.db.models.signals import post_migrate

        from regionbridge.organizations import search_index

        def ensure_search_index(using: str = "default", **_kwargs: object) -> None:
            search_index.ensure(connections[using])

        post_migrate.connect(
            ensure_search_index, sender=self, weak=False, dispatch_uid="search_index"
        )
