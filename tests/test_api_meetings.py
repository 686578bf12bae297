"""The meetings API at /api/v1 (issue 12): meetings (create, list, one, change, cancel, the
calendar file), free times across time zones, and action items; the pages' policy (a meeting on
a confidential negotiation is a 404 for whoever may not see the negotiation), 422s that say why,
and pinned query counts on the lists."""

import json
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from icalendar import Calendar

from regionbridge.accounts.services import token_issue
from regionbridge.meetings import services
from regionbridge.meetings.models import ActionItem, Meeting
from regionbridge.messaging.models import Participant
from tests.api_contract import answers_documented  # noqa: F401 (a fixture)
from tests.conftest import org
from tests.factories import PersonFactory, UserFactory
from tests.test_api import assert_json_error, bearer, body
from tests.test_policy import chernihiv_minnesota, zhytomyr_indiana

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("answers_documented")]

API = "/api/v1"
MEETINGS = f"{API}/meetings"
ACTIONS = f"{API}/actions"
SLOTS = f"{MEETINGS}/slots"


# --- helpers -------------------------------------------------------------------------------


def send(client, method: str, url: str, data, headers: dict):
    raw = data if isinstance(data, str | bytes) else json.dumps(data)
    return client.generic(method, url, raw, content_type="application/json", headers=headers)


def ok(response, status: int = 200) -> dict:
    assert response.status_code == status, (response.status_code, response.content[:500])
    return body(response)


def refused(response, *words: str) -> str:
    """A 422 whose message says why."""
    data = assert_json_error(response, 422)
    for word in words:
        assert word in data["message"], data
    return data["message"]


def later(days: int = 7, hour: int = 15) -> datetime:
    """A UTC time `days` from now, on the hour."""
    day = timezone.now().date() + timedelta(days=days)
    return datetime(day.year, day.month, day.day, hour, tzinfo=ZoneInfo("UTC"))


def z(moment: datetime) -> str:
    return moment.astimezone(ZoneInfo("UTC")).strftime("%Y-%m-%dT%H:%M:%SZ")


def meeting_body(**changes) -> dict:
    start = later()
    return {
        "title": "Zhytomyr – Indiana: school exchange",
        "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(hours=1)).isoformat(),
        **changes,
    }


def arrange(by, *, users=(), partnership=None, **kwargs) -> Meeting:
    start = kwargs.pop("starts_at", later())
    return services.meeting_create(
        by=by,
        title=kwargs.pop("title", "Weekly call"),
        starts_at=start,
        ends_at=kwargs.pop("ends_at", start + timedelta(hours=1)),
        users=list(users),
        partnership=partnership,
        **kwargs,
    )


@pytest.fixture
def meeting(zhytomyr, indiana):
    """Zhytomyr's officer organizes, Indiana's liaison is invited; no partnership."""
    return arrange(zhytomyr, users=[indiana], place="Online")


@pytest.fixture
def secret_meeting(chernihiv, embassy, zhytomyr):
    """On the confidential negotiation: Chernihiv organizes with the embassy. Zhytomyr's officer
    is written in as a participant (as if added before the tie became confidential): they still
    may not see it."""
    found = arrange(chernihiv, users=[embassy], partnership=chernihiv_minnesota())
    Participant.objects.create(thread=found.thread, user=zhytomyr)
    return found


# --- create --------------------------------------------------------------------------------


def test_any_member_arranges_a_meeting_and_is_its_organizer(client, zhytomyr, indiana):
    kyiv = "+02:00"
    data = ok(
        send(
            client,
            "post",
            MEETINGS,
            {
                "title": "Hospital twinning",
                "starts_at": "2030-03-11T17:00:00" + kyiv,
                "ends_at": "2030-03-11T18:30:00" + kyiv,
                "people": ["INDIANA@example.org ", "counterpart@hospital.example"],
                "organizations": [org("embassy-us").pk],
                "partnership": zhytomyr_indiana().pk,
                "agenda": ["Introductions", "Exchange of doctors"],
                "place": "Zhytomyr",
            },
            bearer(zhytomyr),
        ),
        201,
    )
    assert data["starts_at"] == "2030-03-11T15:00:00Z" and data["ends_at"] == "2030-03-11T16:30:00Z"
    assert (data["status"], data["sequence"]) == ("planned", 0)
    assert data["organizer"] == "zhytomyr@example.org"
    assert data["people"] == [
        "zhytomyr@example.org",
        "indiana@example.org",
        "counterpart@hospital.example",
    ]
    assert data["organizations"] == [org("embassy-us").pk]
    assert data["agenda"] == ["Introductions", "Exchange of doctors"]
    assert data["partnership"] == zhytomyr_indiana().pk
    assert data["my_answer"] == "needs-action" and data["uid"].endswith("@regionbridge")
    assert data["url"] == f"/meetings/{data['id']}/"
    meeting = Meeting.objects.get(pk=data["id"])
    assert meeting.organizer == zhytomyr and meeting.place == "Zhytomyr"


