"""The meeting planner (issue 12, point 2) and the working hours on the profile (point 1).

Most cases are plain `WorkSchedule`s, no database: Kyiv Oblast and Utah share one hour a day only
in the weeks of March when the US has moved its clocks and Europe has not; Kyiv and Indiana in
spring and autumn around both sides' changes; holidays of each side remove the day (Ukraine's
none from 2022, under martial law). Then the page, who may plan with whom, and the profile.
"""

import time as clock
from datetime import UTC, date, datetime, time, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from regionbridge.accounts.models import User
from regionbridge.meetings import planner_views
from regionbridge.meetings.picture import blocks
from regionbridge.meetings.planner import (
    WorkSchedule,
    free_slots,
    least_bad,
    overlap_days,
    planner_people,
    schedule_of,
)
from tests.conftest import org
from tests.factories import PersonFactory, UserFactory
from tests.test_policy import chernihiv_minnesota

pytestmark = pytest.mark.django_db

HOUR = timedelta(hours=1)
KYIV = WorkSchedule("Europe/Kyiv", "12345", time(9), time(18), "UA", "Olena")
UTAH = WorkSchedule("America/Denver", "12345", time(9), time(18), "US-UT", "Jacob")
INDIANA = WorkSchedule("America/Indiana/Indianapolis", "12345", time(9), time(18), "US-IN", "Emily")


@pytest.fixture(autouse=True)
def _english():
    """Messages are matched in English (pages answer in the account's language)."""
    with translation.override("en"):
        yield


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def weekdays(first: date, last: date) -> list[date]:
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    return [day for day in days if day.isoweekday() <= 5]


def starts(slots) -> list[datetime]:
    return [start for start, _end in slots]


def common_on(schedules, day: date) -> list[tuple[datetime, datetime]]:
    return list(overlap_days(schedules, day, day)[0].common)


# --- Kyiv Oblast and Utah, spring 2025 --------------------------------------------------------


def test_kyiv_and_utah_share_one_hour_a_day_from_10_to_28_march_2025():
    slots = free_slots([KYIV, UTAH], date(2025, 3, 1), date(2025, 4, 4), HOUR)
    expected = [
        (utc(d.year, d.month, d.day, 15), utc(d.year, d.month, d.day, 16))
        for d in weekdays(date(2025, 3, 10), date(2025, 3, 28))
    ]
    assert slots == expected
    assert len(slots) == 15


def test_kyiv_and_utah_have_no_hour_in_the_weeks_around():
    assert free_slots([KYIV, UTAH], date(2025, 3, 3), date(2025, 3, 7), HOUR) == []
    assert free_slots([KYIV, UTAH], date(2025, 3, 31), date(2025, 4, 4), HOUR) == []
    # Not even half an hour: Kyiv ends at 16:00Z as Utah starts (winter), Kyiv ends at 15:00Z
    # and Utah starts at 15:00Z (both on summer time).
    thirty = timedelta(minutes=30)
    assert free_slots([KYIV, UTAH], date(2025, 3, 3), date(2025, 3, 7), thirty) == []
    assert free_slots([KYIV, UTAH], date(2025, 3, 31), date(2025, 4, 4), thirty) == []


def test_half_hour_meetings_start_on_the_utc_half_hour_grid_within_the_shared_hour():
    slots = free_slots([KYIV, UTAH], date(2025, 3, 12), date(2025, 3, 12), timedelta(minutes=30))
    assert starts(slots) == [utc(2025, 3, 12, 15), utc(2025, 3, 12, 15, 30)]


