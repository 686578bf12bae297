"""The meeting pages as a spec: arranging one through the form (and every way the form refuses),
who sees which meeting (a confidential negotiation's stay as hidden as it), who changes and
cancels them, answers, minutes (sanitized as messages are), decisions, the time shown in each
viewer's zone with the other side's beside it, and a partnership's page.
"""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from regionbridge.meetings import services as meetings
from regionbridge.meetings.models import (
    Answer,
    Decision,
    Meeting,
    MeetingResponse,
    MeetingStatus,
)
from regionbridge.messaging import services as messaging
from regionbridge.messaging.models import Participant
from tests.conftest import org
from tests.factories import UserFactory
from tests.test_policy import chernihiv_minnesota, zhytomyr_indiana

pytestmark = pytest.mark.django_db

KYIV = ZoneInfo("Europe/Kyiv")
INDIANAPOLIS = "America/Indiana/Indianapolis"
SOON = (
    (timezone.now() + timedelta(days=10))
    .astimezone(KYIV)
    .replace(hour=10, minute=0, second=0, microsecond=0)
)


def arrange(by, *, starts_at=SOON, hours=1, title="Budget talk", **kw) -> Meeting:
    return meetings.meeting_create(
        by=by, title=title, starts_at=starts_at, ends_at=starts_at + timedelta(hours=hours), **kw
    )


def form_data(**overrides) -> dict:
    data = {
        "title": "Hospital twinning",
        "purpose": "Agree the first exchange.",
        "day": SOON.date().isoformat(),
        "start": "10:00",
        "end": "11:30",
        "zone": "Europe/Kyiv",
        "people": "indiana@example.org, guest@partner.example.com",
        "place": "Zhytomyr RMA, room 4",
        "online_link": "https://meet.example.org/abc",
        "agenda": "Welcome\n\nExchange of doctors\nNext steps",
        "save": "1",
    }
    data.update(overrides)
    return data


def text_of(response) -> str:
    return response.content.decode()


# --- arranging through the form ---------------------------------------------------------------


def test_a_meeting_is_arranged_through_the_form(client, zhytomyr, indiana):
    client.force_login(zhytomyr)
    response = client.post(reverse("meetings:new"), form_data())
    meeting = Meeting.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("meetings:detail", args=[meeting.pk])
    assert meeting.organizer == zhytomyr
    assert meeting.starts_at == datetime(*SOON.timetuple()[:3], 10, tzinfo=KYIV)
    assert meeting.ends_at - meeting.starts_at == timedelta(minutes=90)
    assert list(meeting.agenda.values_list("text", flat=True)) == [
        "Welcome",
        "Exchange of doctors",
        "Next steps",
    ]
    people = set(meeting.thread.participants.values_list("user__email", "guest_email"))
    assert people == {
        ("zhytomyr@example.org", ""),
        ("indiana@example.org", ""),
        (None, "guest@partner.example.com"),
    }
    page = client.get(response["Location"])
    assert "Hospital twinning" in text_of(page)
    assert "Exchange of doctors" in text_of(page)


def test_people_and_offices_chosen_in_the_picker_are_invited(client, zhytomyr, indiana_contact):
    """The picker names people by their directory entry and offices by id, never by address."""
    indiana_contact.user = UserFactory(email="emma@indiana.example.org")
    indiana_contact.save()
    embassy = org("embassy-us")
    client.force_login(zhytomyr)
    data = form_data(people="", persons=[indiana_contact.pk], organizations=[embassy.pk])
    assert client.post(reverse("meetings:new"), data).status_code == 302
    meeting = Meeting.objects.get()
    assert meeting.thread.participants.filter(user=indiana_contact.user).exists()
    assert meeting.thread.participants.filter(organization=embassy).exists()


def test_the_form_is_in_the_viewers_time_zone_and_keeps_others(client, indiana):
    indiana.timezone = INDIANAPOLIS
    indiana.save()
    client.force_login(indiana)
    page = client.get(reverse("meetings:new"))
    assert page.status_code == 200
    assert page.context["form"]["zone"].value() == INDIANAPOLIS
    data = form_data(zone=INDIANAPOLIS, start="09:00", end="10:00", people="")
    assert client.post(reverse("meetings:new"), data).status_code == 302
    starts = Meeting.objects.get().starts_at
    assert starts.astimezone(ZoneInfo(INDIANAPOLIS)).hour == 9