def test_the_new_meeting_reads_the_same_through_get(client, zhytomyr):
    created = ok(send(client, "post", MEETINGS, meeting_body(), bearer(zhytomyr)), 201)
    assert ok(client.get(f"{MEETINGS}/{created['id']}", headers=bearer(zhytomyr))) == created


def test_anonymous_gets_401(client, meeting):
    assert_json_error(send(client, "post", MEETINGS, meeting_body(), {}), 401)
    for url in (MEETINGS, f"{MEETINGS}/{meeting.pk}", ACTIONS, f"{MEETINGS}/{meeting.pk}/ics"):
        assert_json_error(client.get(url), 401)


def test_someone_without_a_role_may_not_arrange_a_meeting(client, outsider):
    assert_json_error(send(client, "post", MEETINGS, meeting_body(), bearer(outsider)), 403)
    assert not Meeting.objects.exists()


def test_a_read_only_token_is_refused_every_write(client, zhytomyr, meeting):
    _token, plain = services_token(zhytomyr)
    headers = {"Authorization": f"Bearer {plain}"}
    action = services.action_add(
        by=zhytomyr, title="Send the list", owner=zhytomyr, due=date(2030, 1, 1), meeting=meeting
    )
    for method, url, data in (
        ("post", MEETINGS, meeting_body()),
        ("patch", f"{MEETINGS}/{meeting.pk}", {"title": "New"}),
        ("post", f"{MEETINGS}/{meeting.pk}/cancel", {}),
        ("post", f"{MEETINGS}/{meeting.pk}/actions", action_body(zhytomyr)),
        ("patch", f"{ACTIONS}/{action.pk}", {"status": "done"}),
    ):
        assert_json_error(send(client, method, url, data, headers), 403)
    meeting.refresh_from_db()
    assert (meeting.title, meeting.status, Meeting.objects.count()) == ("Weekly call", "planned", 1)
    assert ok(client.get(f"{MEETINGS}/{meeting.pk}", headers=headers))["id"] == meeting.pk


def services_token(user):
    return token_issue(user=user, name="read", read_only=True)


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"ends_at": "2030-03-11T09:00:00Z", "starts_at": "2030-03-11T10:00:00Z"}, ["end after"]),
        ({"starts_at": "2030-03-11T08:00:00Z", "ends_at": "2030-03-11T20:01:00Z"}, ["12 hours"]),
        ({"starts_at": "9999-12-31T23:00:00-05:00", "ends_at": "9999-12-31T23:30:00-05:00"}, []),
        ({"people": ["not an address"]}, ["not an address"]),
        ({"title": "   "}, ["title"]),
    ],
    ids=["end_before_start", "12h01m", "year_9999", "bad_email", "blank_title"],
)
def test_a_meeting_the_services_refuse_is_a_422_saying_why(client, zhytomyr, changes, words):
    refused(send(client, "post", MEETINGS, meeting_body(**changes), bearer(zhytomyr)), *words)
    assert not Meeting.objects.exists()


def test_a_naive_time_is_a_422(client, zhytomyr):
    response = send(
        client, "post", MEETINGS, meeting_body(starts_at="2030-03-11T10:00:00"), bearer(zhytomyr)
    )
    data = assert_json_error(response, 422)
    assert data["errors"][0]["loc"] == ["body", "payload", "starts_at"]


def test_no_guest_on_a_confidential_negotiation(client, chernihiv):
    response = send(
        client,
        "post",
        MEETINGS,
        meeting_body(people=["stranger@elsewhere.example"], partnership=chernihiv_minnesota().pk),
        bearer(chernihiv),
    )
    refused(response, "stranger@elsewhere.example", "confidential")
    assert not Meeting.objects.exists()


