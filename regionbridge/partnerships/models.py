import re
from datetime import date
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from regionbridge.lib.collation import KEY_LENGTH, name_sort_keys
from regionbridge.lib.i18n import Shown, by_script, pick, shown
from regionbridge.organizations.models import Organization, Person
from regionbridge.partnerships.lifecycle import EventKind, Stage, State
from regionbridge.regions.models import Region

# The dates the registry takes: wide enough for every tie since before Ukraine's independence
# and for a long validity, narrow enough that a typo (9999-12-31, 0001-01-01) is caught.
EARLIEST_DATE = date(1950, 1, 1)
LATEST_DATE = date(2100, 12, 31)


def bilingual(name: str, doc: str = "") -> property:
    """A value kept in both languages, in the columns `<name>_uk` and `<name>_en`.

    Reading it gives the reader's language, falling back to the other (a `Shown`, which pages
    mark with its language when it is the other one). Setting it is for a value that comes in
    one language only (an old API field, a data file): it goes to the column its letters say,
    and, when it changes that value, the other language's is cleared, which would still name
    the old one."""
    uk, en = f"{name}_uk", f"{name}_en"

    def get(self) -> Shown:
        return shown(getattr(self, uk), getattr(self, en))

    def set_(self, value: str) -> None:
        value = (value or "").strip()
        column, other = (uk, en) if by_script(value)[0] else (en, uk)
        if getattr(self, column) != value:
            setattr(self, column, value)
            setattr(self, other, "")

    return property(get, set_, doc=doc or f"{name} in the reader's language")


def validate_registry_date(value: date) -> None:
    if not EARLIEST_DATE <= value <= LATEST_DATE:
        raise ValidationError(
            _("Enter a date between %(earliest)s and %(latest)s."),
            code="date_range",
            params={"earliest": EARLIEST_DATE.isoformat(), "latest": LATEST_DATE.isoformat()},
        )


