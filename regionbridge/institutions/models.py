from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from regionbridge.organizations.models import Organization
from regionbridge.partnerships.models import Partnership, Sphere, validate_registry_date


class LinkStatus(models.TextChoices):
    PROPOSED = "proposed", _("proposed")
    ACTIVE = "active", _("active")
    DORMANT = "dormant", _("dormant")
    ENDED = "ended", _("ended")


class InstitutionLink(models.Model):
    """A tie between two institutions (a hospital in Zhytomyr and one in Indianapolis; Ovruch
    and Vincennes), under a partnership or standalone."""

    ukrainian_institution = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="+", verbose_name=_("in Ukraine")
    )
    partner_institution = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="+", verbose_name=_("abroad")
    )
    partnership = models.ForeignKey(
        Partnership,
        # Never SET_NULL: a link under a confidential negotiation would become a standalone link
        # that every member sees. A partnership with links is not deleted.
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="links",
        verbose_name=_("partnership"),
    )
    spheres = models.ManyToManyField(Sphere, blank=True, verbose_name=_("spheres"))
    status = models.CharField(
        _("status"), max_length=20, choices=LinkStatus.choices, default=LinkStatus.PROPOSED
    )
    description = models.TextField(_("description"), blank=True)
    started_on = models.DateField(
        _("since"), null=True, blank=True, validators=[validate_registry_date]
    )
    is_demo = models.BooleanField(_("demo record"), default=False)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("institution link")
        verbose_name_plural = _("institution links")
        ordering = ["-started_on", "-id"]

    def __str__(self) -> str:
        return f"{self.ukrainian_institution} – {self.partner_institution}"