def test_the_overlap_per_day_for_the_picture():
    assert common_on([KYIV, UTAH], date(2025, 3, 12)) == [
        (utc(2025, 3, 12, 15), utc(2025, 3, 12, 16))
    ]
    assert common_on([KYIV, UTAH], date(2025, 3, 5)) == []
    day = overlap_days([KYIV, UTAH], date(2025, 3, 5), date(2025, 3, 5))[0]
    kyiv, utah = day.people
    assert kyiv.intervals == ((utc(2025, 3, 5, 7), utc(2025, 3, 5, 16)),)
    # Utah's Tuesday ends at 01:00Z on Wednesday; its Wednesday runs past midnight UTC.
    assert utah.intervals == (
        (utc(2025, 3, 5, 0), utc(2025, 3, 5, 1)),
        (utc(2025, 3, 5, 16), utc(2025, 3, 6, 0)),
    )
    saturday = overlap_days([KYIV, UTAH], date(2025, 3, 8), date(2025, 3, 8))[0]
    assert saturday.people[0].off == "day-off"


def test_the_picture_draws_alike_days_once_and_shows_the_march_weeks_apart():
    days = overlap_days([KYIV, UTAH], date(2025, 3, 3), date(2025, 4, 4))
    drawn = blocks([KYIV, UTAH], days)
    shared = [(b.first, b.last) for b in drawn if b.common]
    assert shared == [
        # On summer time Utah's day is 15:00–24:00Z: Monday looks like every other weekday.
        (date(2025, 3, 10), date(2025, 3, 14)),
        (date(2025, 3, 17), date(2025, 3, 21)),
        (date(2025, 3, 24), date(2025, 3, 28)),
    ]
    assert all("15:00–16:00 UTC" in b.common_text for b in drawn if b.common)
    # Each alike run is one block: five weeks, about four blocks a week, not 33 days.
    assert len(drawn) < 25


# --- Kyiv Oblast and Indiana, both sides' changes ---------------------------------------------


def test_a_meeting_planned_in_february_for_april_uses_aprils_clocks():
    """In February both sides are on standard time (Kyiv 07–16Z, Indiana 14–23Z: two hours);
    a plan for April must use April's offsets (Kyiv 06–15Z, Indiana 13–22Z), whatever the day
    it is made on: nothing in the planner reads today's offset."""
    february = free_slots([KYIV, INDIANA], date(2025, 2, 10), date(2025, 2, 10), HOUR)
    assert starts(february) == [
        utc(2025, 2, 10, 14),
        utc(2025, 2, 10, 14, 30),
        utc(2025, 2, 10, 15),
    ]
    april = free_slots([KYIV, INDIANA], date(2025, 4, 14), date(2025, 4, 18), HOUR)
    monday = [s for s in starts(april) if s.date() == date(2025, 4, 14)]
    assert monday == [utc(2025, 4, 14, 13), utc(2025, 4, 14, 13, 30), utc(2025, 4, 14, 14)]
    # Good Friday is a public holiday in Indiana.
    assert not [s for s in starts(april) if s.date() == date(2025, 4, 18)]


def test_the_page_planned_in_february_shows_april(client, zhytomyr, indiana, monkeypatch):
    PersonFactory(organization=org("gov-US-IN"), user=indiana)
    monkeypatch.setattr(planner_views.timezone, "now", lambda: datetime(2025, 2, 10, 9, tzinfo=UTC))
    client.force_login(zhytomyr)
    response = client.get(
        reverse("meetings:planner"),
        {
            "people": "zhytomyr@example.org, indiana@example.org",
            "date_from": "2025-04-14",
            "date_to": "2025-04-14",
            "duration": "60",
        },
    )
    assert response.status_code == 200
    page = response.content.decode()
    # Kyiv time (the viewer's zone) on 14 April: 16:00 is 13:00Z.
    assert "starts_at=2025-04-14T13%3A00%3A00Z" in page
    assert "starts_at=2025-04-14T14%3A00%3A00Z" in page
    assert "Indianapolis 09:00–11:00" in page


def overlap_hours(schedules, day: date) -> float:
    return sum((b - a).total_seconds() for a, b in common_on(schedules, day)) / 3600


