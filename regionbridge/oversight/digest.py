"""The weekly digest: once a week, on Monday morning in each person's time zone and in their
language, an e-mail with their part of the picture (`oversight.part`): the figures and how they
moved over the past 7 days, the stalled negotiations, what comes next, the drafts waiting in
clearance and the overdue action items.

Who gets it: the Presidential Office's coordinators (everything), the ministries (everything they
may see: the drafts waiting for them are theirs to clear), the embassy (its host country's ties)
and a region's staff (their region's): the people who oversee a part. Nobody who chose no e-mail;
a person who chose the daily digest gets this one too (it is another e-mail).

Once per person and ISO week: the outbox key names both (`weekly:2025-W03:<user>`), so a second
run, a worker that died halfway and ran again, the hourly job and the command on a timer side by
side, never send it twice. It is rendered here, in the worker or the command, never in a request.

Two ways to run it, both safe together: `send-weekly-digests` on an hourly (or daily) timer, and
the worker's own schedule, `weekly_digests_tick`, a job that runs the queue and puts itself back
in the queue for the next hour; the worker starts it when it starts (`outbox_at_worker_start`).
"""

import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.db import connection, transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import task
from django_tasks.base import TaskResultStatus
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.models import DBTaskResult

from regionbridge import policy
from regionbridge.accounts.models import NotificationMode, Role, User
from regionbridge.meetings import services as meeting_services
from regionbridge.meetings.models import ActionItem
from regionbridge.outbox.models import OutboundEmail
from regionbridge.outbox.services import queue_templated
from regionbridge.oversight import selectors
from regionbridge.oversight.part import overseen_partnerships, oversees_everything
from regionbridge.partnerships.models import Partnership
from regionbridge.regions.models import Country, Region

logger = logging.getLogger(__name__)

# Monday morning: from 07:00 in the person's zone. A run up to a day later still sends it (the
# worker was down; a daily timer, which reaches some zones only after their Monday has ended).
MORNING = time(7, 0)
LATE_BY = timedelta(days=1)
ROLES = (Role.COORDINATOR, Role.MINISTRY, Role.EMBASSY, Role.REGIONAL)
TEMPLATE = "oversight/email/weekly"
EVERY = timedelta(hours=1)  # the worker's schedule


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def week_due(user: User, *, now: datetime) -> date | None:
    """The Monday (in the person's zone) whose digest is due at `now`, or None: from 07:00 that
    Monday for a day."""
    local = now.astimezone(_zone(user.timezone))
    monday = local.date() - timedelta(days=local.weekday())
    start = datetime.combine(monday, MORNING, tzinfo=local.tzinfo)
    return monday if start <= local < start + LATE_BY else None


def weekly_key(user_id: int, monday: date) -> str:
    year, week, _day = monday.isocalendar()
    return f"weekly:{year}-W{week:02d}:{user_id}"


def recipients() -> Any:
    """People who oversee a part and did not turn e-mail off (their part is checked one by one)."""
    return (
        User.objects.filter(is_active=True, role_assignments__role__in=ROLES)
        .exclude(notification_mode=NotificationMode.OFF)
        .exclude(email="")
        .distinct()
        .order_by("pk")
    )


def _link(user: User) -> str:
    """Where the whole picture is: the dashboard, or the briefing for a region's staff."""
    if policy.can(user, policy.Action.OVERSIGHT_VIEW):
        return reverse("oversight:dashboard")
    return reverse("oversight:briefing")


def part_name(user: User) -> str:
    """Whose picture it is: everything the person may see, their host countries' ties, or
    their regions'."""
    scope = policy.scope_of(user)
    if oversees_everything(user):
        return _("every partnership you may see")
    if Role.EMBASSY in scope.roles and scope.host_country_ids:
        countries = Country.objects.filter(pk__in=scope.host_country_ids).order_by("code")
        return _("ties with %(countries)s") % {"countries": ", ".join(c.name for c in countries)}
    regions = Region.objects.filter(pk__in=scope.region_ids).order_by("code")
    return ", ".join(region.name for region in regions)


def weekly_digest_queue_one(user: User, *, now: datetime) -> bool:
    """Queue `user`'s digest if it is due and not queued yet; False otherwise (or no part).
    Read and rendered in their language and time zone, the figures as of their today."""
    if not user.is_active or user.notification_mode == NotificationMode.OFF:
        return False
    monday = week_due(user, now=now)
    if monday is None:
        return False
    key = weekly_key(user.pk, monday)
    if OutboundEmail.objects.filter(key=key).exists():
        return False  # a rerun costs one lookup a person
    part = overseen_partnerships(user)
    if not part.exists():
        return False
    zone = _zone(user.timezone)
    with translation.override(user.language), timezone.override(zone):
        context = {
            "picture": weekly_picture(user, part, as_of=now.astimezone(zone).date(), now=now),
            "part": part_name(user),
            "monday": monday,
            "link": _link(user),
            "site_url": settings.SITE_URL.rstrip("/"),
        }
        with transaction.atomic():
            return queue_templated(user=user, template=TEMPLATE, context=context, key=key)