class Sphere(models.Model):
    """A sphere of cooperation (culture, education, energy…); editable reference data."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_en = models.CharField(_("name (English)"), max_length=100)
    name_uk = models.CharField(_("name (Ukrainian)"), max_length=100)
    order = models.PositiveSmallIntegerField(pgettext_lazy("sorting", "position"), default=100)

    class Meta:
        verbose_name = _("sphere")
        verbose_name_plural = _("spheres")
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return pick(self.name_uk, self.name_en)


class PartnerKind(models.TextChoices):
    REGION = "region", _("region (state, province)")
    COUNTY = "county", _("county")
    CITY = "city", _("city")


class Partnership(models.Model):
    """A tie between a Ukrainian region and a foreign region, county or city.

    `stage`, `stage_since` and `last_event_on` are what the dated events add up to today, stored
    so that lists filter, sort, count and page in SQL; only the services write them
    (`partnership_record_event` for one event, `partnerships_restage` for bulk loads).
    """

    ukrainian_region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("Ukrainian region")
    )
    ukrainian_side_uk = models.CharField(
        _("Ukrainian side (Ukrainian)"),
        max_length=255,
        blank=True,
        help_text=_("The signing body, e.g. the oblast military administration or council."),
    )
    ukrainian_side_en = models.CharField(_("Ukrainian side (English)"), max_length=255, blank=True)
    ukrainian_organization = models.ForeignKey(
        Organization,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("Ukrainian organization"),
    )
    partner_region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("partner region")
    )
    partner_kind = models.CharField(
        _("partner is a"), max_length=20, choices=PartnerKind.choices, default=PartnerKind.REGION
    )
    partner_name_uk = models.CharField(
        _("partner side (Ukrainian)"),
        max_length=255,
        blank=True,
        help_text=_("e.g. штат Індіана; округ Ольстер, Нью-Йорк"),
    )
    partner_name_en = models.CharField(
        _("partner side (English)"),
        max_length=255,
        blank=True,
        help_text=_("e.g. State of Indiana; Ulster County, NY"),
    )
    # Keys of the partner as lists show it (`partner_display`), for Ukrainian and English
    # alphabetical order in SQL (lib.collation); `save()` keeps them in step with the names.
    partner_sort_uk = models.CharField(max_length=KEY_LENGTH, default="", editable=False)
    partner_sort_en = models.CharField(max_length=KEY_LENGTH, default="", editable=False)
    partner_organization = models.ForeignKey(
        Organization,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("partner organization"),
    )
    spheres = models.ManyToManyField(Sphere, blank=True, verbose_name=_("spheres"))
    confidential = models.BooleanField(
        _("confidential"),
        default=False,
        help_text=_(
            "Only coordinators, the ministries, the embassy of that country and the two sides "
            "see it."
        ),
    )
    ukrainian_lead = models.ForeignKey(
        Person,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("Ukrainian lead contact"),
    )
    partner_lead = models.ForeignKey(
        Person,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("partner lead contact"),
    )
    next_step_uk = models.CharField(_("next step (Ukrainian)"), max_length=500, blank=True)
    next_step_en = models.CharField(_("next step (English)"), max_length=500, blank=True)
    next_step_due = models.DateField(
        _("next step due"), null=True, blank=True, validators=[validate_registry_date]
    )
    stage = models.CharField(_("stage"), max_length=30, choices=Stage.choices, blank=True)
    stage_since = models.DateField(_("stage since"), null=True, blank=True)
    last_event_on = models.DateField(_("last event"), null=True, blank=True)
    is_demo = models.BooleanField(_("demo record"), default=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("partnership")
        verbose_name_plural = _("partnerships")
        ordering = ["ukrainian_region__sort_uk", "partner_sort_uk", "id"]
        # One tie per partner side (its name in either language, in any case), and one with the
        # partner region itself; services.partnership_create checks first and turns a lost race
        # into a 409.
        constraints = [
            models.UniqueConstraint(
                "ukrainian_region",
                "partner_region",
                Lower("partner_name_uk"),
                condition=~models.Q(partner_name_uk=""),
                name="unique_partnership_sides_uk",
                violation_error_message=_("This partnership already exists."),
            ),
            models.UniqueConstraint(
                "ukrainian_region",
                "partner_region",
                Lower("partner_name_en"),
                condition=~models.Q(partner_name_en=""),
                name="unique_partnership_sides_en",
                violation_error_message=_("This partnership already exists."),
            ),
            models.UniqueConstraint(
                fields=["ukrainian_region", "partner_region"],
                condition=models.Q(partner_kind="region"),
                name="one_regional_partnership_per_pair",
                violation_error_message=_("This partnership already exists."),
            ),
        ]
        indexes = [
            models.Index(fields=["stage", "last_event_on"], name="partnership_stage_idx"),
            models.Index(fields=["last_event_on"], name="partnership_last_event_idx"),
            models.Index(
                fields=["ukrainian_region", "partner_sort_uk", "id"],
                name="partnership_partner_uk_idx",
            ),
            models.Index(
                fields=["ukrainian_region", "partner_sort_en", "id"],
                name="partnership_partner_en_idx",
            ),
        ]

    ukrainian_side = bilingual("ukrainian_side")
    partner_name = bilingual("partner_name")
    next_step = bilingual("next_step")

    # A change to these moves the partner's place in the alphabetical order.
    SORTED_BY = frozenset({"partner_name_uk", "partner_name_en", "partner_kind", "partner_region"})

    def __str__(self) -> str:
        return f"{self.ukrainian_region} – {self.partner_display}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        update_fields = kwargs.get("update_fields")
        if update_fields is None:
            self.partner_sort_uk, self.partner_sort_en = self.partner_sort_keys()
        elif self.SORTED_BY & set(update_fields):
            self.partner_sort_uk, self.partner_sort_en = self.partner_sort_keys()
            kwargs["update_fields"] = {*update_fields, "partner_sort_uk", "partner_sort_en"}
        super().save(*args, **kwargs)

    def partner_sort_keys(self) -> tuple[str, str]:
        """`(partner_sort_uk, partner_sort_en)`: the keys of the partner as lists show it."""
        if self.partner_kind == PartnerKind.REGION and self.partner_region_id:
            region = self.partner_region
            return name_sort_keys(region.name_uk, region.name_en)
        return name_sort_keys(self.partner_name_uk, self.partner_name_en)

    @property
    def state(self) -> State:
        """The stage on the list's date: annotated by `selectors.partnerships_for` for a past
        date (`day_stage`, `day_since`), else the stored stage of today."""
        if hasattr(self, "day_stage"):
            return State(self.day_stage or None, self.day_since)
        return State(self.stage or None, self.stage_since)

    @property
    def partner_display(self) -> str:
        if self.partner_kind == PartnerKind.REGION:
            return self.partner_region.name
        return self.partner_name


class Confidence(models.TextChoices):
    CONFIRMED = "confirmed", _("confirmed")
    REPORTED = "reported", _("reported")
    UNVERIFIED = "unverified", _("unverified")


class DatePrecision(models.TextChoices):
    DAY = "day", _("day")
    MONTH = "month", _("month")
    YEAR = "year", _("year")


class PartnershipEvent(models.Model):
    """One dated step in a partnership's history: who recorded it, when, why, with a source."""

    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("event"), max_length=40, choices=EventKind.choices)
    occurred_on = models.DateField(_("date"), validators=[validate_registry_date])
    date_precision = models.CharField(
        _("date known to the"), max_length=10, choices=DatePrecision.choices, default="day"
    )
    stage_after = models.CharField(_("stage after"), max_length=30, choices=Stage.choices)
    # The date the stage after this event began: with `stage_after`, the state on any day is
    # the last event on or before it, one indexed lookup instead of a replay.
    stage_since = models.DateField(_("stage since"), null=True, blank=True)
    signed_level = models.CharField(
        _("instrument reaches"),
        max_length=30,
        choices=Stage.choices,
        blank=True,
        help_text=_("For signings, renewals and resolutions: memorandum or agreement."),
    )
    instrument_uk = models.CharField(_("instrument (Ukrainian)"), max_length=255, blank=True)
    instrument_en = models.CharField(_("instrument (English)"), max_length=255, blank=True)
    document = models.ForeignKey(
        "partnerships.Document",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="events",
        verbose_name=_("document"),
    )
    signatories_uk = models.CharField(_("signatories (Ukrainian)"), max_length=500, blank=True)
    signatories_en = models.CharField(_("signatories (English)"), max_length=500, blank=True)
    place_uk = models.CharField(_("place (Ukrainian)"), max_length=255, blank=True)
    place_en = models.CharField(_("place (English)"), max_length=255, blank=True)
    online = models.BooleanField(_("online"), default=False)
    reason = models.TextField(_("reason / note"), blank=True)
    source = models.CharField(_("source"), max_length=500, blank=True)
    # For a draft approved by order: the order's number, which pages compose into "Order No. …
    # of the Ministry for Development" in the reader's language.
    order_number = models.CharField(_("order number"), max_length=100, blank=True)
    confidence = models.CharField(
        _("confidence"), max_length=20, choices=Confidence.choices, default=Confidence.CONFIRMED
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded"), default=timezone.now)

    class Meta:
        verbose_name = _("partnership event")
        verbose_name_plural = _("partnership events")
        ordering = ["occurred_on", "id"]
        indexes = [
            models.Index(
                fields=["partnership", "occurred_on", "id"], name="partnership_event_day_idx"
            )
        ]

    instrument = bilingual("instrument")
    signatories = bilingual("signatories")
    place = bilingual("place")

    def __str__(self) -> str:
        return f"{self.occurred_on} {self.get_kind_display()}"

    @property
    def order_label(self) -> str:
        """The order of a draft's approval, in the reader's language (composed, never stored)."""
        if not self.order_number:
            return ""
        return gettext("Order No. %(number)s of the Ministry for Development") % {
            "number": order_number_bare(self.order_number)
        }


class InstrumentKind(models.TextChoices):
    MEMORANDUM = "memorandum", _("memorandum of understanding")
    LETTER_OF_INTENT = "letter_of_intent", _("letter of intent")
    SISTER_STATE = "sister_state_agreement", _("sister-state agreement")
    COOPERATION_AGREEMENT = "cooperation_agreement", _("cooperation agreement")
    RESOLUTION = "resolution", _("legislature resolution or proclamation")
    ACTION_PLAN = "action_plan", _("action plan / roadmap")
    PROTOCOL = "protocol", _("protocol")


# The stage an instrument counts toward once signed.
INSTRUMENT_STAGE = {kind: Stage.MEMORANDUM_SIGNED for kind in InstrumentKind.values} | {
    InstrumentKind.COOPERATION_AGREEMENT: Stage.AGREEMENT_SIGNED
}


class DocumentStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    UNDER_REVIEW = "under_review", _("under review")
    RETURNED = "returned", _("returned with comments")
    CLEARED = "cleared", _("cleared")
    SIGNED = "signed", _("signed")
    EXPIRED = "expired", _("expired")
    TERMINATED = "terminated", _("terminated")


class Document(models.Model):
    """An instrument (draft or signed) of a partnership, with its clearance and signing."""

    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(_("instrument"), max_length=40, choices=InstrumentKind.choices)
    title_en = models.CharField(
        pgettext_lazy("heading", "title (English)"), max_length=300, blank=True
    )
    title_uk = models.CharField(
        pgettext_lazy("heading", "title (Ukrainian)"), max_length=300, blank=True
    )
    status = models.CharField(
        _("status"), max_length=20, choices=DocumentStatus.choices, default=DocumentStatus.DRAFT
    )
    review_round = models.PositiveSmallIntegerField(default=0)
    submitted_at = models.DateTimeField(_("submitted for review"), null=True, blank=True)
    cleared_at = models.DateTimeField(_("cleared"), null=True, blank=True)
    signed_on = models.DateField(
        _("signed on"), null=True, blank=True, validators=[validate_registry_date]
    )
    signed_place_uk = models.CharField(
        _("place of signing (Ukrainian)"), max_length=255, blank=True
    )
    signed_place_en = models.CharField(_("place of signing (English)"), max_length=255, blank=True)
    signed_online = models.BooleanField(_("signed online"), default=False)
    valid_until = models.DateField(
        _("valid until"), null=True, blank=True, validators=[validate_registry_date]
    )
    renewal_reminder_sent_on = models.DateField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["-created_at", "-id"]

    signed_place = bilingual("signed_place")

    def __str__(self) -> str:
        return self.title or self.get_kind_display()

    @property
    def title(self) -> str:
        return pick(self.title_uk, self.title_en)


class DocumentVersion(models.Model):
    """One uploaded text of a document, in Ukrainian or English; files are content-checked."""

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="versions")
    language = models.CharField(_("language"), max_length=2, choices=[("uk", "uk"), ("en", "en")])
    number = models.PositiveSmallIntegerField(_("version"))
    file = models.FileField(_("file"), upload_to="documents/%Y/%m/")
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("document version")
        verbose_name_plural = _("document versions")
        ordering = ["language", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["document", "language", "number"], name="unique_document_version"
            )
        ]

    def __str__(self) -> str:
        return f"{self.original_name} ({self.language} v{self.number})"


