"""The weekly digest (issue 13, points 5 and 7): once a week per person, on Monday morning in their
time zone, in their language, with their part of the picture; never twice, not across a crash
and a worker restart either; nothing for those who chose no e-mail or who oversee nothing.
"""

import io
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

import regionbridge
from regionbridge.accounts.models import User
from regionbridge.meetings.models import ActionItem
from regionbridge.meetings.services import meeting_create
from regionbridge.outbox.models import OutboundEmail
from regionbridge.outbox.tasks import worker_started
from regionbridge.oversight import digest
from regionbridge.oversight.digest import (
    week_due,
    weekly_digest_queue_one,
    weekly_digests_queue,
    weekly_digests_schedule,
    weekly_digests_tick,
    weekly_key,
)
from tests.conftest import make_member
from tests.test_desk import stalled
from tests.test_outbox_faults import run_worker
from tests.test_policy import (
    chernihiv_minnesota,
    thread_with,
    under_review,
    zhytomyr_indiana,
    zhytomyr_ontario,
)

pytestmark = pytest.mark.django_db


def _next_monday() -> date:
    """A Monday after today: the digest's "today" is then no past day."""
    today = timezone.localdate()
    return today + timedelta(days=7 - today.weekday())


MONDAY = _next_monday()


def at(monday: date, hour: int, zone: str, *, minute: int = 0) -> datetime:
    """That Monday's `hour`:`minute` in `zone`, as an aware UTC instant."""
    local = datetime(monday.year, monday.month, monday.day, hour, minute, tzinfo=ZoneInfo(zone))
    return local.astimezone(UTC)


def set_up(user: User, *, zone: str = "Europe/Kyiv", language: str = "en", mode: str = "every"):
    User.objects.filter(pk=user.pk).update(timezone=zone, language=language, notification_mode=mode)
    return User.objects.get(pk=user.pk)


def weekly_rows(user: User | None = None):
    rows = OutboundEmail.objects.filter(key__startswith="weekly:")
    return rows.filter(to=user.email) if user is not None else rows


def mail_of(user: User) -> OutboundEmail:
    (row,) = weekly_rows(user)
    return row


@pytest.fixture
def ties(reference):
    """An open tie (Zhytomyr – Indiana), a confidential negotiation with Minnesota (Chernihiv)
    and a confidential one with Ontario (Zhytomyr, Canada): all stalled, so each digest that may
    name them lists them."""
    return {
        "indiana": stalled(zhytomyr_indiana()),
        "minnesota": stalled(chernihiv_minnesota()),
        "ontario": stalled(zhytomyr_ontario()),
    }


# --- when: Monday morning in the person's zone ----------------------------------------------


@pytest.mark.parametrize(
    ("zone", "monday", "first_utc"),
    [
        ("Pacific/Honolulu", date(2025, 1, 13), datetime(2025, 1, 13, 17, 0, tzinfo=UTC)),
        ("Europe/Kyiv", date(2025, 1, 13), datetime(2025, 1, 13, 5, 0, tzinfo=UTC)),  # winter
        ("Europe/Kyiv", date(2025, 7, 14), datetime(2025, 7, 14, 4, 0, tzinfo=UTC)),  # summer
        ("Pacific/Kiritimati", date(2025, 1, 13), datetime(2025, 1, 12, 17, 0, tzinfo=UTC)),
    ],
)
def test_the_digest_is_due_from_monday_0700_in_the_persons_zone(
    coordinator, zone, monday, first_utc
):
    person = set_up(coordinator, zone=zone)
    assert week_due(person, now=first_utc - timedelta(minutes=1)) is None
    assert week_due(person, now=first_utc) == monday
    # a late run (the worker was down, a daily timer) still sends it, until Tuesday 07:00
    assert week_due(person, now=first_utc + timedelta(hours=23, minutes=59)) == monday
    assert week_due(person, now=first_utc + timedelta(hours=24)) is None
    assert week_due(person, now=first_utc - timedelta(days=3)) is None


def test_the_key_names_the_iso_week_and_the_person():
    assert weekly_key(7, date(2025, 1, 13)) == "weekly:2025-W03:7"
    assert weekly_key(7, date(2024, 12, 30)) == "weekly:2025-W01:7"  # ISO year, not the calendar's


# --- once a week per person -----------------------------------------------------------------