def test_autumn_2025_europe_switches_back_a_week_before_the_us():
    pair = [KYIV, INDIANA]
    # Both on summer time: Kyiv 06–15Z, Indiana 13–22Z.
    for day in weekdays(date(2025, 10, 20), date(2025, 10, 24)):
        assert common_on(pair, day) == [
            (utc(day.year, day.month, day.day, 13), utc(day.year, day.month, day.day, 15))
        ], day
    # Kyiv back on 26 October (07–16Z), Indiana not until 2 November (13–22Z): three hours.
    for day in weekdays(date(2025, 10, 27), date(2025, 10, 31)):
        assert overlap_hours(pair, day) == 3, day
        assert common_on(pair, day)[0][0] == utc(day.year, day.month, day.day, 13)
    # Both on standard time (Indiana 14–23Z): two hours, 14–16Z; 4 Nov is Election Day in Indiana.
    for day in weekdays(date(2025, 11, 3), date(2025, 11, 7)):
        expected = 0 if day == date(2025, 11, 4) else 2
        assert overlap_hours(pair, day) == expected, day
    slots = free_slots(pair, date(2025, 10, 27), date(2025, 10, 27), HOUR)
    assert starts(slots) == [utc(2025, 10, 27, 13) + n * timedelta(minutes=30) for n in range(5)]


def test_us_holidays_remove_the_day():
    pair = [KYIV, INDIANA]
    assert free_slots(pair, date(2025, 7, 4), date(2025, 7, 4), HOUR) == []
    assert free_slots(pair, date(2025, 7, 3), date(2025, 7, 3), HOUR) != []
    # Thanksgiving, and the Friday after it (Lincoln's Birthday, as Indiana observes it).
    assert free_slots(pair, date(2025, 11, 27), date(2025, 11, 28), HOUR) == []
    assert free_slots(pair, date(2025, 11, 26), date(2025, 11, 26), HOUR) != []
    day = overlap_days(pair, date(2025, 7, 4), date(2025, 7, 4))[0]
    assert day.people[1].off == "holiday"


def test_ukraine_keeps_no_public_holidays_as_days_off_under_martial_law():
    kyiv_alone = [KYIV]
    # 1 January 2025 and 24 August 2022 (a Wednesday) are working days now.
    assert free_slots(kyiv_alone, date(2025, 1, 1), date(2025, 1, 1), HOUR) != []
    assert free_slots(kyiv_alone, date(2022, 8, 24), date(2022, 8, 24), HOUR) != []
    # Before the war they were days off: Independence Day 2021 and its bridge day.
    assert free_slots(kyiv_alone, date(2021, 8, 23), date(2021, 8, 24), HOUR) == []
    assert free_slots(kyiv_alone, date(2021, 8, 25), date(2021, 8, 25), HOUR) != []


# --- custom schedules, edges of the range -----------------------------------------------------


def test_custom_working_days_and_hours():
    saturdays = WorkSchedule("Europe/Kyiv", "6", time(10), time(14), "", "Weekend volunteer")
    slots = free_slots([saturdays], date(2025, 1, 1), date(2025, 1, 31), HOUR)
    assert {start.date().isoweekday() for start in starts(slots)} == {6}
    assert starts(slots)[:7] == [utc(2025, 1, 4, 8) + n * timedelta(minutes=30) for n in range(7)]


def test_a_zone_off_the_half_hour_still_gets_the_utc_grid():
    kathmandu = WorkSchedule("Asia/Kathmandu", "12345", time(9), time(18), "", "Kathmandu")
    slots = free_slots([kathmandu], date(2025, 3, 3), date(2025, 3, 3), HOUR)
    assert starts(slots)[0] == utc(2025, 3, 3, 3, 30)  # 09:00 local is 03:15Z
    assert starts(slots)[-1] == utc(2025, 3, 3, 11)  # 18:00 local is 12:15Z


def test_the_range_is_utc_days_and_the_last_start_is_on_date_to():
    # Utah's Monday 3 March (MST) runs 16:00Z to 01:00Z on Tuesday.
    slots = free_slots([UTAH], date(2025, 3, 4), date(2025, 3, 4), timedelta(minutes=30))
    assert starts(slots)[:2] == [utc(2025, 3, 4, 0), utc(2025, 3, 4, 0, 30)]
    assert starts(slots)[-1] == utc(2025, 3, 4, 23, 30)  # ends after date_to, as allowed
    assert all(s.date() == date(2025, 3, 4) for s in starts(slots))