def test_a_negotiation_one_may_not_see_is_a_404(client, zhytomyr):
    body_ = meeting_body(partnership=chernihiv_minnesota().pk)
    assert_json_error(send(client, "post", MEETINGS, body_, bearer(zhytomyr)), 404)


# --- list and read -------------------------------------------------------------------------


def test_the_list_is_mine_and_paginated(client, zhytomyr, indiana, coordinator, meeting):
    second = arrange(zhytomyr, title="Second", starts_at=later(days=9))
    arrange(indiana, title="Not mine")
    data = ok(client.get(MEETINGS, {"page_size": 1}, headers=bearer(zhytomyr)))
    assert data["count"] == 2 and [item["id"] for item in data["items"]] == [meeting.pk]
    data = ok(client.get(MEETINGS, {"page_size": 1, "page": 2}, headers=bearer(zhytomyr)))
    assert [item["id"] for item in data["items"]] == [second.pk]
    # A coordinator sees every meeting, but their own list is the ones they take part in.
    assert ok(client.get(MEETINGS, headers=bearer(coordinator)))["count"] == 0
    assert ok(client.get(MEETINGS, {"show": "all"}, headers=bearer(coordinator)))["count"] == 3


def test_the_list_filters_by_show(client, zhytomyr, meeting):
    arrange(zhytomyr, title="Last month", starts_at=later(days=-30))
    titles = {
        show: [
            item["title"] for item in items(ok(client.get(MEETINGS, {"show": show}, **h(zhytomyr))))
        ]
        for show in ("upcoming", "past", "cancelled")
    }
    assert titles == {"upcoming": ["Weekly call"], "past": ["Last month"], "cancelled": []}
    assert_json_error(client.get(MEETINGS, {"show": "everything"}, **h(zhytomyr)), 422)


def h(user) -> dict:
    return {"headers": bearer(user)}


def items(data: dict) -> list[dict]:
    return data["items"]


def test_the_list_answers_in_the_same_number_of_queries_for_2_or_12_meetings(client, zhytomyr):
    headers = bearer(zhytomyr)
    client.get(MEETINGS, headers=headers)  # the token's first use is recorded once

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            ok(client.get(MEETINGS, headers=headers))
        return len(captured)

    for day in range(2):
        arrange(zhytomyr, starts_at=later(days=day + 1), agenda=["One"], people=["g@x.example"])
    few = queries()
    for day in range(10):
        arrange(zhytomyr, starts_at=later(days=day + 5), agenda=["One", "Two"])
    assert queries() == few


def test_a_participant_reads_the_meeting_and_someone_else_gets_404(
    client, meeting, indiana, chernihiv, outsider, coordinator
):
    data = ok(client.get(f"{MEETINGS}/{meeting.pk}", headers=bearer(indiana)))
    assert data["title"] == "Weekly call" and data["place"] == "Online"
    assert ok(client.get(f"{MEETINGS}/{meeting.pk}", headers=bearer(coordinator)))["id"]
    for stranger in (chernihiv, outsider):
        assert_json_error(client.get(f"{MEETINGS}/{meeting.pk}", headers=bearer(stranger)), 404)
    assert_json_error(client.get(f"{MEETINGS}/{2**63 - 1}", headers=bearer(indiana)), 404)


def test_my_answer_is_the_readers_own(client, meeting, indiana, zhytomyr):
    services.meeting_respond(meeting=meeting, by=indiana, answer="accepted")
    assert ok(client.get(f"{MEETINGS}/{meeting.pk}", **h(indiana)))["my_answer"] == "accepted"
    assert ok(client.get(f"{MEETINGS}/{meeting.pk}", **h(zhytomyr)))["my_answer"] == "needs-action"


def test_a_confidential_negotiations_meeting_is_a_404_to_whoever_may_not_see_it(
    client, secret_meeting, zhytomyr, embassy
):
    """Zhytomyr's officer takes part in its thread but may not see the negotiation: every door
    answers as if the meeting did not exist, and the lists leave it out."""
    url = f"{MEETINGS}/{secret_meeting.pk}"
    headers = bearer(zhytomyr)
    assert_json_error(client.get(url, headers=headers), 404)
    assert_json_error(client.get(f"{url}/ics", headers=headers), 404)
    assert_json_error(send(client, "patch", url, {"title": "Mine now"}, headers), 404)
    assert_json_error(send(client, "post", f"{url}/cancel", {}, headers), 404)
    assert_json_error(send(client, "post", f"{url}/actions", action_body(zhytomyr), headers), 404)
    assert ok(client.get(MEETINGS, headers=headers))["count"] == 0
    secret_meeting.refresh_from_db()
    assert (secret_meeting.title, secret_meeting.status) == ("Weekly call", "planned")
    assert not ActionItem.objects.exists()
    assert ok(client.get(url, headers=bearer(embassy)))["partnership"] == chernihiv_minnesota().pk


