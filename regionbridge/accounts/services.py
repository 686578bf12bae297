"""Accounts, roles and API tokens: the only way they are created and changed."""

import hashlib
import secrets
from datetime import date, time, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from regionbridge import policy
from regionbridge.accounts.models import (
    FULL_NAME_LENGTH,
    ApiToken,
    Language,
    NotificationMode,
    Role,
    RoleAssignment,
    User,
)
from regionbridge.accounts.signals import user_created
from regionbridge.audit.services import audit_record
from regionbridge.lib.workweek import calendar_for, validate_holiday_calendar
from regionbridge.organizations.models import MISSION_KINDS, Organization, OrganizationKind
from regionbridge.regions.models import Region

TOKEN_PREFIX = "rb_"


def role_scope_check(role: str, region: Region | None, organization: Organization | None) -> None:
    """Each role is bound to what it needs: a Ukrainian oblast, a foreign region, an office."""
    if role not in Role.values:
        raise ValidationError(_("Unknown role: %(role)s") % {"role": role})
    if role == Role.REGIONAL and (region is None or region.country.code != "UA"):
        raise ValidationError(_("A regional role needs a Ukrainian region."))
    if role == Role.PARTNER and (region is None or region.country.code == "UA"):
        raise ValidationError(_("A partner role needs a foreign region."))
    if role == Role.EMBASSY and (organization is None or organization.kind not in MISSION_KINDS):
        raise ValidationError(_("An embassy role needs an embassy or consulate."))
    if role == Role.MINISTRY and (
        organization is None or organization.kind != OrganizationKind.MINISTRY
    ):
        raise ValidationError(_("A ministry role needs a ministry."))
    if role == Role.INSTITUTION and organization is None:
        raise ValidationError(_("An institution role needs an organization."))


@transaction.atomic
def role_assign(
    *,
    user: User,
    role: str,
    region: Region | None = None,
    organization: Organization | None = None,
    by: User | None = None,
) -> RoleAssignment:
    """Grant a role (idempotent: granting the same role and scope twice keeps one)."""
    role_scope_check(role, region, organization)
    first = not RoleAssignment.objects.filter(user=user).exists()
    assignment, created = RoleAssignment.objects.get_or_create(
        user=user, role=role, region=region, organization=organization
    )
    if created and first:
        _settle_at_home(user, region, organization)
    if created:
        audit_record(
            actor=by,
            action="role.granted",
            target=user,
            changes={"role": role, "region": region, "organization": organization},
        )
    policy.forget(user)
    return assignment


def home_of(region: Region | None, organization: Organization | None) -> tuple[str, str]:
    """Where a role places a person: the time zone and the public holiday calendar of their
    office (its region's), else of the region the role is bound to. ("", "") when neither says."""
    place = organization.region if organization is not None and organization.region else region
    country = organization.country if organization is not None else None
    if place is not None:
        country = place.country
    tz = place.timezone if place is not None else ""
    if not tz and country is not None and country.code == "UA":
        tz = "Europe/Kyiv"
    calendar = calendar_for(country.code, place.code if place else "") if country else ""
    return tz, calendar


def _settle_at_home(user: User, region: Region | None, organization: Organization | None) -> None:
    """A new account's first role sets its time zone and holidays to those of its place, unless
    they were already chosen (a zone other than the default, a calendar): the person changes
    them on their profile; `create-user --timezone` sets the zone after."""
    tz, calendar = home_of(region, organization)
    fields = []
    default_zone = User._meta.get_field("timezone").get_default()
    if tz and user.timezone == default_zone and tz != user.timezone:
        user.timezone = tz
        fields.append("timezone")
    if calendar and not user.holiday_calendar:
        user.holiday_calendar = calendar
        fields.append("holiday_calendar")
    if fields:
        user.save(update_fields=fields)


@transaction.atomic
def role_revoke(*, assignment: RoleAssignment, by: User | None = None) -> None:
    user = assignment.user
    audit_record(
        actor=by,
        action="role.revoked",
        target=user,
        changes={
            "role": assignment.role,
            "region": assignment.region,
            "organization": assignment.organization,
        },
    )
    assignment.delete()
    policy.forget(user)


@transaction.atomic
def user_create(
    *,
    email: str,
    password: str | None,
    full_name: str = "",
    language: str = Language.UK,
    is_superuser: bool = False,
    by: User | None = None,
) -> User:
    """Create an account; the password must pass the validators (unless None: no sign-in)."""
    email = User.objects.normalize_email(email).strip().lower()
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError(_("An account with this e-mail already exists."))
    user = User(email=email, full_name=full_name, language=language)
    if password is None:
        user.set_unusable_password()
    else:
        from django.contrib.auth.password_validation import validate_password

        validate_password(password, user)
        user.set_password(password)
    user.is_staff = user.is_superuser = is_superuser
    user.full_clean()
    user.save()
    audit_record(actor=by, action="user.created", target=user, changes={"superuser": is_superuser})
    user_created.send(sender=User, user=user)  # messaging: a guest's threads follow them
    return user


