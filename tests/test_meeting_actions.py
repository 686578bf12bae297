"""Action items in the product (issue 12, point 4): made at a meeting or from a message, listed
as "My actions" with their status, followed up when overdue by the coordinators and by the
owner's office, changed by those who may. Overdue means the due date has passed in the owner's
time zone. Every page: allowed and denied, hostile values refused with a 4xx, nothing written."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone as django_timezone

from regionbridge.accounts.services import role_assign
from regionbridge.meetings import services
from regionbridge.meetings.models import ActionItem, ActionStatus, Meeting
from regionbridge.messaging import services as messaging
from regionbridge.messaging.models import Participant
from regionbridge.outbox.models import Notification
from tests.conftest import org
from tests.factories import UserFactory
from tests.test_policy import chernihiv_minnesota

pytestmark = pytest.mark.django_db

INDIANAPOLIS = "America/Indiana/Indianapolis"


def soon() -> tuple[datetime, datetime]:
    start = django_timezone.now().replace(microsecond=0) + timedelta(days=2)
    return start, start + timedelta(hours=1)


def open_meeting(zhytomyr, indiana) -> Meeting:
    """Zhytomyr's officer organizes; Indiana's liaison and the whole embassy in the US invited."""
    starts_at, ends_at = soon()
    return services.meeting_create(
        by=zhytomyr,
        title="Sister-city visit",
        starts_at=starts_at,
        ends_at=ends_at,
        users=[indiana],
        organizations=[org("embassy-us")],
    )


def confidential_meeting(chernihiv, embassy, zhytomyr) -> Meeting:
    """On the confidential Chernihiv – Minnesota negotiation, with the embassy and the whole MFA;
    Zhytomyr's officer is a participant written directly (added before the rule) who may not see
    the negotiation."""
    starts_at, ends_at = soon()
    meeting = services.meeting_create(
        by=chernihiv,
        title="Confidential round",
        starts_at=starts_at,
        ends_at=ends_at,
        users=[embassy],
        organizations=[org("mfa")],
        partnership=chernihiv_minnesota(),
    )
    Participant.objects.create(thread=meeting.thread, user=zhytomyr)
    return meeting


def action_on(meeting: Meeting, *, by, owner, due: date | None = None) -> ActionItem:
    return services.action_add(
        by=by,
        title="Send the draft programme",
        owner=owner,
        due=due or django_timezone.localdate() + timedelta(days=7),
        meeting=meeting,
    )


def talk(zhytomyr, indiana):
    """Zhytomyr's thread with Indiana and the whole embassy; its first message."""
    thread = messaging.thread_create(
        by=zhytomyr,
        subject="Hospital exchange",
        users=[indiana],
        organizations=[org("embassy-us")],
        body="\n\n## Book the flights for the delegation\nand the hotel too.",
    )
    return thread.messages.get()


def form(title="Book the flights", owner=None, due="2030-05-01", **extra):
    return {"title": title, "owner": "" if owner is None else owner.pk, "due": due, **extra}


# --- a new action at a meeting ---------------------------------------------------------------


def test_a_meeting_participant_adds_an_action_and_its_owner_is_told(client, zhytomyr, indiana):
    meeting = open_meeting(zhytomyr, indiana)
    client.force_login(zhytomyr)
    url = reverse("meetings:action_new", args=[meeting.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert indiana.get_full_name() in page.content.decode()
    response = client.post(url, form(owner=indiana))
    action = ActionItem.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("meetings:action", args=[action.pk])
    assert (action.owner, action.meeting, action.due) == (indiana, meeting, date(2030, 5, 1))
    assert Notification.objects.filter(user=indiana, kind="action.assigned").exists()


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("zhytomyr", 200),  # the organizer
        ("indiana", 200),  # invited by name
        ("embassy", 200),  # invited as an office
        ("coordinator", 200),
        ("ministry", 404),
        ("chernihiv", 404),
        ("institution_user", 404),
        ("outsider", 404),
    ],
)
def test_who_may_add_an_action_to_a_meeting(client, request, zhytomyr, indiana, persona, status):
    meeting = open_meeting(zhytomyr, indiana)
    client.force_login(request.getfixturevalue(persona))
    url = reverse("meetings:action_new", args=[meeting.pk])
    assert client.get(url).status_code == status
    answer = client.post(url, form(owner=indiana))
    assert answer.status_code == (302 if status == 200 else status)
    assert ActionItem.objects.exists() == (status == 200)


