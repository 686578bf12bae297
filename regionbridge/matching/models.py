"""Needs and offers, the bilingual topic taxonomy, and the matches the worker computes.

A post is one side's need ("протезування верхніх кінцівок") or offer ("upper-limb prosthetics
fitting and training"), written in Ukrainian or English; the language is detected and stored.
Matches are computed by the worker when a post changes (`tasks.recompute_matches`), never on a
page view; each keeps its reasons as codes with parameters, rendered in the reader's language.
The taxonomy ships as `data/taxonomy.json`; coordinators edit it in the product, each edit a new
numbered version, and it is exported back to the same format.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from regionbridge.lib.i18n import pick
from regionbridge.organizations.models import InstitutionType


class PostKind(models.TextChoices):
    NEED = "need", _("need")
    OFFER = "offer", _("offer")


class PostStatus(models.TextChoices):
    OPEN = "open", _("open")
    IN_TALKS = "in_talks", _("in talks")
    MET = "met", _("met")
    CLOSED = "closed", _("closed")


class Audience(models.TextChoices):
    MEMBERS = "members", _("everyone signed in")
    PARTNERS = "partners", _("only our partnerships")


class PostLanguage(models.TextChoices):
    UK = "uk", _("Ukrainian")
    EN = "en", _("English")


class Post(models.Model):
    kind = models.CharField(_("kind"), max_length=5, choices=PostKind.choices)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), max_length=5000)
    language = models.CharField(
        _("language"), max_length=2, choices=PostLanguage.choices, editable=False
    )
    sphere = models.ForeignKey(
        "partnerships.Sphere",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("sphere"),
    )
    # Taxonomy topic codes the author chose (the matcher also finds topics in the text).
    topics = models.JSONField(_("topics"), default=list, blank=True)
    institution_type = models.CharField(
        _("type of institution"), max_length=30, choices=InstitutionType.choices, blank=True
    )
    # The region the post is about: a Ukrainian oblast or the partner's state (ISO 3166-2).
    region = models.ForeignKey(
        "regions.Region",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("region"),
    )
    # Who speaks for it: an institution, a regional office or a partner's office.
    organization = models.ForeignKey(
        "organizations.Organization",
        on_delete=models.PROTECT,
        related_name="posts",
        verbose_name=_("organization"),
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("author"),
    )
    scale = models.CharField(_("scale"), max_length=200, blank=True)
    timing = models.CharField(_("timing"), max_length=200, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=PostStatus.choices, default=PostStatus.OPEN
    )
    audience = models.CharField(
        _("who may see it"), max_length=10, choices=Audience.choices, default=Audience.MEMBERS
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    # Bumped with each change that matters to matching; `matched_revision` is the revision the
    # worker last matched: a post whose two differ waits for the next run (tasks.py).
    revision = models.PositiveIntegerField(default=0, editable=False)
    matched_revision = models.PositiveIntegerField(default=0, editable=False)
    # Casefolded title, description, organization and region (lib.text.search_blob): the
    # list's text search, the same on SQLite and PostgreSQL; written by the services.
    search_text = models.TextField(editable=False, default="")

    class Meta:
        verbose_name = _("need or offer")
        verbose_name_plural = _("needs and offers")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["kind", "status", "-created_at"], name="post_list_idx"),
            models.Index(fields=["region", "kind", "status"], name="post_region_idx"),
            models.Index(fields=["organization", "-created_at"], name="post_org_idx"),
        ]

    def __str__(self) -> str:
        return self.title


class Match(models.Model):
    """One suggested pair, kept from the worker's last run for the changed post."""

    need = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="offer_matches")
    offer = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="need_matches")
    score = models.FloatField()  # 0..1
    # [{"code": "topic", "params": {"topic": "prosthetics"}}, …]: rendered per reader.
    reasons = models.JSONField(default=list)
    strong = models.BooleanField(default=False)
    computed_at = models.DateTimeField(default=timezone.now)
    # When the pair became strong (kept across the worker's runs; None while it is not).
    strong_since = models.DateTimeField(null=True, blank=True)
    # The owners were told of this pair (once, when it first became strong).
    notified = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("match")
        verbose_name_plural = _("matches")
        constraints = [models.UniqueConstraint(fields=["need", "offer"], name="match_pair_unique")]
        indexes = [
            models.Index(fields=["need", "-score"], name="match_need_idx"),
            models.Index(fields=["offer", "-score"], name="match_offer_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.need_id} ↔ {self.offer_id} ({self.score:.2f})"


class Connection(models.Model):
    """'Connect': the thread opened between a need's and an offer's people, both posts linked."""

    need = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="+")
    offer = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="+")
    thread = models.ForeignKey("messaging.Thread", on_delete=models.CASCADE, related_name="+")
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["need", "offer"], name="connection_pair_unique")
        ]

    def __str__(self) -> str:
        return f"{self.need_id} ↔ {self.offer_id}: thread {self.thread_id}"


class Topic(models.Model):
    """A taxonomy entry: labels and synonyms in both languages, related topics."""

    code = models.SlugField(_("code"), max_length=60, unique=True)
    label_uk = models.CharField(_("label (Ukrainian)"), max_length=200)
    label_en = models.CharField(_("label (English)"), max_length=200)
    # One term per line; phrases allowed ("upper-limb prosthetics").
    synonyms_uk = models.TextField(_("synonyms (Ukrainian)"), blank=True)
    synonyms_en = models.TextField(_("synonyms (English)"), blank=True)
    related = models.JSONField(_("related topics"), default=list, blank=True)
    spheres = models.JSONField(_("spheres"), default=list, blank=True)
    institution_types = models.JSONField(_("types of institution"), default=list, blank=True)

    class Meta:
        verbose_name = _("topic")
        verbose_name_plural = _("topics")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return pick(self.label_uk, self.label_en)


class TaxonomyVersion(models.Model):
    """Each coordinator edit is a numbered version with the whole file it produced."""

    number = models.PositiveIntegerField(unique=True)
    snapshot = models.JSONField()  # the taxonomy.json format
    note = models.CharField(_("what changed"), max_length=300, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-number"]

    def __str__(self) -> str:
        return f"taxonomy v{self.number}"