def user_set_preferences(
    *,
    user: User,
    language: str | None = None,
    tz: str | None = None,
    notifications: str | None = None,
    full_name: str | None = None,
    full_name_en: str | None = None,
    work_days: str | None = None,
    work_start: time | None = None,
    work_end: time | None = None,
    holiday_calendar: str | None = None,
) -> User:
    """Change what is given (None: unchanged); audited with the changed fields."""
    changes: dict[str, Any] = {}
    for value in (
        language,
        tz,
        notifications,
        full_name,
        full_name_en,
        work_days,
        holiday_calendar,
    ):
        if value is not None and (not isinstance(value, str) or "\x00" in value):
            raise ValidationError(_("Enter text without control characters."))
    for moment in (work_start, work_end):
        if moment is not None and (not isinstance(moment, time) or moment.tzinfo is not None):
            raise ValidationError(_("Give the working hours as a time of day."))
    if work_days is not None:
        days = "".join(sorted(set(work_days)))
        if not days or not set(days) <= set("1234567"):
            raise ValidationError(_("Choose at least one working day."))
        user.work_days = days
        changes["work_days"] = days
    start = work_start if work_start is not None else user.work_start
    end = work_end if work_end is not None else user.work_end
    if work_start is not None or work_end is not None:
        if start >= end:
            raise ValidationError(_("The working day must end after it starts."))
        user.work_start, user.work_end = start, end
        changes.update(work_start=start.isoformat("minutes"), work_end=end.isoformat("minutes"))
    if holiday_calendar is not None:
        validate_holiday_calendar(holiday_calendar)
        user.holiday_calendar = holiday_calendar.upper()
        changes["holiday_calendar"] = user.holiday_calendar
    for field, name in (("full_name", full_name), ("full_name_en", full_name_en)):
        if name is not None and name.strip() != getattr(user, field):
            if len(name.strip()) > FULL_NAME_LENGTH:
                raise ValidationError(_("The name is too long."))
            setattr(user, field, name.strip())
            changes[field] = name.strip()
    if notifications is not None:
        if notifications not in NotificationMode.values:
            raise ValidationError(_("Unknown notification choice."))
        user.notification_mode = notifications
        changes["notification_mode"] = notifications
    if language is not None:
        if language not in Language.values:
            raise ValidationError(_("Unknown language."))
        user.language = language
        changes["language"] = language
    if tz is not None:
        from regionbridge.lib.timezones import validate_timezone

        validate_timezone(tz)
        user.timezone = tz
        changes["timezone"] = tz
    if changes:
        user.save(update_fields=list(changes))
        audit_record(actor=user, action="user.preferences_changed", target=user, changes=changes)
    return user


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


TOKEN_MAX_DAYS = 366  # an expiry date, when given, lies within a year


@transaction.atomic
def token_issue(
    *, user: User, name: str, expires_on: date | None = None, read_only: bool = False
) -> tuple[ApiToken, str]:
    """Create a token; the plain text is returned once and only its digest is kept. It works
    through `expires_on` (None: until revoked); a read-only token may only read."""
    name = name.strip()
    if not name:
        raise ValidationError(_("Give the token a name."))
    today = timezone.localdate()
    if expires_on is not None and not today <= expires_on <= today + timedelta(TOKEN_MAX_DAYS):
        raise ValidationError(
            _("A token's last day must be between today and %(latest)s.")
            % {"latest": (today + timedelta(TOKEN_MAX_DAYS)).isoformat()}
        )
    plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name[:100],
        prefix=plain[:10],
        digest=_digest(plain),
        expires_on=expires_on,
        read_only=read_only,
    )
    audit_record(
        actor=user,
        action="token.issued",
        target=token,
        changes={"expires_on": expires_on and expires_on.isoformat(), "read_only": read_only},
    )
    return token, plain


@transaction.atomic
def token_revoke(*, token: ApiToken, by: User) -> None:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_record(actor=by, action="token.revoked", target=token)


def token_authenticate(plain: str) -> User | None:
    """The active user a bearer token belongs to, or None."""
    token = token_find(plain)
    return token.user if token is not None else None


def token_find(plain: str) -> ApiToken | None:
    """The token, if it is genuine, not revoked, not past its last day, and its user active."""
    if not plain.startswith(TOKEN_PREFIX):
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(digest=_digest(plain), revoked_at__isnull=True, user__is_active=True)
        .filter(Q(expires_on__isnull=True) | Q(expires_on__gte=timezone.localdate()))
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    # Touch at most once a minute: a token used in a loop should not write on every call.
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token