@pytest.fixture
def readers(ties, coordinator, ministry, embassy, zhytomyr, chernihiv, indiana, outsider):
    """Everyone with a part, in zones around the world, and those who must get nothing."""
    return {
        "coordinator": set_up(coordinator, zone="Europe/Kyiv", language="uk"),
        "ministry": set_up(ministry, zone="Europe/Kyiv"),
        "embassy": set_up(embassy, zone="America/New_York"),
        "zhytomyr": set_up(zhytomyr, zone="Pacific/Honolulu", mode="digest"),
        "chernihiv": set_up(chernihiv, zone="Pacific/Kiritimati"),
        # no e-mail wanted; or no part of the picture to oversee
        "silent": set_up(
            make_member("coordinator", org_key="presidential-office", email="quiet@example.org"),
            mode="off",
        ),
        "indiana": set_up(indiana),
        "outsider": set_up(outsider),
    }


GETS_IT = ("coordinator", "ministry", "embassy", "zhytomyr", "chernihiv")


def test_once_a_week_per_person_on_their_monday_morning(readers):
    """The queue run every hour for two weeks: one e-mail per person a week, each in the hour
    their Monday reaches 07:00; nobody who chose no e-mail or oversees nothing."""
    start = datetime.combine(MONDAY - timedelta(days=1), datetime.min.time(), tzinfo=UTC)
    names = {user.pk: name for name, user in readers.items()}
    queued_at: dict[str, list[datetime]] = {name: [] for name in readers}
    for hour in range(14 * 24):  # Sunday 00:00Z to Saturday 23:00Z, twice
        now = start + timedelta(hours=hour)
        before = set(weekly_rows().values_list("key", flat=True))
        weekly_digests_queue(now=now)
        for key in set(weekly_rows().values_list("key", flat=True)) - before:
            queued_at[names[int(key.rpartition(":")[2])]].append(now)
    for name, user in readers.items():
        expected = [at(MONDAY + timedelta(days=7 * week), 7, user.timezone) for week in (0, 1)]
        assert queued_at[name] == (expected if name in GETS_IT else []), name
    assert weekly_rows().count() == 2 * len(GETS_IT)  # the keys hold one per person and week


def test_a_rerun_in_the_same_week_queues_nothing(readers):
    now = at(MONDAY, 9, "America/New_York")
    assert weekly_digests_queue(now=now) == 4  # all but Honolulu, still asleep
    assert weekly_digests_queue(now=now) == 0
    assert weekly_digests_queue(now=now + timedelta(hours=10)) == 1  # Honolulu's morning
    assert weekly_digests_queue(now=now + timedelta(hours=11)) == 0
    assert weekly_rows().count() == 5


def test_those_who_read_the_daily_digest_get_the_weekly_one_too(readers):
    weekly_digests_queue(now=at(MONDAY, 8, "Pacific/Honolulu"))
    assert mail_of(readers["zhytomyr"]).subject


# --- across a crash and a worker restart ----------------------------------------------------


class Killed(BaseException):
    """The worker's process killed in the middle of the queue."""


@pytest.mark.django_db(transaction=True)  # a real worker closes its connection
def test_a_crash_midway_and_a_restarted_worker_send_each_digest_once(readers, monkeypatch):
    """The job dies after the first person; its row is left RUNNING; a new worker puts it back
    (the reaper), runs it, and the keys let nobody get a second e-mail."""
    monday_morning = at(MONDAY, 9, "Pacific/Honolulu")
    due = [name for name in GETS_IT if week_due(readers[name], now=monday_morning)]
    assert len(due) == 4  # Kiritimati's Monday is over by Honolulu's morning
    real_one = digest.weekly_digest_queue_one
    done: list[int] = []

    def dies_after_the_first(user, *, now):
        if done:
            raise Killed
        queued = real_one(user, now=now)
        done.append(user.pk)
        return queued

    monkeypatch.setattr(digest, "weekly_digest_queue_one", dies_after_the_first)
    DBTaskResult.objects.all().delete()
    job = DBTaskResult.objects.get(id=weekly_digests_tick.enqueue().id)
    monkeypatch.setattr(timezone, "now", lambda: monday_morning)
    with pytest.raises(Killed):
        digest.weekly_digests_queue()  # what the job was doing when the process died
    assert weekly_rows().count() == 1
    DBTaskResult.objects.filter(pk=job.pk).update(
        status=TaskResultStatus.RUNNING,
        started_at=monday_morning - timedelta(minutes=20),
        worker_ids=["killed-worker"],
    )

    monkeypatch.setattr(digest, "weekly_digest_queue_one", real_one)
    call_command("worker", "--batch", "--no-startup-delay", "--worker-id", "new", verbosity=0)
    job.refresh_from_db()
    assert (job.status, job.return_value) == (TaskResultStatus.SUCCESSFUL, len(due) - 1)
    assert sorted(weekly_rows().values_list("to", flat=True)) == sorted(
        readers[name].email for name in due
    )
    # and once more, as the timer's command would: nothing
    out = io.StringIO()
    call_command("send-weekly-digests", stdout=out)
    assert out.getvalue().strip() == "weekly digests queued: 0"
    assert weekly_rows().count() == len(due)
    # the job is back in the queue for the next hour, once
    (waiting,) = DBTaskResult.objects.filter(
        status=TaskResultStatus.READY, task_path=weekly_digests_tick.module_path
    )
    assert waiting.run_after == monday_morning.replace(minute=0) + timedelta(hours=1)