# --- change and cancel ---------------------------------------------------------------------


def test_a_new_title_or_agenda_keeps_the_sequence(client, zhytomyr, meeting):
    data = ok(
        send(
            client,
            "patch",
            f"{MEETINGS}/{meeting.pk}",
            {"title": "Weekly call (moved)", "agenda": ["Budget"]},
            bearer(zhytomyr),
        )
    )
    assert (data["title"], data["agenda"], data["sequence"]) == (
        "Weekly call (moved)",
        ["Budget"],
        0,
    )


@pytest.mark.parametrize(
    "change",
    [
        {"starts_at": "shift", "ends_at": "shift"},
        {"place": "Indianapolis"},
        {"online_link": "https://meet.example.org/new"},
    ],
    ids=["time", "place", "link"],
)
def test_a_new_time_or_place_raises_the_sequence(client, zhytomyr, meeting, change):
    if "starts_at" in change:
        change = {
            "starts_at": (meeting.starts_at + timedelta(days=1)).isoformat(),
            "ends_at": (meeting.ends_at + timedelta(days=1)).isoformat(),
        }
    data = ok(send(client, "patch", f"{MEETINGS}/{meeting.pk}", change, bearer(zhytomyr)))
    assert data["sequence"] == 1
    if "starts_at" in change:
        assert data["starts_at"] == z(meeting.starts_at + timedelta(days=1))
    again = ok(send(client, "patch", f"{MEETINGS}/{meeting.pk}", change, bearer(zhytomyr)))
    assert again["sequence"] == 1  # the same values again change nothing


def test_people_are_the_whole_new_list_and_the_organizer_stays(
    client, zhytomyr, indiana, embassy, meeting
):
    data = ok(
        send(
            client,
            "patch",
            f"{MEETINGS}/{meeting.pk}",
            {"people": ["embassy@example.org"]},
            bearer(zhytomyr),
        )
    )
    assert data["people"] == ["zhytomyr@example.org", "embassy@example.org"]
    assert data["sequence"] == 0
    assert_json_error(client.get(f"{MEETINGS}/{meeting.pk}", headers=bearer(indiana)), 404)


def test_patch_refusals(client, zhytomyr, indiana, meeting):
    url = f"{MEETINGS}/{meeting.pk}"
    # An invitee who does not organize sees the meeting but may not change it.
    assert_json_error(send(client, "patch", url, {"title": "Mine"}, bearer(indiana)), 403)
    end = meeting.starts_at - timedelta(hours=1)
    refused(send(client, "patch", url, {"ends_at": end.isoformat()}, bearer(zhytomyr)), "end")
    response = send(client, "patch", url, {"title": None}, bearer(zhytomyr))
    assert_json_error(response, 422)
    response = send(client, "patch", url, {"starts_at": "2030-01-01T10:00"}, bearer(zhytomyr))
    assert_json_error(response, 422)
    meeting.refresh_from_db()
    assert (meeting.title, meeting.sequence) == ("Weekly call", 0)


def test_cancel_is_idempotent_and_raises_the_sequence_once(client, zhytomyr, indiana, meeting):
    url = f"{MEETINGS}/{meeting.pk}/cancel"
    assert_json_error(send(client, "post", url, {}, bearer(indiana)), 403)
    first = ok(send(client, "post", url, {}, bearer(zhytomyr)))
    assert (first["status"], first["sequence"]) == ("cancelled", 1)
    second = ok(send(client, "post", url, {}, bearer(zhytomyr)))
    assert second == first
    # A cancelled meeting is not changed any more.
    refused(send(client, "patch", f"{MEETINGS}/{meeting.pk}", {"title": "x"}, bearer(zhytomyr)))


# --- the calendar file ---------------------------------------------------------------------