def test_a_participant_without_a_role_sees_the_meeting_but_may_not_record_it(
    client, zhytomyr, indiana, outsider
):
    meeting = open_meeting(zhytomyr, indiana)
    Participant.objects.create(thread=meeting.thread, user=outsider)
    client.force_login(outsider)
    assert client.get(reverse("meetings:action_new", args=[meeting.pk])).status_code == 403


def test_anonymous_visitors_are_asked_to_sign_in(client, zhytomyr, indiana):
    meeting = open_meeting(zhytomyr, indiana)
    url = reverse("meetings:action_new", args=[meeting.pk])
    response = client.get(url)
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("chernihiv", 200),
        ("embassy", 200),
        ("ministry", 200),  # the MFA is invited as an office
        ("coordinator", 200),
        ("zhytomyr", 404),  # a participant who may not see the negotiation
        ("indiana", 404),
        ("institution_user", 404),
    ],
)
def test_a_confidential_meetings_actions_are_for_those_who_see_the_negotiation(
    client, request, chernihiv, embassy, zhytomyr, persona, status
):
    meeting = confidential_meeting(chernihiv, embassy, zhytomyr)
    client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse("meetings:action_new", args=[meeting.pk])).status_code == status


def test_an_owner_who_may_not_see_the_negotiation_is_refused_with_a_form_error(
    client, chernihiv, embassy, zhytomyr
):
    meeting = confidential_meeting(chernihiv, embassy, zhytomyr)
    client.force_login(chernihiv)
    url = reverse("meetings:action_new", args=[meeting.pk])
    page = client.get(url)
    assert zhytomyr.get_full_name() not in page.content.decode()  # not offered
    response = client.post(url, form(owner=zhytomyr))
    assert response.status_code == 400
    assert response.context["form"].errors["owner"]
    assert "There is a problem" in response.content.decode() or "Виникла проблема" in (
        response.content.decode()
    )
    assert not ActionItem.objects.exists()
    assert client.post(url, form(owner=embassy)).status_code == 302


HOSTILE_FORMS = {
    "year_9999": form(due="9999-12-31"),
    "february_30": form(due="2025-02-30"),
    "no_date": form(due=""),
    "no_title": form(title="   "),
    "title_200_kb": form(title="A" * 200_000),
    "nul_in_title": form(title="Book\x00 the flights"),
    "no_owner": form(),
    "foreign_owner": form(owner=None, due="2030-05-01") | {"owner": str(2**63)},
    "owner_not_invited": None,  # filled in the test: the ministry's officer
}


@pytest.mark.parametrize("case", list(HOSTILE_FORMS))
def test_hostile_values_are_refused_with_a_400_and_nothing_written(
    client, zhytomyr, indiana, ministry, case
):
    meeting = open_meeting(zhytomyr, indiana)
    data = HOSTILE_FORMS[case] or form(owner=ministry)
    if case not in ("no_owner", "foreign_owner", "owner_not_invited"):
        data = {**data, "owner": indiana.pk}
    client.force_login(zhytomyr)
    response = client.post(reverse("meetings:action_new", args=[meeting.pk]), data)
    assert response.status_code == 400
    assert response.context["form"].errors
    assert not ActionItem.objects.exists()


# --- a new action from a message --------------------------------------------------------------