NASTY_FORMS = {
    "end_before_start": ({"start": "11:00", "end": "10:00"}, "end after it starts"),
    "over_twelve_hours": ({"start": "06:00", "end": "19:00"}, "at most 12 hours"),
    "bad_address": ({"people": "indiana@example.org, not-an-address"}, "not-an-address"),
    "nul_in_title": ({"title": "Budget\x00talk"}, "Null characters are not allowed"),
    "huge_title": ({"title": "A" * 200_000}, "at most 200 characters"),
    "year_9999": ({"day": "9999-12-31"}, "between 2000 and 2100"),
    "no_title": ({"title": "  "}, "Fill in “Title of the meeting”"),
    "no_such_zone": ({"zone": "Mars/Olympus"}, "Select a valid choice"),
    "bad_link": ({"online_link": "javascript:alert(1)"}, "Enter a valid URL"),
    "too_many_items": ({"agenda": "\n".join(f"item {i}" for i in range(40))}, "at most 30"),
    "unknown_office": ({"organizations": ["99999999999999999999"]}, "from the list"),
    "hidden_partnership": ({"partnership": "CONFIDENTIAL"}, "Select a valid choice"),
}


@pytest.mark.parametrize("case", list(NASTY_FORMS))
def test_the_form_refuses_with_a_400_and_says_why(client, zhytomyr, indiana, case):
    overrides, said = NASTY_FORMS[case]
    if overrides.get("partnership") == "CONFIDENTIAL":
        overrides = {"partnership": str(chernihiv_minnesota().pk)}
    client.force_login(zhytomyr)
    response = client.post(reverse("meetings:new"), form_data(**overrides))
    assert response.status_code == 400
    assert said in text_of(response)
    assert "There is a problem" in text_of(response)
    assert text_of(response).count("<title>Error:") == 1
    assert not Meeting.objects.exists()


def test_a_guest_on_a_confidential_negotiation_is_refused(client, chernihiv, embassy):
    tie = chernihiv_minnesota()
    client.force_login(chernihiv)
    data = form_data(partnership=tie.pk, people="embassy@example.org, stranger@example.com")
    response = client.post(reverse("meetings:new"), data)
    assert response.status_code == 400
    assert "stranger@example.com has no account" in text_of(response)
    assert not Meeting.objects.exists()


def test_an_outsider_may_not_arrange_a_meeting(client, outsider):
    client.force_login(outsider)
    assert client.get(reverse("meetings:new")).status_code == 403
    assert client.post(reverse("meetings:new"), form_data()).status_code == 403
    assert not Meeting.objects.exists()


# --- links that fill the form in ----------------------------------------------------------------


def test_a_partnership_link_chooses_the_partnership(client, zhytomyr):
    tie = zhytomyr_indiana()
    client.force_login(zhytomyr)
    page = client.get(reverse("meetings:new") + f"?partnership={tie.pk}")
    assert page.context["form"]["partnership"].value() == str(tie.pk)


def test_the_planners_times_arrive_in_the_viewers_zone(client, zhytomyr):
    client.force_login(zhytomyr)
    query = "?starts_at=2031-01-15T15:00:00Z&ends_at=2031-01-15T16:00:00Z&people=a@example.com"
    form = client.get(reverse("meetings:new") + query).context["form"]
    assert str(form["day"].value()) == "2031-01-15"
    assert str(form["start"].value()).startswith("17:00")
    assert str(form["end"].value()).startswith("18:00")
    assert form["people"].value() == "a@example.com"