@pytest.mark.django_db(transaction=True)  # a real worker closes its connection
def test_the_worker_keeps_one_hourly_job_waiting(reference, monkeypatch):
    DBTaskResult.objects.all().delete()
    now = datetime(2025, 1, 13, 5, 40, tzinfo=UTC)
    monkeypatch.setattr(timezone, "now", lambda: now)
    worker_started()  # what `regionbridge worker` does when it starts (the app registered it)
    worker_started()  # a second worker, or a restart: still one
    weekly_digests_schedule()
    waiting = DBTaskResult.objects.filter(task_path=weekly_digests_tick.module_path)
    assert [(job.status, job.run_after) for job in waiting] == [
        (TaskResultStatus.READY, datetime(2025, 1, 13, 6, 0, tzinfo=UTC))
    ]
    # two that wait after a race become one
    weekly_digests_tick.using(run_after=now + timedelta(hours=1)).enqueue()
    weekly_digests_schedule()
    assert waiting.filter(status=TaskResultStatus.READY).count() == 1

    monkeypatch.setattr(timezone, "now", lambda: now + timedelta(minutes=21))  # 06:01
    run_worker()
    ran = waiting.get(status=TaskResultStatus.SUCCESSFUL)
    assert ran.return_value == 0
    nxt = waiting.get(status=TaskResultStatus.READY)
    assert nxt.run_after == datetime(2025, 1, 13, 7, 0, tzinfo=UTC)


# --- what it says: language, time zone, the person's part ----------------------------------


def monday_mail(user: User) -> OutboundEmail:
    assert weekly_digest_queue_one(user, now=at(MONDAY, 8, user.timezone))
    return mail_of(user)


def test_in_ukrainian_or_english_as_the_person_chose(ties, coordinator, ministry):
    uk = monday_mail(set_up(coordinator, language="uk"))
    en = monday_mail(set_up(ministry, language="en"))
    assert "Щотижневий огляд" in uk.subject
    assert "Weekly digest" in en.subject
    for row, words in (
        (uk, ("Що далі", "Прострочені доручення", "Чернетки на погодженні")),
        (en, ("What comes next", "Overdue action items", "Drafts waiting in clearance")),
    ):
        for word in words:
            assert word in row.text
            assert word in row.html


def test_dates_and_times_in_the_persons_zone(ties, coordinator, ministry):
    """A meeting at 15:00Z on Wednesday: 17:00 in Kyiv (winter) or 18:00 (summer), 05:00 in
    Honolulu; the subject's Monday is the person's own."""
    starts = at(MONDAY + timedelta(days=2), 15, "UTC")
    meeting_create(
        by=coordinator,
        title="Generators for Zhytomyr",
        starts_at=starts,
        ends_at=starts + timedelta(hours=1),
        partnership=ties["indiana"],
    )
    kyiv = monday_mail(set_up(coordinator, zone="Europe/Kyiv"))
    honolulu = monday_mail(set_up(ministry, zone="Pacific/Honolulu"))
    kyiv_time = starts.astimezone(ZoneInfo("Europe/Kyiv")).strftime("%H:%M")
    assert f"{kyiv_time} — Generators for Zhytomyr" in kyiv.text
    assert "05:00" not in kyiv.text
    # the ministry sees no meeting it is not invited to; the coordinator sees all
    assert "Generators" not in honolulu.text
    assert str(MONDAY.day) in kyiv.subject and str(MONDAY.day) in honolulu.subject


def test_a_meeting_shows_at_the_readers_local_time(ties, coordinator):
    starts = at(MONDAY + timedelta(days=2), 15, "UTC")
    meeting_create(
        by=coordinator,
        title="School exchange",
        starts_at=starts,
        ends_at=starts + timedelta(hours=1),
        partnership=ties["indiana"],
    )
    person = set_up(coordinator, zone="Pacific/Honolulu")
    assert "05:00 — School exchange" in monday_mail(person).text