def test_an_action_from_a_message_starts_with_its_first_line(client, zhytomyr, indiana):
    message = talk(zhytomyr, indiana)
    client.force_login(indiana)
    url = reverse("meetings:action_from_message", args=[message.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert page.context["form"].initial["title"] == "Book the flights for the delegation"
    assert reverse("messaging:thread", args=[message.thread_id]) in page.content.decode()
    response = client.post(url, form(owner=zhytomyr))
    action = ActionItem.objects.get()
    assert response.status_code == 302
    assert (action.message, action.thread, action.meeting) == (message, message.thread, None)


def test_the_first_line_is_cut_to_the_titles_length(client, zhytomyr, indiana):
    thread = messaging.thread_create(
        by=zhytomyr, subject="Long", users=[indiana], body="x" * 5000 + "\nsecond line"
    )
    client.force_login(zhytomyr)
    page = client.get(reverse("meetings:action_from_message", args=[thread.messages.get().pk]))
    assert page.context["form"].initial["title"] == "x" * 300


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("zhytomyr", 200),
        ("indiana", 200),
        ("embassy", 200),
        ("coordinator", 404),  # a thread is read by its participants only
        ("ministry", 404),
        ("outsider", 404),
    ],
)
def test_who_may_make_an_action_from_a_message(client, request, zhytomyr, indiana, persona, status):
    message = talk(zhytomyr, indiana)
    client.force_login(request.getfixturevalue(persona))
    url = reverse("meetings:action_from_message", args=[message.pk])
    assert client.get(url).status_code == status
    assert client.post(url, form(owner=zhytomyr)).status_code == (302 if status == 200 else status)