class SignsFor(models.TextChoices):
    UKRAINIAN_SIDE = "ukrainian", _("the Ukrainian side")
    PARTNER_SIDE = "partner", _("the partner side")


class Signatory(models.Model):
    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="signatories")
    name_uk = models.CharField(_("name (Ukrainian)"), max_length=200, blank=True)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    title_uk = models.CharField(_("title (Ukrainian)"), max_length=255, blank=True)
    title_en = models.CharField(_("title (English)"), max_length=255, blank=True)
    signs_for = models.CharField(_("signs for"), max_length=20, choices=SignsFor.choices)
    on_behalf_of_uk = models.CharField(
        _("on behalf of (Ukrainian)"),
        max_length=255,
        blank=True,
        help_text=_("When someone signs for another body, e.g. the ambassador for a region."),
    )
    on_behalf_of_en = models.CharField(_("on behalf of (English)"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("signatory")
        verbose_name_plural = _("signatories")
        ordering = ["signs_for", "id"]

    name = bilingual("name")
    title = bilingual("title")
    on_behalf_of = bilingual("on_behalf_of")

    def __str__(self) -> str:
        return str(self.name)


# What people type before an order's number ("№ 12", "No. 12", "#12", "наказ № 12"): the pages
# say "Order No." / "Наказ №" themselves, so it is taken off (never "№ №").
_ORDER_PREFIX = re.compile(
    r"^\s*(?:(?:наказ|order)\s*)?(?:№|#|(?:no|nr)(?:\.|\b))?\s*", re.IGNORECASE
)


def order_number_bare(number: str) -> str:
    """The number of an order without the "№"/"No."/"#" typed before it."""
    bare = _ORDER_PREFIX.sub("", number or "", count=1).strip()
    return bare or (number or "").strip()


class ReviewDecision(models.TextChoices):
    APPROVED = "approved", _("approved by order")
    NO_OBJECTION = "no_objection", _("no objection")
    RETURNED = "returned", _("returned with comments")


class Review(models.Model):
    """A clearing ministry's decision on a draft in one review round."""

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="reviews")
    ministry = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="+", verbose_name=_("ministry")
    )
    round = models.PositiveSmallIntegerField()
    decision = models.CharField(_("decision"), max_length=20, choices=ReviewDecision.choices)
    comments = models.TextField(_("comments"), blank=True)
    order_number = models.CharField(_("order number"), max_length=100, blank=True)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    decided_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        ordering = ["round", "decided_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["document", "ministry", "round"], name="one_decision_per_round"
            )
        ]

    def __str__(self) -> str:
        return f"{self.ministry} · {self.get_decision_display()}"

    @property
    def order_label(self) -> str:
        """ "Наказ № 12" / "Order No. 12", in the reader's language (composed, never stored)."""
        if not self.order_number:
            return ""
        return gettext("Order No. %(number)s") % {"number": order_number_bare(self.order_number)}