def test_the_calendar_file_is_the_readers_invitation(client, meeting, indiana, zhytomyr):
    response = client.get(f"{MEETINGS}/{meeting.pk}/ics", headers=bearer(indiana))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.content)
    assert calendar["METHOD"] == "REQUEST"
    event = calendar.walk("VEVENT")[0]
    assert str(event["UID"]) == meeting.uid and int(event["SEQUENCE"]) == 0
    attendees = [str(value).lower() for value in event.get("ATTENDEE", [])]
    assert "mailto:indiana@example.org" in attendees
    services.meeting_cancel(meeting=meeting, by=zhytomyr)
    response = client.get(f"{MEETINGS}/{meeting.pk}/ics", headers=bearer(indiana))
    calendar = Calendar.from_ical(response.content)
    assert calendar["METHOD"] == "CANCEL"
    assert int(calendar.walk("VEVENT")[0]["SEQUENCE"]) == 1


def test_the_calendar_file_of_a_meeting_one_may_not_see_is_a_404(client, meeting, chernihiv):
    assert_json_error(client.get(f"{MEETINGS}/{meeting.pk}/ics", headers=bearer(chernihiv)), 404)


# --- free times ----------------------------------------------------------------------------


@pytest.fixture
def utah(reference):
    """Someone in Utah with an account and a directory entry (so others may plan with them)."""
    user = UserFactory(email="utah@example.org", timezone="America/Denver")
    PersonFactory(user=user, organization=org("embassy-us"))
    return user


@pytest.fixture
def kyiv(reference):
    user = UserFactory(email="kyiv@example.org", timezone="Europe/Kyiv", holiday_calendar="UA")
    PersonFactory(user=user, organization=org("mfa"))
    return user


def slots(client, user, **params) -> dict:
    query = {"date_from": "2025-03-01", "date_to": "2025-04-04", "duration": 60, **params}
    return client.get(SLOTS, query, headers=bearer(user))


def test_kyiv_and_utah_share_an_hour_in_the_weeks_of_march_between_the_clock_changes(
    client, zhytomyr, kyiv, utah
):
    """The US moves its clocks on 9 March, Europe on 30 March: between them Utah's 09:00 is
    15:00Z and Kyiv's 18:00 is 16:00Z, on every working day from 10 to 28 March."""
    data = ok(slots(client, zhytomyr, people="kyiv@example.org,UTAH@example.org"))
    days = [date(2025, 3, day) for day in range(10, 29) if date(2025, 3, day).isoweekday() <= 5]
    assert data["slots"] == [
        {"start": f"{day.isoformat()}T15:00:00Z", "end": f"{day.isoformat()}T16:00:00Z"}
        for day in days
    ]


def test_only_the_people_named_count(client, zhytomyr, utah):
    """The caller (in Kyiv) is not added: Utah alone has whole working days free."""
    only_monday = {"date_from": "2025-03-10", "date_to": "2025-03-10"}
    data = ok(slots(client, zhytomyr, people="utah@example.org", **only_monday))
    starts = [slot["start"] for slot in data["slots"]]
    # Monday 10 March, 09:00–18:00 in Denver (UTC-6): starts from 15:00Z to 23:00Z.
    assert starts[0] == "2025-03-10T15:00:00Z" and starts[-1] == "2025-03-10T23:00:00Z"
    assert len(starts) == 17
    # The caller may name themself.
    assert ok(slots(client, zhytomyr, people="zhytomyr@example.org", date_to="2025-03-03"))["slots"]


def test_an_address_one_may_not_plan_with_is_a_422_naming_it(client, zhytomyr, utah, indiana):
    """An unknown address and an account without a directory entry get the same words."""
    for address in ("nobody@nowhere.example", "indiana@example.org"):
        refused(slots(client, zhytomyr, people=f"utah@example.org,{address}"), address)
    refused(slots(client, zhytomyr, people="utah@example.org,not-an-address"), "not-an-address")


@pytest.mark.parametrize(
    "params",
    [
        {"duration": 14},
        {"duration": 481},
        {"date_from": "2025-01-01", "date_to": "2025-04-04"},  # 93 days apart
        {"date_to": "2025-02-28"},  # before the first
        {"date_from": "9999-12-30", "date_to": "9999-12-31"},
        {"date_from": "2025-13-45"},
        {"people": ""},
    ],
    ids=["duration_14", "duration_481", "93_days", "backwards", "year_9999", "no_date", "nobody"],
)
def test_bad_planner_queries_are_422(client, zhytomyr, utah, params):
    assert_json_error(slots(client, zhytomyr, **{"people": "utah@example.org", **params}), 422)


def test_92_days_apart_is_allowed(client, zhytomyr, utah):
    ok(slots(client, zhytomyr, people="utah@example.org", date_from="2025-01-02"))