def test_a_meeting_of_eight_hours_fits_nobody_pair_and_barely_one_person():
    assert (
        free_slots([KYIV, UTAH], date(2025, 3, 1), date(2025, 5, 31), timedelta(minutes=480)) == []
    )
    alone = free_slots([KYIV], date(2025, 3, 3), date(2025, 3, 3), timedelta(minutes=480))
    assert starts(alone) == [utc(2025, 3, 3, 7), utc(2025, 3, 3, 7, 30), utc(2025, 3, 3, 8)]


def test_twenty_people_over_92_days_is_fast():
    people = [KYIV, UTAH, INDIANA, WorkSchedule("Europe/London", "12345", time(8), time(17), "")]
    crowd = (people * 5)[:20]
    begun = clock.perf_counter()
    free_slots(crowd, date(2025, 1, 1), date(2025, 4, 3), timedelta(minutes=30))
    least_bad(crowd, date(2025, 1, 1), date(2025, 4, 3), timedelta(minutes=30))
    overlap_days(crowd, date(2025, 1, 1), date(2025, 4, 3))
    assert clock.perf_counter() - begun < 2


@pytest.mark.parametrize(
    ("date_from", "date_to", "minutes", "message"),
    [
        (date(2025, 3, 10), date(2025, 3, 9), 60, "must not be before"),
        (date(2025, 1, 1), date(2025, 4, 4), 60, "92 days"),
        (date(2025, 3, 1), date(2025, 3, 2), 14, "15 to 480"),
        (date(2025, 3, 1), date(2025, 3, 2), 481, "15 to 480"),
        (date(9999, 12, 30), date(9999, 12, 31), 60, "between 2000 and 2100"),
        (date(1, 1, 1), date(1, 1, 2), 60, "between 2000 and 2100"),
        (datetime(2025, 3, 1, 12), date(2025, 3, 2), 60, "YYYY-MM-DD"),
    ],
)
def test_bad_requests_are_refused_clearly(date_from, date_to, minutes, message):
    with pytest.raises(ValidationError, match=message):
        free_slots([KYIV], date_from, date_to, timedelta(minutes=minutes))


def test_92_days_apart_is_the_most():
    free_slots([KYIV], date(2025, 1, 1), date(2025, 4, 3), HOUR)  # 92 days apart


def test_people_limits_and_bad_schedules():
    with pytest.raises(ValidationError, match="at least one"):
        free_slots([], date(2025, 3, 1), date(2025, 3, 2), HOUR)
    with pytest.raises(ValidationError, match="at most 20"):
        free_slots([KYIV] * 21, date(2025, 3, 1), date(2025, 3, 2), HOUR)
    with pytest.raises(ValidationError, match="Unknown time zone"):
        WorkSchedule("Mars/Olympus", "12345", time(9), time(18), "")
    with pytest.raises(ValidationError, match="end after it starts"):
        WorkSchedule("Europe/Kyiv", "12345", time(18), time(9), "")
    with pytest.raises(ValidationError, match="working day"):
        WorkSchedule("Europe/Kyiv", "", time(9), time(18), "")


# --- the least bad times ----------------------------------------------------------------------