class Submission(models.Model):
    """One sending of a draft to the clearing ministries: the round it opened, when, by whom.

    The document keeps only its latest round and time (`review_round`, `submitted_at`, replaced
    by each resubmission); these rows keep every one, so that clearance on a past day (who
    waited on whom, and since when) is read from what was in force then."""

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="submissions")
    round = models.PositiveSmallIntegerField()
    submitted_at = models.DateTimeField(_("submitted for review"))
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("submission for review")
        verbose_name_plural = _("submissions for review")
        ordering = ["round"]
        constraints = [
            # Also the index on (document, round) that "the round in force" reads.
            models.UniqueConstraint(fields=["document", "round"], name="one_submission_per_round")
        ]

    def __str__(self) -> str:
        return f"{self.document} · {self.round}"


class ActivityKind(models.TextChoices):
    VISIT = "visit", _("visit or delegation")
    STUDENT_EXCHANGE = "student_exchange", _("student exchange")
    TEACHER_EXCHANGE = "teacher_exchange", _("teacher exchange")
    DOCTOR_EXCHANGE = "doctor_exchange", _("doctor exchange")
    AID_DELIVERY = "aid_delivery", _("aid delivery")
    TRAINING = "training", _("training")
    CULTURAL_EVENT = "cultural_event", _("joint cultural event")
    SPORTS_EVENT = "sports_event", _("joint sports event")
    OTHER = "other", _("other")


