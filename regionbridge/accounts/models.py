from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone as dj_timezone
from django.utils.translation import gettext_lazy as _

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


class User(AbstractBaseUser, PermissionsMixin):
    """An account: signs in with an e-mail address; its access comes from its roles."""

    email = models.EmailField(_("e-mail"), unique=True)
    full_name = models.CharField(_("full name"), max_length=200, blank=True)
    language = models.CharField(
        _("language"), max_length=5, choices=Language.choices, default=Language.UK
    )
    timezone = models.CharField(_("time zone"), max_length=64, default="Europe/Kyiv")
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
        return self.full_name or self.email

    def get_full_name(self) -> str:
        return self.full_name or self.email

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