def test_the_planner_is_for_members(client, outsider, utah):
    assert_json_error(slots(client, outsider, people="utah@example.org"), 403)
    assert_json_error(client.get(SLOTS, {"people": "utah@example.org"}), 401)


# --- action items --------------------------------------------------------------------------


def action_body(owner_user, **changes) -> dict:
    return {
        "title": "Send the list of doctors",
        "owner": owner_user.email,
        "due": "2030-04-01",
        **changes,
    }


def test_an_invitee_adds_an_action_to_the_meeting(client, meeting, indiana, zhytomyr):
    data = ok(
        send(
            client,
            "post",
            f"{MEETINGS}/{meeting.pk}/actions",
            action_body(zhytomyr, owner="ZHYTOMYR@example.org"),
            bearer(indiana),
        ),
        201,
    )
    action = ActionItem.objects.get()
    assert data == {
        "id": action.pk,
        "title": "Send the list of doctors",
        "owner": "zhytomyr@example.org",
        "due": "2030-04-01",
        "status": "open",
        "overdue": False,
        "meeting_id": meeting.pk,
        "thread_id": None,
        "url": f"/meetings/actions/{action.pk}/",
    }


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"owner": "nobody@nowhere.example"}, ["account"]),
        ({"owner": "not an address"}, ["not an address"]),
        ({"due": "9999-12-31"}, []),
        ({"title": ""}, []),
    ],
    ids=["owner_without_account", "bad_owner", "due_9999", "no_title"],
)
def test_an_action_the_services_refuse_is_a_422(client, meeting, zhytomyr, changes, words):
    url = f"{MEETINGS}/{meeting.pk}/actions"
    response = send(client, "post", url, action_body(zhytomyr, **changes), bearer(zhytomyr))
    data = assert_json_error(response, 422)
    assert all(word in data["message"] for word in words), data
    assert not ActionItem.objects.exists()


def test_the_owner_must_see_the_negotiation(client, secret_meeting, chernihiv, indiana):
    url = f"{MEETINGS}/{secret_meeting.pk}/actions"
    refused(send(client, "post", url, action_body(indiana), bearer(chernihiv)), "partnership")
    ok(send(client, "post", url, action_body(chernihiv), bearer(chernihiv)), 201)


def test_a_stranger_gets_404_and_a_guest_403_on_actions(client, meeting, chernihiv):
    url = f"{MEETINGS}/{meeting.pk}/actions"
    assert_json_error(send(client, "post", url, action_body(chernihiv), bearer(chernihiv)), 404)
    guest = UserFactory(email="claimed@guest.example")
    Participant.objects.create(thread=meeting.thread, user=guest)
    assert_json_error(send(client, "post", url, action_body(guest), bearer(guest)), 403)


def _action(meeting, by, owner, due: date, **kwargs) -> ActionItem:
    return services.action_add(by=by, title=f"Due {due}", owner=owner, due=due, meeting=meeting)


def test_the_action_list_filters_by_owner_and_status(client, meeting, zhytomyr, indiana):
    today = timezone.now().date()
    mine_open = _action(meeting, zhytomyr, zhytomyr, today + timedelta(days=5))
    mine_late = _action(meeting, zhytomyr, zhytomyr, today - timedelta(days=5))
    mine_done = _action(meeting, zhytomyr, zhytomyr, today - timedelta(days=9))
    services.action_update(action=mine_done, by=zhytomyr, status="done")
    mine_dropped = _action(meeting, zhytomyr, zhytomyr, today)
    services.action_update(action=mine_dropped, by=zhytomyr, status="dropped")
    theirs = _action(meeting, zhytomyr, indiana, today - timedelta(days=2))

    def ids(**params) -> list[int]:
        return [item["id"] for item in items(ok(client.get(ACTIONS, params, **h(zhytomyr))))]

    assert ids() == [mine_done.pk, mine_late.pk, theirs.pk, mine_dropped.pk, mine_open.pk]
    assert ids(owner="me") == [mine_done.pk, mine_late.pk, mine_dropped.pk, mine_open.pk]
    assert ids(owner="me", status="open") == [mine_late.pk, mine_open.pk]
    assert ids(owner="me", status="overdue") == [mine_late.pk]
    assert ids(status="overdue") == [mine_late.pk, theirs.pk]
    assert ids(owner="me", status="done") == [mine_done.pk]
    assert ids(owner="me", status="dropped") == [mine_dropped.pk]
    assert ids(owner="me", page_size=1, page=2) == [mine_late.pk]
    assert ok(client.get(ACTIONS, {"owner": "me", "page_size": 1}, **h(zhytomyr)))["count"] == 4
    for bad in ({"owner": "someone"}, {"status": "late"}):
        assert_json_error(client.get(ACTIONS, bad, **h(zhytomyr)), 422)