def test_with_no_overlap_the_least_bad_times_are_an_early_or_late_hour_labelled():
    proposals = least_bad([KYIV, UTAH], date(2025, 3, 3), date(2025, 3, 7), HOUR)
    first = proposals[0]
    assert first.start == utc(2025, 3, 3, 15, 30)
    assert [(s.label, s.early, s.late) for s in first.stretches] == [
        ("Olena", 0, 30),
        ("Jacob", 30, 0),
    ]
    assert f"{first.stretches[0].local_end:%H:%M}" == "18:30"
    assert f"{first.stretches[1].local_start:%H:%M}" == "08:30"
    one_sided = {
        (p.start, tuple((s.label, s.early, s.late) for s in p.stretches)) for p in proposals
    }
    assert (utc(2025, 3, 3, 15), (("Jacob", 60, 0),)) in one_sided  # an early hour for Utah
    assert (utc(2025, 3, 3, 16), (("Olena", 0, 60),)) in one_sided  # a late hour for Kyiv
    assert [p.worst for p in proposals] == sorted(p.worst for p in proposals)
    # Never before 07:00 nor after 21:00 local for anyone.
    for proposal in proposals:
        for stretch in proposal.stretches:
            assert stretch.local_start.time() >= time(7)
            assert stretch.local_end.time() <= time(21)


def test_no_least_bad_time_when_nobody_works_the_same_day():
    mondays = WorkSchedule("Europe/Kyiv", "1", time(9), time(18), "")
    tuesdays_far = WorkSchedule("Pacific/Honolulu", "3", time(9), time(18), "")
    assert least_bad([mondays, tuesdays_far], date(2025, 3, 3), date(2025, 3, 9), HOUR) == []


# --- real accounts ----------------------------------------------------------------------------


def test_a_persons_schedule_comes_from_their_account(indiana):
    schedule = schedule_of(indiana)
    assert schedule.tz == "America/Indiana/Indianapolis"
    assert schedule.holidays == "US-IN"
    assert (schedule.work_days, schedule.start, schedule.end) == ("12345", time(9), time(18))
    assert schedule.label == indiana.get_full_name()


def test_real_zhytomyr_and_indiana_accounts_overlap_as_the_schedules_do(zhytomyr, indiana):
    # 3 March 2025, both on standard time: Kyiv 07–16Z, Indianapolis 14–23Z.
    schedules = [schedule_of(zhytomyr), schedule_of(indiana)]
    assert starts(free_slots(schedules, date(2025, 3, 3), date(2025, 3, 3), HOUR)) == [
        utc(2025, 3, 3, 14),
        utc(2025, 3, 3, 14, 30),
        utc(2025, 3, 3, 15),
    ]


@pytest.fixture
def indiana_listed(indiana):
    """Indiana's liaison with a directory entry (what makes them someone one may plan with)."""
    PersonFactory(organization=org("gov-US-IN"), user=indiana)
    return indiana


def test_members_plan_with_people_in_the_directory_and_themselves(zhytomyr, indiana_listed):
    people = planner_people(zhytomyr, [" Indiana@Example.org ", "zhytomyr@example.org", ""])
    assert people == [indiana_listed, zhytomyr]


def test_an_unknown_or_unlisted_address_is_refused_the_same_naming_it(zhytomyr, indiana):
    # Indiana has an account but no directory entry; nobody has the other address.
    for address in ("indiana@example.org", "nobody@example.org"):
        with pytest.raises(ValidationError, match=f"has the address {address}"):
            planner_people(zhytomyr, [address])
    with pytest.raises(ValidationError, match="Not an e-mail address"):
        planner_people(zhytomyr, ["not an address\x00"])
    with pytest.raises(ValidationError, match="at most 20"):
        planner_people(zhytomyr, [f"p{n}@example.org" for n in range(21)])


def test_an_inactive_account_is_refused(zhytomyr, indiana_listed):
    User.objects.filter(pk=indiana_listed.pk).update(is_active=False)
    with pytest.raises(ValidationError, match=r"indiana@example\.org"):
        planner_people(zhytomyr, ["indiana@example.org"])


def test_the_outsider_may_not_plan(outsider):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        planner_people(outsider, ["outsider@example.org"])


# --- the page ---------------------------------------------------------------------------------

PLANNER = "/meetings/planner/"
MARCH = {"date_from": "2025-03-03", "date_to": "2025-03-14", "duration": "60"}


def test_anonymous_visitors_sign_in_first_and_outsiders_are_refused(client, outsider):
    response = client.get(PLANNER)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    client.force_login(outsider)
    assert client.get(PLANNER).status_code == 403