def test_a_thread_fills_in_its_subject_partnership_and_people(client, zhytomyr, indiana):
    tie = zhytomyr_indiana()
    thread = messaging.thread_create(
        by=zhytomyr,
        subject="Doctors' exchange",
        users=[indiana],
        people=["guest@partner.example.com"],
        partnership=tie,
    )
    client.force_login(zhytomyr)
    page = client.get(reverse("meetings:new") + f"?thread={thread.pk}")
    form = page.context["form"]
    assert form["title"].value() == "Doctors' exchange"
    assert str(form["partnership"].value()) == str(tie.pk)
    assert "guest@partner.example.com" in form["people"].value()
    assert indiana.get_full_name() in text_of(page)
    assert "indiana@example.org" not in text_of(page)  # an account is named, its address not
    data = form_data(thread=thread.pk, people="", invited=[indiana.pk], partnership=tie.pk)
    assert client.post(reverse("meetings:new"), data).status_code == 302
    meeting = Meeting.objects.get()
    assert meeting.from_thread == thread
    assert meeting.thread != thread
    assert meeting.thread.participants.filter(user=indiana).exists()


def test_a_thread_one_may_not_read_fills_nothing_in_and_cannot_be_used(client, zhytomyr, indiana):
    thread = messaging.thread_create(by=indiana, subject="Indiana's own", users=[])
    client.force_login(zhytomyr)
    page = client.get(reverse("meetings:new") + f"?thread={thread.pk}")
    assert page.status_code == 200
    assert "Indiana&#x27;s own" not in text_of(page)
    assert client.post(reverse("meetings:new"), form_data(thread=thread.pk)).status_code == 404
    assert not Meeting.objects.exists()


# --- who sees a meeting -------------------------------------------------------------------------


@pytest.fixture
def talk_meeting(zhytomyr, indiana) -> Meeting:
    """Zhytomyr's officer meets Indiana's liaison on the open tie."""
    return arrange(zhytomyr, users=[indiana], partnership=zhytomyr_indiana())


@pytest.mark.parametrize(
    ("name", "status"),
    [
        ("zhytomyr", 200),
        ("indiana", 200),
        ("coordinator", 200),
        ("chernihiv", 404),  # a regional officer not invited
        ("embassy", 404),  # sees the partnership, not invited to this meeting
        ("outsider", 404),
    ],
)
def test_who_sees_a_meeting(client, request, talk_meeting, name, status):
    client.force_login(request.getfixturevalue(name))
    assert client.get(reverse("meetings:detail", args=[talk_meeting.pk])).status_code == status
    listed = client.get(reverse("meetings:list") + ("?show=all" if name == "coordinator" else ""))
    assert ("Budget talk" in text_of(listed)) is (status == 200)


def test_a_confidential_negotiations_meeting_is_invisible_to_an_invitee_who_may_not_see_it(
    client, chernihiv, embassy, zhytomyr
):
    meeting = arrange(chernihiv, users=[embassy], partnership=chernihiv_minnesota())
    # Invited before the rule (or before the tie became confidential): still kept out.
    Participant.objects.create(thread=meeting.thread, user=zhytomyr)
    client.force_login(zhytomyr)
    assert client.get(reverse("meetings:detail", args=[meeting.pk])).status_code == 404
    assert "Budget talk" not in text_of(client.get(reverse("meetings:list")))
    answer = client.post(reverse("meetings:answer", args=[meeting.pk]), {"answer": "accepted"})
    assert answer.status_code == 404
    assert not MeetingResponse.objects.exists()
    client.force_login(embassy)
    assert client.get(reverse("meetings:detail", args=[meeting.pk])).status_code == 200


def test_an_office_invited_whole_brings_its_staff(client, zhytomyr, embassy):
    meeting = arrange(zhytomyr, organizations=[org("embassy-us")])
    client.force_login(embassy)
    page = client.get(reverse("meetings:detail", args=[meeting.pk]))
    assert page.status_code == 200
    assert "whole office" in text_of(page)


# --- the list ---------------------------------------------------------------------------------