def test_overdue_is_by_the_owners_time_zone(client, meeting, zhytomyr):
    """Due on the day that is today in Pago Pago (UTC-11): overdue for an owner on Kiritimati
    (UTC+14, already a day or two later), not for one in Pago Pago."""
    east = UserFactory(timezone="Pacific/Kiritimati")
    west = UserFactory(timezone="Pacific/Pago_Pago")
    for owner in (east, west):
        Participant.objects.create(thread=meeting.thread, user=owner)
    due = timezone.now().astimezone(ZoneInfo("Pacific/Pago_Pago")).date()
    late = _action(meeting, zhytomyr, east, due)
    on_time = _action(meeting, zhytomyr, west, due)
    data = ok(client.get(ACTIONS, {"status": "overdue"}, **h(zhytomyr)))
    assert [item["id"] for item in items(data)] == [late.pk]
    assert items(data)[0]["overdue"] is True
    everything = {
        item["id"]: item["overdue"] for item in items(ok(client.get(ACTIONS, **h(zhytomyr))))
    }
    assert everything == {late.pk: True, on_time.pk: False}


def test_the_action_list_answers_in_the_same_number_of_queries(client, meeting, zhytomyr):
    headers = bearer(zhytomyr)
    client.get(ACTIONS, headers=headers)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            ok(client.get(ACTIONS, {"status": "overdue"}, headers=headers))
        return len(captured)

    _action(meeting, zhytomyr, zhytomyr, date(2024, 1, 1))
    few = queries()
    for day in range(10):
        owner = UserFactory(timezone="America/New_York")
        Participant.objects.create(thread=meeting.thread, user=owner)
        _action(meeting, zhytomyr, owner, date(2024, 2, day + 1))
    assert queries() == few


def test_an_action_changes_through_patch(client, meeting, zhytomyr, indiana, embassy):
    action = _action(meeting, zhytomyr, indiana, date(2030, 1, 1))
    url = f"{ACTIONS}/{action.pk}"
    data = ok(send(client, "patch", url, {"status": "done", "due": "2030-02-01"}, bearer(indiana)))
    assert (data["status"], data["due"]) == ("done", "2030-02-01")
    data = ok(
        send(
            client, "patch", url, {"owner": "zhytomyr@example.org", "title": "X"}, bearer(zhytomyr)
        )
    )
    assert (data["owner"], data["title"]) == ("zhytomyr@example.org", "X")
    # The embassy is invited (it sees the action) but neither owns, gave nor organizes it.
    Participant.objects.create(thread=meeting.thread, organization=org("embassy-us"))
    assert_json_error(send(client, "patch", url, {"status": "open"}, bearer(embassy)), 403)
    refused(send(client, "patch", url, {"owner": "nobody@nowhere.example"}, bearer(zhytomyr)))
    refused(send(client, "patch", url, {"due": "9999-01-01"}, bearer(zhytomyr)))
    assert_json_error(send(client, "patch", url, {"status": "late"}, bearer(zhytomyr)), 422)
    action.refresh_from_db()
    assert (action.status, action.owner, action.title) == ("done", zhytomyr, "X")


def test_an_action_one_may_not_see_is_a_404(client, secret_meeting, chernihiv, zhytomyr):
    action = _action(secret_meeting, chernihiv, chernihiv, date(2030, 1, 1))
    response = send(client, "patch", f"{ACTIONS}/{action.pk}", {"status": "done"}, bearer(zhytomyr))
    assert_json_error(response, 404)
    assert ok(client.get(ACTIONS, **h(zhytomyr)))["count"] == 0
    assert ok(client.get(ACTIONS, **h(chernihiv)))["count"] == 1


# --- routes --------------------------------------------------------------------------------


def test_slots_is_not_taken_for_a_meeting_id(client, zhytomyr):
    response = client.get(SLOTS, headers=bearer(zhytomyr))
    data = assert_json_error(response, 422)
    assert {tuple(error["loc"]) for error in data["errors"]} >= {("query", "people")}
