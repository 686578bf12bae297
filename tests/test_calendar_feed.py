"""A person's calendar feed (a secret, revocable, read-only address) and one's own invitation
file, through the pages: who gets what, and nothing once the address is ended."""

import hashlib
import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from regionbridge.audit.models import AuditEntry
from regionbridge.meetings import feeds
from regionbridge.meetings.models import CalendarFeed, Meeting
from regionbridge.meetings.services import meeting_cancel, meeting_create
from regionbridge.messaging.models import Participant
from tests.test_policy import chernihiv_minnesota

pytestmark = pytest.mark.django_db

SOON = (timezone.now() + timedelta(days=7)).replace(microsecond=0)


def arrange(by, *, title: str, users=(), starts_at=SOON, **kw) -> Meeting:
    return meeting_create(
        by=by,
        title=title,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=1),
        users=list(users),
        **kw,
    )


def new_address(client, user) -> str:
    client.force_login(user)
    response = client.post(reverse("meetings:feed_manage"), {"action": "create"})
    assert response.status_code == 200
    match = re.search(r'id="feed-address">([^<]+)<', response.content.decode())
    assert match, response.content.decode()
    return match.group(1)


def path_of(address: str) -> str:
    return "/" + address.split("/", 3)[3]


def read(client, address: str):
    client.logout()  # a calendar app has no session
    return client.get(path_of(address))


def uids(response) -> dict[str, object]:
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    cal = Calendar.from_ical(response.content)
    assert cal["method"] == "PUBLISH"
    return {str(event["uid"]): event for event in cal.walk("VEVENT")}


# --- the page ---------------------------------------------------------------------------------


def test_the_page_asks_to_sign_in(client):
    response = client.get(reverse("meetings:feed_manage"))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_the_address_is_shown_once_and_only_its_digest_kept(client, zhytomyr):
    client.force_login(zhytomyr)
    page = client.get(reverse("meetings:feed_manage"))
    assert "Create my calendar address" in page.content.decode()
    address = new_address(client, zhytomyr)
    token = path_of(address).rsplit("/", 1)[1].removesuffix(".ics")
    feed = CalendarFeed.objects.get(user=zhytomyr)
    assert feed.digest == hashlib.sha256(token.encode()).hexdigest()
    assert token not in str(list(AuditEntry.objects.values_list("changes", flat=True)))
    again = client.get(reverse("meetings:feed_manage"))
    assert token not in again.content.decode()  # shown once
    assert "no-store" in again["Cache-Control"]


def test_a_wrong_action_is_a_clear_400(client, zhytomyr):
    client.force_login(zhytomyr)
    for action in ("", "delete", "\x00", "x" * 200_000):
        response = client.post(reverse("meetings:feed_manage"), {"action": action})
        assert response.status_code == 400
    assert not CalendarFeed.objects.exists()


# --- the feed ---------------------------------------------------------------------------------


@pytest.fixture
def meetings(zhytomyr, indiana, coordinator):
    """Zhytomyr takes part in an upcoming one, a cancelled one, one long past; not in another."""
    coming = arrange(zhytomyr, title="Coming", users=[indiana])
    called_off = arrange(zhytomyr, title="Called off", users=[indiana])
    meeting_cancel(meeting=called_off, by=zhytomyr)
    old = arrange(zhytomyr, title="Old", users=[indiana])
    Meeting.objects.filter(pk=old.pk).update(
        starts_at=timezone.now() - timedelta(days=91),
        ends_at=timezone.now() - timedelta(days=91) + timedelta(hours=1),
    )
    elsewhere = arrange(coordinator, title="Not Zhytomyr's", users=[indiana])
    return {"coming": coming, "called_off": called_off, "old": old, "elsewhere": elsewhere}


def test_the_feed_has_the_persons_meetings(client, zhytomyr, meetings):
    events = uids(read(client, new_address(client, zhytomyr)))
    assert set(events) == {meetings["coming"].uid, meetings["called_off"].uid}
    assert events[meetings["called_off"].uid]["status"] == "CANCELLED"
    assert events[meetings["coming"].uid]["status"] == "CONFIRMED"
    assert CalendarFeed.objects.get(user=zhytomyr).last_used_at is not None


def test_a_coordinators_feed_is_their_own_meetings_not_everyones(client, coordinator, meetings):
    """A coordinator sees every meeting for oversight; their calendar has theirs."""
    events = uids(read(client, new_address(client, coordinator)))
    assert set(events) == {meetings["elsewhere"].uid}