def test_the_form_starts_with_me_from_today_for_two_weeks_an_hour(client, zhytomyr):
    client.force_login(zhytomyr)
    response = client.get(PLANNER)
    assert response.status_code == 200
    form = response.context["form"]
    assert form.initial["people"] == "zhytomyr@example.org"
    assert form.initial["duration"] == 60
    assert form.initial["date_to"] - form.initial["date_from"] == timedelta(days=13)
    assert "planned" not in response.context


def test_a_link_naming_someone_plans_with_them_and_me(client, zhytomyr, indiana_listed):
    client.force_login(zhytomyr)
    response = client.get(PLANNER, {"people": "indiana@example.org"})
    assert response.status_code == 200
    assert [u.email for u in response.context["form"].users] == [
        "zhytomyr@example.org",
        "indiana@example.org",
    ]


def test_kyiv_and_indiana_in_march_slots_picture_and_links(client, zhytomyr, indiana_listed):
    client.force_login(zhytomyr)
    response = client.get(PLANNER, {"people": "zhytomyr@example.org,indiana@example.org", **MARCH})
    assert response.status_code == 200
    page = response.content.decode()
    assert '<svg class="planner-svg"' in page and "<title" in page and "<desc" in page
    assert "Everyone at work" in page or "Усі на роботі" in page
    # 3–7 March: Indiana on EST (14–23Z), Kyiv 07–16Z: 14:00Z, 14:30Z, 15:00Z; the link
    # arranges the meeting with the others (the organizer takes part anyway).
    link = (
        "/meetings/new/?starts_at=2025-03-03T14%3A00%3A00Z&amp;ends_at=2025-03-03T15%3A00%3A00Z"
        "&amp;people=indiana%40example.org"
    )
    assert link in page
    # 10–14 March: Indiana on EDT (13–22Z): 13:00Z is in.
    assert "starts_at=2025-03-10T13%3A00%3A00Z" in page
    assert "starts_at=2025-03-03T13%3A00%3A00Z" not in page
    assert response.context["slot_count"] == 5 * 3 + 5 * 5


def test_no_overlap_says_so_and_proposes_the_least_bad_times(client, zhytomyr, indiana_listed):
    User.objects.filter(pk=indiana_listed.pk).update(timezone="America/Denver")
    client.force_login(zhytomyr)
    response = client.get(
        PLANNER,
        {"people": "zhytomyr@example.org indiana@example.org", **MARCH, "date_to": "2025-03-07"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert response.context["slot_count"] == 0
    assert response.context["proposals"]
    assert "No time fits everyone" in page or "Немає часу" in page
    reasons = [why for p in response.context["proposals"] for why in p["why"]]
    assert any("early for" in why or "раніше" in why for why in reasons)


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"people": "nobody@example.org"}, "people"),
        ({"people": "A" * 200_000}, "people"),
        ({"people": "x\x00@example.org"}, None),  # the site refuses NUL before any view
        ({"date_from": "9999-12-30", "date_to": "9999-12-31"}, "date_to"),
        ({"date_from": "10000-01-01"}, "date_from"),
        ({"date_from": "2025-03-10", "date_to": "2025-03-01"}, "date_to"),
        ({"date_from": "2025-01-01", "date_to": "2025-12-31"}, "date_to"),
        ({"duration": "481"}, "duration"),
        ({"duration": "1e9"}, "duration"),
        ({"duration": "-1"}, "duration"),
    ],
)
def test_hostile_queries_get_a_400_naming_the_field(client, zhytomyr, query, field):
    client.force_login(zhytomyr)
    response = client.get(PLANNER, {"people": "zhytomyr@example.org", **MARCH, **query})
    assert response.status_code == 400
    if field is not None:
        assert field in response.context["form"].errors
        assert "planned" not in response.context


def test_the_error_names_the_address(client, zhytomyr):
    client.force_login(zhytomyr)
    response = client.get(PLANNER, {"people": "ghost@example.org", **MARCH})
    assert "ghost@example.org" in response.context["form"].errors["people"][0]