def weekly_digests_queue(*, now: datetime | None = None) -> int:
    """Queue the weekly digest of everyone whose Monday morning it is; return how many.

    One transaction a person: a run that dies halfway keeps what it queued, and the next run
    (the keys) queues only the rest."""
    now = now or timezone.now()
    queued = 0
    for user in recipients():
        try:
            queued += weekly_digest_queue_one(user, now=now)
        except Exception:  # one person's data must not keep the digest from everyone else
            logger.exception("Weekly digest for user %s failed; the next run tries again", user.pk)
    return queued


# --- the picture ---------------------------------------------------------------------------------


ROWS = 8  # lines of each list; then "and N more" and the link to the whole picture
SINCE_DAYS = 7
COMING_DAYS = 30  # meetings, next steps, instruments running out


@dataclass
class Listing:
    rows: list[Any]
    count: int

    @property
    def more(self) -> int:
        return self.count - len(self.rows)


def _cut(rows: list[Any], count: int | None = None) -> Listing:
    return Listing(rows=rows[:ROWS], count=len(rows) if count is None else count)


def _overdue_actions(user: User, part: QuerySet[Partnership], *, now: datetime) -> Listing:
    """Open action items of the part past their due date in their owner's zone, oldest first."""
    overdue = meeting_services.overdue(
        policy.visible(user, ActionItem).filter(partnership__in=part.values("pk")), now=now
    ).order_by("due", "pk")
    rows = list(
        overdue.select_related(
            "owner", "partnership__ukrainian_region", "partnership__partner_region"
        )[:ROWS]
    )
    return Listing(rows=rows, count=overdue.count() if len(rows) == ROWS else len(rows))


def weekly_picture(
    user: User, part: QuerySet[Partnership], *, as_of: date, now: datetime
) -> dict[str, Any]:
    """What the digest says: the dashboard's reads (`oversight.selectors`, each from the
    person's part), called in the reader's language and zone (the caller's overrides)."""
    since = as_of - timedelta(days=SINCE_DAYS)
    figures = selectors.figures(user, as_of=as_of, since=since)
    coming = selectors.upcoming(user, as_of=as_of, days=COMING_DAYS)
    waits = selectors.clearance_waits(user, as_of=as_of)
    return {
        "as_of": as_of,
        "since": since,
        "figures": figures.total,
        "countries": figures.countries if len(figures.countries) > 1 else (),
        "stalled": _cut(
            selectors.stalled(user, as_of=as_of, limit=ROWS),
            selectors.stalled_count(user, as_of=as_of),
        ),
        "stalled_after": selectors.STALLED_AFTER_DAYS,
        "coming": coming,
        "meetings": _cut(coming.meetings, coming.meetings_count),
        "next_steps": _cut(coming.next_steps, coming.next_steps_count),
        "renewals": _cut(coming.renewals, coming.renewals_count),
        "signings": _cut(coming.signings, coming.signings_count),
        "waits": [wait for wait in waits.ministries if wait.count],
        "returned": _cut(waits.returned, waits.returned_count),
        "overdue": _overdue_actions(user, part, now=now),
    }


# --- the worker's schedule ---------------------------------------------------------------------


def next_run(now: datetime) -> datetime:
    """The start of the next hour: each person's 07:00 falls on a full hour (or half, in a few
    zones, sent at the next full hour)."""
    return now.replace(minute=0, second=0, microsecond=0) + EVERY


@task()
def weekly_digests_tick() -> int:
    """Queue the digests due now, then come back next hour."""
    try:
        return weekly_digests_queue()
    finally:
        weekly_digests_schedule(at=next_run(timezone.now()))


def weekly_digests_schedule(*, at: datetime | None = None) -> None:
    """Have `weekly_digests_tick` wait in the queue for `at` (next hour by default), once: if one
    waits already nothing is added (two that wait, after a race, become one). A backend that
    cannot wait (the immediate one) leaves it to the command on a timer."""
    at = at or next_run(timezone.now())
    backend = weekly_digests_tick.get_backend()
    if not backend.supports_defer:
        return
    if not isinstance(backend, DatabaseBackend):
        weekly_digests_tick.using(run_after=at).enqueue()
        return
    with transaction.atomic():
        waiting = DBTaskResult.objects.filter(
            status=TaskResultStatus.READY, task_path=weekly_digests_tick.module_path
        ).order_by("run_after", "pk")
        if connection.vendor == "postgresql":
            waiting = waiting.select_for_update(skip_locked=True)
        ids = list(waiting.values_list("pk", flat=True))
        if not ids:
            weekly_digests_tick.using(run_after=at).enqueue()
        elif len(ids) > 1:
            DBTaskResult.objects.filter(pk__in=ids[1:], status=TaskResultStatus.READY).delete()
