from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from regionbridge.lib.collation import KEY_LENGTH, name_sort_keys
from regionbridge.lib.i18n import pick
from regionbridge.lib.timezones import timezone_label


class RegionKind(models.TextChoices):
    OBLAST = "oblast", _("oblast")
    CITY_SPECIAL_STATUS = "city_special_status", _("city with special status")
    AUTONOMOUS_REPUBLIC = "autonomous_republic", _("autonomous republic")
    STATE = "state", _("state")
    FEDERAL_DISTRICT = "federal_district", _("federal district")
    OUTLYING_AREA = "outlying_area", _("outlying area")
    PROVINCE = "province", _("province")
    COUNTY = "county", _("county")
    CITY = "city", _("city")
    OTHER = "other", _("other subdivision")


class NameSortKeys(models.Model):
    """Sort keys kept beside `name_uk` and `name_en` (lib/collation.py), for lists that order by
    name in SQL in the page's language (`name_order()`). Every save refreshes them; bulk writes,
    which skip `save`, call `fill_sort_keys` on each row themselves."""

    sort_uk = models.CharField(max_length=KEY_LENGTH, editable=False, default="")
    sort_en = models.CharField(max_length=KEY_LENGTH, editable=False, default="")

    name_uk: Any
    name_en: Any

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.fill_sort_keys()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and {"name_uk", "name_en"} & set(update_fields):
            kwargs["update_fields"] = {*update_fields, "sort_uk", "sort_en"}
        super().save(*args, **kwargs)

    def fill_sort_keys(self) -> None:
        self.sort_uk, self.sort_en = name_sort_keys(self.name_uk, self.name_en)


class Country(NameSortKeys):
    """An ISO 3166-1 country."""

    code = models.CharField(_("ISO code"), max_length=2, unique=True)
    alpha3 = models.CharField(max_length=3)
    name_en = models.CharField(_("name (English)"), max_length=200)
    name_uk = models.CharField(_("name (Ukrainian)"), max_length=200)
    search_text = models.TextField(editable=False, default="")

    class Meta:
        verbose_name = _("country")
        verbose_name_plural = _("countries")
        ordering = ["name_en"]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return pick(self.name_uk, self.name_en)


class Region(NameSortKeys):
    """An ISO 3166-2 subdivision: an oblast, a state, a city with special status…"""

    code = models.CharField(_("ISO code"), max_length=10, unique=True)
    country = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="regions")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="children"
    )
    kind = models.CharField(_("kind"), max_length=30, choices=RegionKind.choices)
    iso_type = models.CharField(_("ISO 3166-2 type"), max_length=100, blank=True)
    name_en = models.CharField(_("name (English)"), max_length=200)
    name_uk = models.CharField(_("name (Ukrainian)"), max_length=200)
    aliases = models.TextField(
        _("aliases"), blank=True, help_text=_("Other spellings, one per line; searchable.")
    )
    timezone = models.CharField(_("time zone"), max_length=64, blank=True)
    search_text = models.TextField(editable=False, default="")

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        ordering = ["country__code", "name_en"]
        # The regions index (selectors.region_list) reads a country's page off one of these.
        indexes = [
            models.Index(fields=["country", "sort_uk", "id"], name="region_list_uk_idx"),
            models.Index(fields=["country", "sort_en", "id"], name="region_list_en_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return pick(self.name_uk, self.name_en)

    @property
    def timezone_name(self) -> str:
        """The time zone for people to read: "Київ (UTC+2)" / "Kyiv (UTC+2)"."""
        return timezone_label(self.timezone)

    @property
    def alias_list(self) -> list[str]:
        return [a for a in self.aliases.splitlines() if a.strip()]