def test_the_coordinators_digest_names_the_confidential_negotiation(ties, coordinator):
    under_review(ties["minnesota"])
    row = monday_mail(set_up(coordinator))
    for text in (row.text, row.html):
        assert "Minnesota" in text  # stalled, and its draft waits in clearance
        assert "Ontario" in text
        assert "confidential" in text
    assert "no contact for" in row.text


def test_the_embassys_digest_holds_its_countrys_ties_only(ties, embassy):
    row = monday_mail(set_up(embassy))
    assert "Indiana" in row.text
    assert "Minnesota" in row.text  # confidential, but the embassy of its country sees it
    assert "Ontario" not in row.text and "Ontario" not in row.html  # Canada's: not its business
    assert "ties with United States" in row.text


def test_a_regions_staff_get_their_regions_part_only(ties, zhytomyr, chernihiv):
    mine = monday_mail(set_up(zhytomyr))
    assert "Indiana" in mine.text and "Ontario" in mine.text
    assert "Minnesota" not in mine.text and "Chernihiv" not in mine.text
    theirs = monday_mail(set_up(chernihiv))
    assert "Minnesota" in theirs.text
    assert "Indiana" not in theirs.text and "Ontario" not in theirs.text


def test_overdue_action_items_are_listed_with_their_owner(ties, coordinator, zhytomyr):
    ActionItem.objects.create(
        title="Send the signed copy",
        owner=zhytomyr,
        due=MONDAY - timedelta(days=3),
        thread=thread_with(users=(zhytomyr,), partnership=ties["ontario"]),
        partnership=ties["ontario"],
    )
    row = monday_mail(set_up(coordinator))
    assert "Send the signed copy" in row.text
    assert zhytomyr.get_full_name() in row.text
    assert "Send the signed copy" in monday_mail(set_up(zhytomyr)).text


def test_nobody_who_chose_no_email_nor_without_a_part(ties, coordinator, indiana, outsider):
    for person in (set_up(coordinator, mode="off"), set_up(indiana), set_up(outsider)):
        assert not weekly_digest_queue_one(person, now=at(MONDAY, 8, person.timezone))
    assert weekly_digests_queue(now=at(MONDAY, 8, "Europe/Kyiv")) == 0
    assert not weekly_rows().exists()


def test_a_region_without_ties_gets_nothing(reference, chernihiv):
    assert weekly_digests_queue(now=at(MONDAY, 8, "Europe/Kyiv")) == 0


# --- rendered by the worker or the command, never in a request ------------------------------


def test_only_the_worker_and_the_command_queue_the_digest():
    package = Path(regionbridge.__file__).resolve().parent
    callers = {
        str(path.relative_to(package))
        for path in package.rglob("*.py")
        if "weekly_digests_queue" in path.read_text() or "weekly_digests_tick" in path.read_text()
    }
    assert callers == {
        "oversight/digest.py",
        "oversight/management/commands/send-weekly-digests.py",
    }


def test_a_page_queues_no_digest(client, ties, coordinator, monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: at(MONDAY, 8, "Europe/Kyiv"))
    client.force_login(coordinator)
    client.get("/")
    client.get("/oversight/")
    assert not weekly_rows().exists()


def test_the_command_says_how_many_it_queued(readers, monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: at(MONDAY, 9, "America/New_York"))
    out = io.StringIO()
    call_command("send-weekly-digests", stdout=out)
    assert out.getvalue().strip() == "weekly digests queued: 4"


def test_a_digest_costs_the_same_queries_for_3_ties_or_12(
    reference, coordinator, django_assert_max_num_queries
):
    from regionbridge.regions.models import Region
    from tests.test_policy import partnership

    person = set_up(coordinator)
    states = list(Region.objects.filter(country__code="US").order_by("code")[:12])
    counts = []
    for size in (3, 12):
        for state in states[:size]:
            p = stalled(partnership("UA-18", state.code, confidential=state.code < "US-M"))
            if not p.documents.exists():
                under_review(p)
        OutboundEmail.objects.all().delete()
        person = User.objects.get(pk=person.pk)  # its scope not yet read, as in the worker
        with django_assert_max_num_queries(40) as captured:
            assert weekly_digest_queue_one(person, now=at(MONDAY, 8, person.timezone))
        counts.append(len(captured))
    assert counts[0] == counts[1], counts