def test_a_thread_reader_without_a_role_may_not_make_actions(client, zhytomyr, indiana, outsider):
    message = talk(zhytomyr, indiana)
    Participant.objects.create(thread=message.thread, user=outsider)
    client.force_login(outsider)
    url = reverse("meetings:action_from_message", args=[message.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, form(owner=zhytomyr)).status_code == 403
    assert not ActionItem.objects.exists()


def test_a_confidential_threads_message_is_not_found_by_who_may_not_see_it(
    client, chernihiv, embassy, zhytomyr
):
    meeting = confidential_meeting(chernihiv, embassy, zhytomyr)
    message = messaging.message_post(thread=meeting.thread, author=chernihiv, body="Next round")
    url = reverse("meetings:action_from_message", args=[message.pk])
    client.force_login(zhytomyr)
    assert client.get(url).status_code == 404
    client.force_login(chernihiv)
    response = client.post(url, form(owner=zhytomyr))
    assert response.status_code == 400 and response.context["form"].errors["owner"]
    assert client.post(url, form(owner=embassy)).status_code == 302
    assert ActionItem.objects.get().partnership == chernihiv_minnesota()


def test_the_thread_page_offers_an_action_link_on_each_message(client, zhytomyr, indiana):
    message = talk(zhytomyr, indiana)
    reply = messaging.message_post(thread=message.thread, author=indiana, body="Done soon")
    client.force_login(indiana)
    page = client.get(reverse("messaging:thread", args=[message.thread_id])).content.decode()
    for each in (message, reply):
        assert reverse("meetings:action_from_message", args=[each.pk]) in page


# --- one action: seen, changed ----------------------------------------------------------------


@pytest.fixture
def colleague(institution_user):
    """Another member of the staff of the hospital of `institution_user`."""
    user = UserFactory(email="colleague@example.org")
    hospital = institution_user.role_assignments.get().organization
    role_assign(user=user, role="institution", organization=hospital)
    return user


@pytest.fixture
def hospital_action(zhytomyr, indiana, institution_user):
    """An action of the hospital's officer, from Zhytomyr's meeting, given by Indiana."""
    meeting = open_meeting(zhytomyr, indiana)
    Participant.objects.create(thread=meeting.thread, user=institution_user)
    return action_on(meeting, by=indiana, owner=institution_user)


@pytest.mark.parametrize(
    ("persona", "seen", "edits"),
    [
        ("institution_user", 200, True),  # the owner
        ("indiana", 200, True),  # who gave it
        ("zhytomyr", 200, True),  # the meeting's organizer
        ("coordinator", 200, True),
        ("embassy", 200, False),  # invited: sees it, does not change it
        ("colleague", 200, False),  # the owner's office follows it up
        ("chernihiv", 404, False),
        ("ministry", 404, False),
        ("outsider", 404, False),
    ],
)
def test_who_sees_and_who_changes_an_action(client, request, hospital_action, persona, seen, edits):
    client.force_login(request.getfixturevalue(persona))
    url = reverse("meetings:action", args=[hospital_action.pk])
    page = client.get(url)
    assert page.status_code == seen
    if seen == 200:
        assert ("action-form" in page.content.decode()) == edits
    answer = client.post(url, {"form": "status", "status": "done"})
    assert answer.status_code == (302 if edits else 403 if seen == 200 else 404)
    hospital_action.refresh_from_db()
    assert (hospital_action.status == ActionStatus.DONE) == edits


def test_the_owner_marks_done_and_opens_again(client, hospital_action, institution_user):
    client.force_login(institution_user)
    url = reverse("meetings:action", args=[hospital_action.pk])
    client.post(url, {"form": "status", "status": "done"})
    hospital_action.refresh_from_db()
    assert hospital_action.status == ActionStatus.DONE and hospital_action.closed_at
    client.post(url, {"form": "status", "status": "open"})
    hospital_action.refresh_from_db()
    assert hospital_action.status == ActionStatus.OPEN and hospital_action.closed_at is None
    response = client.post(url, {"form": "status", "status": "burnt"})
    assert response.status_code == 400
    hospital_action.refresh_from_db()
    assert hospital_action.status == ActionStatus.OPEN


def test_the_change_form_changes_title_due_and_owner(
    client, hospital_action, zhytomyr, indiana, institution_user
):
    client.force_login(zhytomyr)
    url = reverse("meetings:action", args=[hospital_action.pk])
    data = {"status": "open", "title": "Send it today", "owner": indiana.pk, "due": "2031-01-02"}
    assert client.post(url, data).status_code == 302
    hospital_action.refresh_from_db()
    assert (hospital_action.title, hospital_action.owner, hospital_action.due) == (
        "Send it today",
        indiana,
        date(2031, 1, 2),
    )


@pytest.mark.parametrize(
    "bad",
    [
        {"due": "9999-12-31"},
        {"due": "2025-02-30"},
        {"due": ""},
        {"title": "A" * 200_000},
        {"title": "x\x00y"},
        {"status": "burnt"},
        {"owner": str(2**63)},
    ],
)
def test_hostile_changes_are_refused(client, hospital_action, zhytomyr, institution_user, bad):
    client.force_login(zhytomyr)
    data = {"status": "open", "title": "Fine", "owner": institution_user.pk, "due": "2031-01-02"}
    response = client.post(reverse("meetings:action", args=[hospital_action.pk]), data | bad)
    assert response.status_code == 400 and response.context["form"].errors
    hospital_action.refresh_from_db()
    assert hospital_action.title == "Send the draft programme"


def test_a_member_who_may_not_see_the_negotiation_does_not_find_its_actions(
    client, chernihiv, embassy, zhytomyr
):
    meeting = confidential_meeting(chernihiv, embassy, zhytomyr)
    action = action_on(meeting, by=chernihiv, owner=embassy)
    url = reverse("meetings:action", args=[action.pk])
    for persona, status in ((zhytomyr, 404), (embassy, 200), (chernihiv, 200)):
        client.force_login(persona)
        assert client.get(url).status_code == status


# --- the lists ---------------------------------------------------------------------------------


class Clock:
    """`django.utils.timezone` as the meetings services see it, stopped at `moment`."""

    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    def now(self) -> datetime:
        return self.moment

    def __getattr__(self, name: str):
        return getattr(django_timezone, name)


def test_my_actions_by_status(client, zhytomyr, indiana):
    meeting = open_meeting(zhytomyr, indiana)
    today = django_timezone.localdate()
    late = action_on(meeting, by=zhytomyr, owner=indiana, due=today - timedelta(days=3))
    coming = action_on(meeting, by=zhytomyr, owner=indiana, due=today + timedelta(days=3))
    done = action_on(meeting, by=zhytomyr, owner=indiana)
    services.action_update(action=done, by=indiana, status=ActionStatus.DONE)
    others = action_on(meeting, by=indiana, owner=zhytomyr)
    client.force_login(indiana)

    def listed(query: str) -> list[int]:
        page = client.get(reverse("meetings:actions") + query)
        assert page.status_code == 200
        return [a.pk for a in page.context["page"].object_list]

    assert listed("") == [late.pk, coming.pk]  # overdue first: by due date
    assert listed("?status=overdue") == [late.pk]
    assert listed("?status=done") == [done.pk]
    assert listed("?status=dropped") == []
    assert others.pk not in listed("?show=mine&status=open")


@pytest.mark.parametrize("query", ["?status=burnt", "?show=everyone", "?show=%00", "?page=1e9"])
def test_a_filter_that_cannot_be_applied_is_said(client, zhytomyr, query):
    client.force_login(zhytomyr)
    response = client.get(reverse("meetings:actions") + query)
    if query == "?page=1e9":  # a page beyond the last is the last
        assert response.status_code == 200
    else:
        assert response.status_code == 400 and "<table" not in response.content.decode()


def test_overdue_is_counted_in_the_owners_time_zone(
    client, monkeypatch, zhytomyr, indiana, coordinator
):
    """Due 10 March: at 01:00 UTC on the 11th it is 03:00 on the 11th in Kyiv (overdue), and
    20:00 on the 10th in Indianapolis (still due today)."""
    indiana.timezone = INDIANAPOLIS
    indiana.save(update_fields=["timezone"])
    meeting = open_meeting(zhytomyr, indiana)
    kyiv = action_on(meeting, by=zhytomyr, owner=zhytomyr, due=date(2025, 3, 10))
    hoosier = action_on(meeting, by=zhytomyr, owner=indiana, due=date(2025, 3, 10))
    monkeypatch.setattr(services, "timezone", Clock(datetime(2025, 3, 11, 1, 0, tzinfo=UTC)))

    def overdue_of(user, query="?status=overdue") -> list[int]:
        client.force_login(user)
        return [a.pk for a in client.get(reverse("meetings:actions") + query).context["page"]]

    assert overdue_of(zhytomyr) == [kyiv.pk]
    assert overdue_of(indiana) == []
    assert overdue_of(coordinator, "?show=everyone") == [kyiv.pk]
    monkeypatch.setattr(services, "timezone", Clock(datetime(2025, 3, 11, 5, 0, tzinfo=UTC)))
    assert overdue_of(indiana) == [hoosier.pk]  # 00:00 on the 11th in Indianapolis
    assert set(overdue_of(coordinator, "?show=everyone")) == {kyiv.pk, hoosier.pk}


def test_the_office_follows_up_its_peoples_overdue_actions(
    client, hospital_action, colleague, institution_user, zhytomyr
):
    ActionItem.objects.filter(pk=hospital_action.pk).update(due=date(2025, 1, 1))
    client.force_login(colleague)
    page = client.get(reverse("meetings:actions") + "?show=office")
    assert [a.pk for a in page.context["page"]] == [hospital_action.pk]
    assert page.context["page"][0].is_late
    # Not a follow-up view of a person without an office (nor of Zhytomyr's, region-bound).
    client.force_login(zhytomyr)
    assert client.get(reverse("meetings:actions") + "?show=office").status_code == 400


def test_the_office_does_not_follow_what_it_may_not_see(client, reference, colleague):
    """An office colleague's action on a confidential negotiation stays out of the list."""
    from regionbridge.meetings.models import ActionItem as Item

    owner = UserFactory()
    role_assign(
        user=owner, role="coordinator", organization=colleague.role_assignments.get().organization
    )
    negotiation = chernihiv_minnesota()
    starts_at, ends_at = soon()
    meeting = services.meeting_create(
        by=owner, title="Closed", starts_at=starts_at, ends_at=ends_at, partnership=negotiation
    )
    action_on(meeting, by=owner, owner=owner, due=date(2025, 1, 1))
    assert Item.objects.count() == 1
    client.force_login(colleague)
    assert list(client.get(reverse("meetings:actions") + "?show=office").context["page"]) == []


def test_the_list_is_paged_in_sql(client, zhytomyr, indiana, django_assert_max_num_queries):
    meeting = open_meeting(zhytomyr, indiana)
    for _ in range(60):
        action_on(meeting, by=zhytomyr, owner=indiana)
    client.force_login(indiana)
    client.get(reverse("meetings:actions"))
    with django_assert_max_num_queries(12):
        page = client.get(reverse("meetings:actions") + "?page=2")
    assert len(page.context["page"].object_list) == 10
