from datetime import time

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone as dj_timezone
from django.utils.translation import gettext_lazy as _

from regionbridge.lib.i18n import pick
from regionbridge.organizations.models import Organization
from regionbridge.regions.models import Region


class Language(models.TextChoices):
    UK = "uk", "Українська"
    EN = "en", "English"


class NotificationMode(models.TextChoices):
    EVERY = "every", _("every message")
    DIGEST = "digest", _("a daily digest")
    OFF = "off", _("no e-mail")


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create(self, email: str, password: str | None, **extra) -> "User":
        if not email:
            raise ValueError("An e-mail address is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra) -> "User":
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra) -> "User":
        extra.update(is_staff=True, is_superuser=True)
        return self._create(email, password, **extra)


FULL_NAME_LENGTH = 200


class User(AbstractBaseUser, PermissionsMixin):
    """An account: signs in with an e-mail address; its access comes from its roles."""

    email = models.EmailField(_("e-mail"), unique=True)
    full_name = models.CharField(_("full name"), max_length=FULL_NAME_LENGTH, blank=True)
    # The Latin form of the name, for English readers; `full_name` is the Ukrainian (or only) one.
    full_name_en = models.CharField(
        _("full name in Latin letters"), max_length=FULL_NAME_LENGTH, blank=True
    )
    language = models.CharField(
        _("language"), max_length=5, choices=Language.choices, default=Language.UK
    )
    timezone = models.CharField(_("time zone"), max_length=64, default="Europe/Kyiv")
    # When the person works, for the meeting planner: ISO weekdays (1 = Monday) as digits, the
    # hours in their own time zone, and whose public holidays are days off ("UA", "US-IN": the
    # `holidays` package's country and subdivision; "" for none).
    work_days = models.CharField(_("working days"), max_length=7, default="12345")
    work_start = models.TimeField(_("working day starts"), default=time(9, 0))
    work_end = models.TimeField(_("working day ends"), default=time(18, 0))
    holiday_calendar = models.CharField(_("public holidays"), max_length=10, blank=True, default="")
    notification_mode = models.CharField(
        _("e-mail notifications"),
        max_length=10,
        choices=NotificationMode.choices,
        default=NotificationMode.EVERY,
    )
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(_("back-office access"), default=False)
    date_joined = models.DateTimeField(_("joined"), default=dj_timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["email"]

    def __str__(self) -> str:
        return self.get_full_name()

    def get_full_name(self, language: str | None = None) -> str:
        """The name in the reader's script (the active language unless given), else the other
        form, else the e-mail address."""
        return pick(self.full_name, self.full_name_en, language) or self.email

    def get_short_name(self) -> str:
        return self.get_full_name()


class Role(models.TextChoices):
    COORDINATOR = "coordinator", _("coordinator")
    MINISTRY = "ministry", _("ministry")
    EMBASSY = "embassy", _("embassy")
    REGIONAL = "regional", _("regional")
    PARTNER = "partner", _("partner")
    INSTITUTION = "institution", _("institution")


class RoleAssignment(models.Model):
    """One role of one person, bound to a region or an organization where the role needs one."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="role_assignments"
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("region")
    )
    organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        verbose_name=_("organization"),
    )
    created_at = models.DateTimeField(_("granted"), default=dj_timezone.now)

    class Meta:
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")

    def __str__(self) -> str:
        scope = self.region or self.organization
        return f"{self.get_role_display()} ({scope})" if scope else self.get_role_display()


class ApiToken(models.Model):
    """A personal API token; only its SHA-256 digest is stored, the token is shown once."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=12)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("created"), default=dj_timezone.now)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    expires_on = models.DateField(
        _("valid until"), null=True, blank=True, help_text=_("The last day it works.")
    )
    read_only = models.BooleanField(_("read only"), default=False)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and (
            self.expires_on is None or self.expires_on >= dj_timezone.localdate()
        )


class SignedInSession(models.Model):
    """A browser signed in to an account, so the person can see it and end it (ASVS 3.3.4).

    The session itself lives in Django's session store; this row only describes it. Its key
    never leaves the server: pages and the audit log name the row by its id."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="signed_in_sessions"
    )
    session_key = models.CharField(max_length=40, unique=True)
    signed_in_at = models.DateTimeField(_("signed in"), default=dj_timezone.now)
    last_seen_at = models.DateTimeField(_("last active"), default=dj_timezone.now)
    device = models.CharField(_("device"), max_length=100, blank=True)
    address = models.CharField(_("address"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("signed-in session")
        verbose_name_plural = _("signed-in sessions")
        ordering = ["-last_seen_at"]
        indexes = [models.Index(fields=["user", "last_seen_at"], name="signedin_user_seen")]

    def __str__(self) -> str:
        return f"{self.device or '?'} ({self.address or '?'})"