def test_confidential_ties_do_not_matter_nor_show(client, chernihiv, reference):
    """Chernihiv – Minnesota is a confidential negotiation: planning with a Minnesota official
    in the directory works as with anyone, and the page says nothing of the tie."""
    chernihiv_minnesota()
    minnesota = UserFactory(email="mn@example.org", timezone="America/Chicago")
    PersonFactory(organization=org("gov-US-MN"), user=minnesota)
    client.force_login(chernihiv)
    response = client.get(PLANNER, {"people": "chernihiv@example.org, mn@example.org", **MARCH})
    assert response.status_code == 200
    assert "Minnesota" not in response.content.decode().replace("mn@example.org", "")


# --- the profile: working hours ---------------------------------------------------------------

PROFILE = "/accounts/profile/"
BASE = {"language": "en", "timezone": "America/Indiana/Indianapolis", "notification_mode": "every"}


def test_the_profile_shows_and_saves_working_hours(client, indiana):
    client.force_login(indiana)
    page = client.get(PROFILE).content.decode()
    assert 'name="work_days"' in page and 'name="holiday_calendar"' in page
    assert 'value="US-IN" selected' in page
    # None, Ukraine, the United States, and each state and DC by name.
    assert 'value="UA"' in page and 'value="US-DC"' in page and 'value="US-WY"' in page
    response = client.post(
        PROFILE,
        {
            **BASE,
            "work_days": ["1", "2", "3", "4"],
            "work_start": "07:30",
            "work_end": "16:00",
            "holiday_calendar": "US",
        },
    )
    assert response.status_code == 302
    indiana.refresh_from_db()
    assert (indiana.work_days, indiana.work_start, indiana.work_end, indiana.holiday_calendar) == (
        "1234",
        time(7, 30),
        time(16),
        "US",
    )


def test_the_profile_can_clear_the_holiday_calendar(client, zhytomyr):
    client.force_login(zhytomyr)
    response = client.post(
        PROFILE,
        {
            **BASE,
            "work_days": ["1"],
            "work_start": "09:00",
            "work_end": "18:00",
            "holiday_calendar": "",
        },
    )
    assert response.status_code == 302
    zhytomyr.refresh_from_db()
    assert zhytomyr.holiday_calendar == ""


def test_a_profile_post_without_working_hours_leaves_them_unchanged(client, indiana):
    client.force_login(indiana)
    assert client.post(PROFILE, BASE).status_code == 302
    indiana.refresh_from_db()
    assert (indiana.work_days, indiana.work_start, indiana.work_end, indiana.holiday_calendar) == (
        "12345",
        time(9),
        time(18),
        "US-IN",
    )


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"work_start": "18:00", "work_end": "09:00"}, "work_end"),
        ({"work_start": "09:00", "work_end": "09:00"}, "work_end"),
        ({"work_days": []}, "work_days"),
        ({"work_days": ["8"]}, "work_days"),
        ({"holiday_calendar": "XX-YY"}, "holiday_calendar"),
        ({"holiday_calendar": "A" * 200_000}, "holiday_calendar"),
        ({"work_start": "A" * 200_000}, "work_start"),
        ({"work_end": "25:00"}, "work_end"),
        ({"work_start": ""}, "work_start"),
        ({"work_days": ["1\x00"]}, "work_days"),
    ],
)
def test_hostile_working_hours_are_refused_and_nothing_changes(client, indiana, fields, field):
    client.force_login(indiana)
    good = {
        "work_days": ["1", "2"],
        "work_start": "08:00",
        "work_end": "17:00",
        "holiday_calendar": "US",
    }
    response = client.post(PROFILE, {**BASE, **good, **fields})
    assert response.status_code == 400
    assert field in response.context["preferences"].errors
    before = User.objects.get(pk=indiana.pk)
    assert (before.work_days, before.work_start, before.work_end, before.holiday_calendar) == (
        "12345",
        time(9),
        time(18),
        "US-IN",
    )