def test_an_ended_address_stops_working(client, zhytomyr, meetings):
    address = new_address(client, zhytomyr)
    assert read(client, address).status_code == 200
    client.force_login(zhytomyr)
    response = client.post(reverse("meetings:feed_manage"), {"action": "revoke"})
    assert response.status_code == 302
    assert read(client, address).status_code == 404
    assert AuditEntry.objects.filter(action="calendar_feed.revoked").count() == 1


def test_a_new_address_ends_the_old_one(client, zhytomyr, meetings):
    first = new_address(client, zhytomyr)
    second = new_address(client, zhytomyr)
    assert read(client, first).status_code == 404
    assert read(client, second).status_code == 200


def test_someone_else_cannot_end_my_address(client, zhytomyr, indiana, meetings):
    address = new_address(client, zhytomyr)
    client.force_login(indiana)
    client.post(reverse("meetings:feed_manage"), {"action": "revoke"})
    assert read(client, address).status_code == 200


def test_a_deactivated_persons_address_stops_working(client, zhytomyr, meetings):
    address = new_address(client, zhytomyr)
    zhytomyr.is_active = False
    zhytomyr.save(update_fields=["is_active"])
    assert read(client, address).status_code == 404


@pytest.mark.parametrize(
    "token",
    ["x", "a" * 43, "%00" * 30, "я" * 43, "a" * 5000, "..%2F..%2Fetc", "' OR 1=1 --" + "a" * 30],
)
def test_unknown_or_hostile_addresses_are_404(client, token, meetings):
    response = client.get(f"/meetings/calendar/{token}.ics")
    assert response.status_code == (400 if "%00" in token else 404)  # a NUL: refused up front


def test_confidential_meeting_leaves_the_feed_of_who_may_not_see_it(
    client, chernihiv, embassy, indiana
):
    meeting = arrange(chernihiv, title="Terms", users=[embassy], partnership=chernihiv_minnesota())
    Participant.objects.create(thread=meeting.thread, user=indiana)  # named, but no side of it
    assert meeting.uid in uids(read(client, new_address(client, embassy)))
    assert meeting.uid not in uids(read(client, new_address(client, indiana)))


def test_the_feed_is_rate_limited_per_address(client, settings, zhytomyr, meetings):
    settings.RATE_LIMITS = True
    settings.RATE_LIMIT_RULES = {**settings.RATE_LIMIT_RULES, "api": [(2, 60)]}
    address = new_address(client, zhytomyr)
    assert [read(client, address).status_code for _ in range(3)] == [200, 200, 429]


def test_the_feed_is_read_only(client, zhytomyr, meetings):
    address = new_address(client, zhytomyr)
    client.logout()
    assert client.post(path_of(address)).status_code == 405
    assert client.delete(path_of(address)).status_code == 405


def test_feed_queries_do_not_grow_with_meetings(
    client, zhytomyr, indiana, meetings, django_assert_max_num_queries
):
    address = new_address(client, zhytomyr)
    for n in range(10):
        arrange(zhytomyr, title=f"More {n}", users=[indiana], agenda=["a", "b"])
    client.logout()
    with django_assert_max_num_queries(12):
        assert client.get(path_of(address)).status_code == 200


# --- one's own invitation file ----------------------------------------------------------------


def test_an_invitee_downloads_their_invitation(client, zhytomyr, indiana, meetings):
    client.force_login(indiana)
    response = client.get(reverse("meetings:invitation_file", args=[meetings["coming"].pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    cal = Calendar.from_ical(response.content)
    assert cal["method"] == "REQUEST"
    response = client.get(reverse("meetings:invitation_file", args=[meetings["called_off"].pk]))
    assert Calendar.from_ical(response.content)["method"] == "CANCEL"


@pytest.mark.parametrize("name", ["coordinator", "embassy", "outsider", "chernihiv"])
def test_no_invitation_file_for_who_is_not_invited(client, request, name, meetings):
    client.force_login(request.getfixturevalue(name))
    response = client.get(reverse("meetings:invitation_file", args=[meetings["coming"].pk]))
    assert response.status_code == 404


def test_invitation_file_asks_to_sign_in(client, meetings):
    response = client.get(reverse("meetings:invitation_file", args=[meetings["coming"].pk]))
    assert response.status_code == 302


def test_feed_meetings_are_the_policys(zhytomyr, meetings):
    """The service behind the feed, on its own."""
    assert set(feeds.feed_meetings(zhytomyr)) == {meetings["coming"], meetings["called_off"]}
