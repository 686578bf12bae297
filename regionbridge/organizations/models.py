from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from regionbridge.lib import languages as language_lib
from regionbridge.lib.i18n import pick
from regionbridge.lib.timezones import timezone_label
from regionbridge.regions.models import Country, NameSortKeys, Region


class OrganizationKind(models.TextChoices):
    PRESIDENTIAL_OFFICE = "presidential_office", _("Office of the President")
    MINISTRY = "ministry", _("ministry")
    EMBASSY = "embassy", _("embassy")
    CONSULATE = "consulate", _("consulate")
    MILITARY_ADMINISTRATION = "military_administration", _("regional military administration")
    REGIONAL_COUNCIL = "regional_council", _("regional council")
    STATE_GOVERNMENT = "state_government", _("state government")
    LOCAL_GOVERNMENT = "local_government", _("local government")
    INSTITUTION = "institution", _("institution")
    OTHER = "other", _("other")


class InstitutionType(models.TextChoices):
    UNIVERSITY = "university", _("university")
    HOSPITAL = "hospital", _("hospital")
    CULTURAL = "cultural", _("cultural institution")
    SPORTS_SCHOOL = "sports_school", _("sports school")
    REHABILITATION = "rehabilitation", _("rehabilitation center")
    SCHOOL = "school", _("school")
    SOCIAL_SERVICE = "social_service", _("social service")
    NGO = "ngo", _("NGO")
    DIASPORA = "diaspora", _("diaspora organization")
    LOCAL_GOVERNMENT = "local_government", _("local government")
    BUSINESS = "business", _("business")
    HONORARY_CONSULATE = "honorary_consulate", _("honorary consulate")
    OTHER = "other", _("other")


# Ukraine's national offices and missions: every member of the platform may reach them.
HUB_KINDS = (
    OrganizationKind.PRESIDENTIAL_OFFICE,
    OrganizationKind.MINISTRY,
    OrganizationKind.EMBASSY,
    OrganizationKind.CONSULATE,
)
MISSION_KINDS = (OrganizationKind.EMBASSY, OrganizationKind.CONSULATE)


class Organization(NameSortKeys):
    key = models.SlugField(
        _("reference key"),
        max_length=80,
        unique=True,
        null=True,
        blank=True,
        help_text=_("Stable key of reference organizations (e.g. rma-UA-18)."),
    )
    kind = models.CharField(_("kind"), max_length=40, choices=OrganizationKind.choices)
    name_en = models.CharField(_("name (English)"), max_length=255)
    name_uk = models.CharField(_("name (Ukrainian)"), max_length=255)
    short_name_en = models.CharField(_("short name (English)"), max_length=80, blank=True)
    short_name_uk = models.CharField(_("short name (Ukrainian)"), max_length=80, blank=True)
    country = models.ForeignKey(
        Country, on_delete=models.PROTECT, related_name="organizations", verbose_name=_("country")
    )
    region = models.ForeignKey(
        Region,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="organizations",
        verbose_name=_("region"),
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="units",
        verbose_name=_("parent organization"),
    )
    institution_type = models.CharField(
        _("type of institution"), max_length=30, choices=InstitutionType.choices, blank=True
    )
    city = models.CharField(_("city or community"), max_length=200, blank=True)
    website = models.URLField(_("website"), blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    is_demo = models.BooleanField(_("demo record"), default=False)
    search_text = models.TextField(editable=False, default="")

    class Meta:
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")
        ordering = ["name_en"]
        # The directory's order (selectors.organizations_for) in each language: a page is read
        # off the index, not sorted out of every organization.
        indexes = [
            models.Index(fields=["kind", "sort_uk", "id"], name="organization_list_uk_idx"),
            models.Index(fields=["kind", "sort_en", "id"], name="organization_list_en_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return pick(self.name_uk, self.name_en)

    @property
    def short_name(self) -> str:
        return pick(self.short_name_uk, self.short_name_en) or self.name


class ConsularDistrict(models.Model):
    """Which Ukrainian mission serves which foreign region; administrators edit it."""

    mission = models.ForeignKey(
        Organization,
        on_delete=models.CASCADE,
        related_name="consular_districts",
        limit_choices_to={"kind__in": MISSION_KINDS},
        verbose_name=_("mission"),
    )
    region = models.OneToOneField(
        Region, on_delete=models.CASCADE, related_name="consular_district", verbose_name=_("region")
    )
    source = models.CharField(_("source"), max_length=500, blank=True)
    confidence = models.CharField(_("confidence"), max_length=40, blank=True)

    class Meta:
        verbose_name = _("consular district")
        verbose_name_plural = _("consular districts")
        ordering = ["region__code"]

    def __str__(self) -> str:
        return f"{self.region.code} → {self.mission}"


class Person(NameSortKeys):
    name_en = models.CharField(_("name (English)"), max_length=200)
    name_uk = models.CharField(_("name (Ukrainian)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=255, blank=True)
    title_uk = models.CharField(_("title (Ukrainian)"), max_length=255, blank=True)
    organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="people",
        verbose_name=_("organization"),
    )
    languages = models.CharField(
        _("languages"), max_length=100, blank=True, help_text=_("ISO 639-1 codes, e.g. uk, en")
    )
    timezone = models.CharField(_("time zone"), max_length=64, blank=True)
    rank = models.PositiveSmallIntegerField(
        _("seniority"), default=100, help_text=_("Lower comes first in the directory.")
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="person",
        verbose_name=_("account"),
    )
    is_demo = models.BooleanField(_("demo record"), default=False)
    search_text = models.TextField(editable=False, default="")

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        ordering = ["rank", "name_en"]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return pick(self.name_uk, self.name_en)

    @property
    def title(self) -> str:
        return pick(self.title_uk, self.title_en)

    @property
    def language_list(self) -> list[str]:
        return [code.strip() for code in self.languages.split(",") if code.strip()]

    @property
    def language_names(self) -> str:
        """In the reader's language: "англійська, українська" / "English, Ukrainian"."""
        return language_lib.language_names(self.language_list)

    @property
    def timezone_name(self) -> str:
        """The time zone for people to read: "Київ (UTC+2)" / "Kyiv (UTC+2)"."""
        return timezone_label(self.timezone)


class ContactKind(models.TextChoices):
    EMAIL = "email", _("e-mail")
    PHONE = "phone", _("phone")
    MOBILE = "mobile", _("mobile")
    SIGNAL = "signal", "Signal"
    WHATSAPP = "whatsapp", "WhatsApp"
    TELEGRAM = "telegram", "Telegram"
    OTHER = "other", _("other")


class ContactChannel(models.Model):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="contacts")
    kind = models.CharField(_("kind"), max_length=20, choices=ContactKind.choices)
    value = models.CharField(_("value"), max_length=255)
    note = models.CharField(_("note"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("contact channel")
        verbose_name_plural = _("contact channels")
        ordering = ["kind", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.value}"