class Activity(models.Model):
    """Something done together, tied to a partnership or an institution link."""

    kind = models.CharField(_("kind"), max_length=30, choices=ActivityKind.choices)
    title_en = models.CharField(
        pgettext_lazy("heading", "title (English)"), max_length=300, blank=True
    )
    title_uk = models.CharField(
        pgettext_lazy("heading", "title (Ukrainian)"), max_length=300, blank=True
    )
    description = models.TextField(_("description"), blank=True)
    starts_on = models.DateField(_("from"), validators=[validate_registry_date])
    ends_on = models.DateField(_("to"), null=True, blank=True, validators=[validate_registry_date])
    sphere = models.ForeignKey(
        Sphere, on_delete=models.SET_NULL, null=True, blank=True, verbose_name=_("sphere")
    )
    institutions = models.ManyToManyField(
        Organization, blank=True, related_name="activities", verbose_name=_("institutions")
    )
    outcome = models.TextField(_("outcome"), blank=True)
    is_public = models.BooleanField(
        _("public"), default=False, help_text=_("Shown in the public registry.")
    )
    partnership = models.ForeignKey(
        Partnership,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="activities",
        verbose_name=_("partnership"),
    )
    link = models.ForeignKey(
        "institutions.InstitutionLink",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="activities",
        verbose_name=_("institution link"),
    )
    is_demo = models.BooleanField(_("demo record"), default=False)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        ordering = ["-starts_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(partnership__isnull=False) | models.Q(link__isnull=False),
                name="activity_tied_to_partnership_or_link",
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def title(self) -> str:
        return pick(self.title_uk, self.title_en)