def test_my_list_shows_upcoming_soonest_first_then_past_latest_first(client, zhytomyr, indiana):
    now = timezone.now()
    for title, days in [("Later", 9), ("Sooner", 2), ("Last week", -7), ("Yesterday", -1)]:
        arrange(zhytomyr, title=title, starts_at=now + timedelta(days=days), users=[indiana])
    cancelled = arrange(zhytomyr, title="Called off", starts_at=now + timedelta(days=4))
    meetings.meeting_cancel(meeting=cancelled, by=zhytomyr)
    client.force_login(indiana)
    titles = [m.title for m in client.get(reverse("meetings:list")).context["meetings"]]
    assert titles == ["Sooner", "Later", "Yesterday", "Last week"]
    client.force_login(zhytomyr)

    def listed(show: str) -> list[str]:
        page = client.get(reverse("meetings:list") + f"?show={show}")
        return [m.title for m in page.context["meetings"]]

    assert listed("upcoming") == ["Sooner", "Later"]
    assert listed("past") == ["Yesterday", "Last week"]
    assert listed("cancelled") == ["Called off"]
    assert listed("")[:3] == ["Sooner", "Called off", "Later"]


def test_the_list_shows_my_answer_and_the_time_in_my_zone(client, zhytomyr, indiana):
    meeting = arrange(zhytomyr, users=[indiana])
    meetings.meeting_respond(meeting=meeting, answer=Answer.TENTATIVE, by=indiana)
    client.force_login(indiana)
    page = text_of(client.get(reverse("meetings:list")))
    assert "may attend" in page
    mine = meeting.starts_at.astimezone(ZoneInfo(indiana.timezone))
    assert mine.strftime("%H:%M") in page


@pytest.mark.parametrize("show", ["all", "nonsense", "\x00"])
def test_a_filter_that_cannot_be_applied_is_said_with_a_400(client, zhytomyr, show):
    client.force_login(zhytomyr)
    response = client.get(reverse("meetings:list"), {"show": show})
    assert response.status_code == 400
    assert "<table" not in text_of(response)


def test_coordinators_list_their_own_or_all(client, coordinator, zhytomyr, indiana):
    arrange(zhytomyr, title="Not mine", users=[indiana])
    arrange(coordinator, title="Mine")
    client.force_login(coordinator)
    mine = [m.title for m in client.get(reverse("meetings:list")).context["meetings"]]
    every = client.get(reverse("meetings:list") + "?show=all").context["meetings"]
    assert mine == ["Mine"]
    assert {m.title for m in every} == {"Mine", "Not mine"}


def test_the_list_is_paged_and_its_queries_do_not_grow(
    client, zhytomyr, indiana, django_assert_max_num_queries
):
    client.force_login(indiana)
    arrange(zhytomyr, users=[indiana])
    client.get(reverse("meetings:list"))  # the session and the caches, once
    with django_assert_max_num_queries(10) as few:
        client.get(reverse("meetings:list"))
    for i in range(35):
        arrange(zhytomyr, title=f"Meeting {i}", users=[indiana], partnership=zhytomyr_indiana())
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(reverse("meetings:list"))
    assert len(page.context["meetings"]) == 30
    assert page.context["page"].paginator.count == 36
    assert client.get(reverse("meetings:list") + "?page=2").context["page"].number == 2


# --- times: each viewer's own zone, the other side's beside -------------------------------------


def test_a_kyiv_viewer_in_winter_sees_17_00_and_indianapolis_10_00_beside(
    client, zhytomyr, indiana
):
    indiana.timezone = INDIANAPOLIS
    indiana.save()
    at = datetime(2031, 1, 15, 15, 0, tzinfo=UTC)
    meeting = arrange(zhytomyr, starts_at=at, users=[indiana])
    client.force_login(zhytomyr)
    page = client.get(reverse("meetings:detail", args=[meeting.pk]))
    assert '<strong class="hours">17:00–18:00</strong>' in text_of(page)
    other = text_of(page).split('class="other-times"')[1].split("</ul>")[0]
    assert "Indianapolis" in other
    assert "10:00–11:00" in other


def test_an_indianapolis_viewer_in_march_after_the_us_change(client, zhytomyr, indiana):
    """On 2031-03-12 the US is on summer time (since 9 March) and Ukraine not yet (30 March):
    15:00 UTC is 11:00 in Indianapolis and still 17:00 in Kyiv, six hours apart, not seven."""
    indiana.timezone = INDIANAPOLIS
    indiana.save()
    at = datetime(2031, 3, 12, 15, 0, tzinfo=UTC)
    meeting = arrange(zhytomyr, starts_at=at, users=[indiana])
    client.force_login(indiana)
    page = text_of(client.get(reverse("meetings:detail", args=[meeting.pk])))
    assert '<strong class="hours">11:00–12:00</strong>' in page
    assert "UTC-4" in page
    other = page.split('class="other-times"')[1].split("</ul>")[0]
    assert "Kyiv" in other
    assert "17:00–18:00" in other


def test_a_day_that_differs_on_the_other_side_is_said(client, zhytomyr, indiana):
    indiana.timezone = INDIANAPOLIS
    indiana.save()
    at = datetime(2031, 1, 15, 23, 0, tzinfo=KYIV)  # 16:00 the same day in Indianapolis
    meeting = arrange(zhytomyr, starts_at=at, users=[indiana])
    client.force_login(zhytomyr)
    at = datetime(2031, 1, 16, 0, 30, tzinfo=KYIV)  # 17:30 the day before in Indianapolis
    meetings.meeting_update(
        meeting=meeting, by=zhytomyr, starts_at=at, ends_at=at + timedelta(hours=1)
    )
    page = text_of(client.get(reverse("meetings:detail", args=[meeting.pk])))
    other = page.split('class="other-times"')[1].split("</ul>")[0]
    assert "17:30–18:30" in other
    assert "15 Jan" in other


# --- the detail page --------------------------------------------------------------------------


def test_the_detail_page_shows_everyone_and_their_answers_in_few_queries(
    client, zhytomyr, indiana, django_assert_max_num_queries
):
    meeting = arrange(zhytomyr, users=[indiana], people=["guest@partner.example.com"])
    meetings.meeting_respond(meeting=meeting, answer=Answer.ACCEPTED, by=indiana)
    client.force_login(zhytomyr)
    client.get(reverse("meetings:detail", args=[meeting.pk]))
    with django_assert_max_num_queries(20) as few:
        page = client.get(reverse("meetings:detail", args=[meeting.pk]))
    text = text_of(page)
    assert indiana.get_full_name() in text
    assert "will attend" in text
    assert "guest@partner.example.com" in text
    assert reverse("meetings:invitation_file", args=[meeting.pk]) in text
    assert reverse("messaging:thread", args=[meeting.thread_id]) in text
    # Twenty more people and their answers: not one query more.
    others = [UserFactory() for _ in range(10)]
    for user in others:
        Participant.objects.create(thread=meeting.thread, user=user)
    for user in others[:5]:
        MeetingResponse.objects.create(meeting=meeting, user=user, answer=Answer.DECLINED)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("meetings:detail", args=[meeting.pk]))


def test_organizer_changes_and_cancels_another_invitee_may_not(client, zhytomyr, indiana):
    meeting = arrange(zhytomyr, users=[indiana])
    edit = reverse("meetings:edit", args=[meeting.pk])
    cancel = reverse("meetings:cancel", args=[meeting.pk])
    client.force_login(indiana)
    detail = text_of(client.get(reverse("meetings:detail", args=[meeting.pk])))
    assert edit not in detail
    assert client.get(edit).status_code == 403
    assert client.post(edit, form_data(title="Hijacked")).status_code == 403
    assert client.get(cancel).status_code == 403
    assert client.post(cancel).status_code == 403
    meeting.refresh_from_db()
    assert (meeting.title, meeting.status) == ("Budget talk", MeetingStatus.PLANNED)

    client.force_login(zhytomyr)
    form = client.get(edit).context["form"]
    assert form["title"].value() == "Budget talk"
    assert form["invited"].value() == [indiana.pk]
    response = client.post(
        edit,
        form_data(
            title="Budget talk, moved", start="12:00", end="13:00", people="", invited=[indiana.pk]
        ),
    )
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.title == "Budget talk, moved"
    assert meeting.starts_at.astimezone(KYIV).hour == 12
    assert meeting.sequence == 1
    assert meeting.thread.participants.filter(user=indiana).exists()
    assert client.get(cancel).status_code == 200
    assert client.post(cancel).status_code == 302
    assert client.post(cancel).status_code == 302  # again: nothing more happens
    meeting.refresh_from_db()
    assert (meeting.status, meeting.sequence) == (MeetingStatus.CANCELLED, 2)
    assert client.get(edit).status_code == 302  # a cancelled meeting is not changed


def test_taking_someone_off_in_the_edit_form(client, zhytomyr, indiana):
    meeting = arrange(zhytomyr, users=[indiana], people=["guest@partner.example.com"])
    client.force_login(zhytomyr)
    response = client.post(
        reverse("meetings:edit", args=[meeting.pk]), form_data(title="Budget talk", people="")
    )
    assert response.status_code == 302
    left = set(meeting.thread.participants.values_list("user", flat=True))
    assert left == {zhytomyr.pk}


def test_the_edit_form_refuses_with_a_400(client, zhytomyr, indiana):
    meeting = arrange(zhytomyr, users=[indiana])
    client.force_login(zhytomyr)
    response = client.post(
        reverse("meetings:edit", args=[meeting.pk]), form_data(start="14:00", end="13:00")
    )
    assert response.status_code == 400
    meeting.refresh_from_db()
    assert meeting.starts_at == SOON


@pytest.mark.parametrize("answer", [Answer.ACCEPTED, Answer.TENTATIVE, Answer.DECLINED])
def test_an_invitee_answers_with_a_button(client, zhytomyr, indiana, answer):
    meeting = arrange(zhytomyr, users=[indiana])
    client.force_login(indiana)
    page = text_of(client.get(reverse("meetings:detail", args=[meeting.pk])))
    assert f'value="{answer}"' in page
    response = client.post(reverse("meetings:answer", args=[meeting.pk]), {"answer": answer})
    assert response.status_code == 302
    assert MeetingResponse.objects.get(meeting=meeting, user=indiana).answer == answer
    page = text_of(client.get(reverse("meetings:detail", args=[meeting.pk])))
    assert f'value="{answer}" aria-pressed="true"' in page


@pytest.mark.parametrize("value", ["needs-action", "yes", "", "\x00"])
def test_an_answer_that_is_not_one_is_a_400(client, zhytomyr, indiana, value):
    meeting = arrange(zhytomyr, users=[indiana])
    client.force_login(indiana)
    response = client.post(reverse("meetings:answer", args=[meeting.pk]), {"answer": value})
    assert response.status_code == 400
    assert not MeetingResponse.objects.exists()


def test_no_answer_to_a_cancelled_meeting_nor_from_a_coordinator_not_invited(
    client, zhytomyr, indiana, coordinator
):
    meeting = arrange(zhytomyr, users=[indiana])
    client.force_login(coordinator)
    url = reverse("meetings:answer", args=[meeting.pk])
    assert client.post(url, {"answer": "accepted"}).status_code == 403
    meetings.meeting_cancel(meeting=meeting, by=zhytomyr)
    client.force_login(indiana)
    assert client.post(url, {"answer": "accepted"}).status_code == 400
    assert not MeetingResponse.objects.exists()


def test_minutes_are_sanitized_as_messages_are(client, zhytomyr, indiana):
    meeting = arrange(zhytomyr, users=[indiana], starts_at=timezone.now() - timedelta(hours=2))
    client.force_login(indiana)
    text = (
        "**Agreed** the plan.\n\n<script>alert('minutes')</script>\n\n<img src=x onerror=alert(1)>"
    )
    response = client.post(reverse("meetings:minutes", args=[meeting.pk]), {"minutes": text})
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.HELD  # written after its start
    page = text_of(client.get(reverse("meetings:detail", args=[meeting.pk])))
    shown = page.split('class="minutes prose"')[1].split("</div>")[0]
    assert "<strong>Agreed</strong>" in shown
    assert "<script" not in shown
    assert "<img" not in shown


@pytest.mark.parametrize(
    ("minutes", "said"),
    [("\x00", "Null characters"), ("A" * 20_001, "at most 20000 characters")],
)
def test_minutes_that_cannot_be_kept_are_a_400(client, zhytomyr, indiana, minutes, said):
    meeting = arrange(zhytomyr, users=[indiana])
    client.force_login(indiana)
    response = client.post(reverse("meetings:minutes", args=[meeting.pk]), {"minutes": minutes})
    assert response.status_code == 400
    assert said in text_of(response)
    meeting.refresh_from_db()
    assert meeting.minutes == ""


def test_minutes_and_decisions_by_those_not_in_the_meeting(
    client, zhytomyr, indiana, chernihiv, outsider
):
    meeting = arrange(zhytomyr, users=[indiana])
    for user in (chernihiv, outsider):
        client.force_login(user)
        assert (
            client.post(
                reverse("meetings:minutes", args=[meeting.pk]), {"minutes": "x"}
            ).status_code
            == 404
        )
        assert (
            client.post(
                reverse("meetings:decision_add", args=[meeting.pk]), {"text": "x"}
            ).status_code
            == 404
        )
    meeting.refresh_from_db()
    assert meeting.minutes == ""
    assert not Decision.objects.exists()


def test_decisions_are_recorded_and_listed(client, zhytomyr, indiana):
    meeting = arrange(zhytomyr, users=[indiana])
    client.force_login(zhytomyr)
    url = reverse("meetings:decision_add", args=[meeting.pk])
    assert client.post(url, {"text": "Exchange four doctors in May."}).status_code == 302
    assert client.post(url, {"text": "   "}).status_code == 400
    assert client.post(url, {"text": "A\x00"}).status_code == 400
    page = text_of(client.get(reverse("meetings:detail", args=[meeting.pk])))
    assert "Exchange four doctors in May." in page
    assert Decision.objects.count() == 1


def test_action_items_show_their_owner_due_date_and_overdue(client, zhytomyr, indiana):
    meeting = arrange(zhytomyr, users=[indiana], starts_at=timezone.now() - timedelta(days=3))
    meetings.action_add(
        by=zhytomyr, title="Send the draft", owner=indiana, due=date(2020, 1, 2), meeting=meeting
    )
    client.force_login(zhytomyr)
    page = text_of(client.get(reverse("meetings:detail", args=[meeting.pk])))
    assert "Send the draft" in page
    assert indiana.get_full_name() in page
    assert "overdue" in page
    assert reverse("meetings:action_new", args=[meeting.pk]) in page


# --- the partnership's page ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "shown"),
    [("zhytomyr", True), ("indiana", True), ("coordinator", True), ("embassy", False)],
)
def test_a_partnerships_page_shows_its_meetings_to_those_who_may_see_them(
    client, request, zhytomyr, indiana, name, shown
):
    tie = zhytomyr_indiana()
    meeting = arrange(zhytomyr, users=[indiana], partnership=tie)
    meetings.action_add(
        by=zhytomyr, title="Book the hall", owner=indiana, due=date(2031, 1, 2), meeting=meeting
    )
    client.force_login(request.getfixturevalue(name))
    page = client.get(reverse("partnerships:detail", args=[tie.pk]))
    assert page.status_code == 200
    assert ("Budget talk" in text_of(page)) is shown
    assert ("Book the hall" in text_of(page)) is shown
    assert 'id="h-meetings"' in text_of(page)


def test_a_thread_page_offers_to_arrange_a_meeting(client, zhytomyr, indiana):
    thread = messaging.thread_create(by=zhytomyr, subject="Hello", users=[indiana])
    client.force_login(zhytomyr)
    page = text_of(client.get(reverse("messaging:thread", args=[thread.pk])))
    assert reverse("meetings:new") + f"?thread={thread.pk}" in page


def test_the_menu_has_meetings(client, zhytomyr):
    client.force_login(zhytomyr)
    page = text_of(client.get(reverse("meetings:list")))
    assert f'href="{reverse("meetings:list")}" aria-current="page"' in page
