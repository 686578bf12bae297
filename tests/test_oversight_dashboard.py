"""The oversight dashboard (issue 13, point 1): every figure equals the data, for each viewer's
part of the picture, today and on a past day; who may open it; hostile dates; pinned queries.

Expected numbers are worked out here from the data by another road than the selectors take:
each tie's stage by replaying its history in Python (`partnerships.selectors.stage_on`, the
reference the stored states are checked against) and sight by `policy.can` one tie at a time.
"""

from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from unittest import mock

import pytest
from django.core.cache import caches
from django.urls import reverse
from django.utils import timezone

from regionbridge import policy
from regionbridge.desk import selectors as desk
from regionbridge.meetings.models import ActionItem, Meeting, MeetingStatus
from regionbridge.messaging import services as messaging
from regionbridge.messaging.models import Message
from regionbridge.organizations.models import Organization
from regionbridge.oversight import charts, selectors
from regionbridge.oversight.part import overseen_partnerships
from regionbridge.partnerships import services as partnerships
from regionbridge.partnerships.lifecycle import SIGNED_STAGES, EventKind, Stage
from regionbridge.partnerships.models import (
    Activity,
    Document,
    DocumentStatus,
    Partnership,
    Review,
    ReviewDecision,
    Sphere,
)
from regionbridge.partnerships.selectors import stage_on
from regionbridge.partnerships.services import spheres_load
from regionbridge.regions.models import Region
from tests.conftest import org, region
from tests.factories import OrganizationFactory
from tests.test_policy import thread_author

pytestmark = pytest.mark.django_db

URL = "/oversight/"
VIEWERS = ("coordinator", "ministry", "embassy")
US = "US"


def today():
    return timezone.localdate()


def days_ago(n: int):
    return today() - timedelta(days=n)


def at(day, hour: int = 12) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


def record(tie: Partnership, kind: str, n_days_ago: int, **kw) -> None:
    partnerships.partnership_record_event(
        partnership=tie, kind=kind, on=days_ago(n_days_ago), by=None, **kw
    )


def opened(ukrainian: str, partner: str, first_days_ago: int, **kw) -> Partnership:
    """A tie whose history starts `first_days_ago` days ago (first contact, unless said)."""
    return partnerships.partnership_create(
        by=None,
        ukrainian_region=region(ukrainian),
        partner_region=region(partner),
        first_event_on=days_ago(first_days_ago),
        **kw,
    )


@pytest.fixture
def world(reference, coordinator):
    """Ties with histories, meetings, a message, actions, drafts and activities, dated around
    today so that a past day (120 days ago) sees another picture."""
    spheres_load()
    # Open, US: negotiating 300 days ago, memorandum 30 days ago; next step overdue.
    zi = opened("UA-18", "US-IN", 400)
    record(zi, EventKind.NEGOTIATIONS_REPORTED, 300)
    record(zi, EventKind.SIGNED, 30, signed_stage=Stage.MEMORANDUM_SIGNED)
    Partnership.objects.filter(pk=zi.pk).update(
        next_step_en="Exchange of delegations", next_step_due=days_ago(3)
    )
    # Confidential, US: exploring for 200 days, nothing since (stalled, except for whoever
    # reads today's message below).
    cm = opened("UA-74", "US-MN", 200, confidential=True)
    # Confidential, Canada: negotiating since 80 days ago (none of the embassy in the US's).
    zo = opened("UA-18", "CA-ON", 100, confidential=True)
    record(zo, EventKind.NEGOTIATIONS_REPORTED, 80)
    # Confidential, US: first contact 10 days ago (did not exist 120 days ago).
    ki = opened("UA-32", "US-IN", 10, confidential=True)
    # Open, Canada: an agreement signed long ago.
    lo = opened("UA-46", "CA-ON", 900, first_event=EventKind.SIGNED)
    for tie in (zi, cm, zo, ki, lo):
        tie.refresh_from_db()

    # A meeting held on Zhytomyr – Indiana 5 days ago, with an open action overdue since
    # yesterday; one planned in a week.
    author = thread_author()
    held = meeting_on(zi, author, days_ago(5), status=MeetingStatus.HELD)
    ActionItem.objects.create(
        title="Send the draft", owner=coordinator, due=days_ago(1), meeting=held, partnership=zi
    )
    ActionItem.objects.filter(meeting=held).update(created_at=at(days_ago(5)))
    meeting_on(zi, author, today() + timedelta(days=7))
    # The coordinator's message on the confidential Chernihiv – Minnesota negotiation, today.
    messaging.thread_create(by=coordinator, subject="Minnesota", partnership=cm, body="Any news?")

    # Drafts: one under review on Chernihiv – Minnesota for 12 days, the MFA's "no objection"
    # 3 days ago; one returned to Zhytomyr 4 days ago; one cleared 5 days ago on Zhytomyr –
    # Ontario; an agreement of Lviv – Ontario running out in 30 days.
    waiting = document(cm, DocumentStatus.UNDER_REVIEW, submitted=days_ago(12))
    Review.objects.create(
        document=waiting,
        ministry=org("mfa"),
        round=1,
        decision=ReviewDecision.NO_OBJECTION,
        decided_at=at(days_ago(3)),
    )
    returned = document(zi, DocumentStatus.RETURNED, submitted=days_ago(20))
    Review.objects.create(
        document=returned,
        ministry=org("mindev"),
        round=1,
        decision=ReviewDecision.RETURNED,
        comments="Fix the title",
        decided_at=at(days_ago(4)),
    )
    document(zo, DocumentStatus.CLEARED, submitted=days_ago(30), cleared=days_ago(5))
    document(
        lo,
        DocumentStatus.SIGNED,
        signed_on=days_ago(900),
        valid_until=today() + timedelta(days=30),
        kind="cooperation_agreement",
    )

    # Activities: culture on Zhytomyr – Indiana with a hospital 40 days ago; education on
    # Zhytomyr – Ontario 10 days ago.
    hospital = OrganizationFactory(
        name_en="Test hospital", kind="institution", institution_type="hospital"
    )
    culture = Activity.objects.create(
        kind="visit",
        title_en="Visit",
        starts_on=days_ago(40),
        sphere=Sphere.objects.get(code="culture"),
        partnership=zi,
    )
    culture.institutions.add(hospital)
    Activity.objects.create(
        kind="training",
        title_en="Training",
        starts_on=days_ago(10),
        sphere=Sphere.objects.get(code="education"),
        partnership=zo,
    )
    return {"zi": zi, "cm": cm, "zo": zo, "ki": ki, "lo": lo, "held": held}


def meeting_on(tie, author, day, *, status=MeetingStatus.PLANNED) -> Meeting:
    thread = messaging.thread_create(by=author, subject="Meeting", partnership=tie, body="Hi")
    Message.objects.filter(thread=thread).update(created_at=at(day - timedelta(days=30)))
    return Meeting.objects.create(
        title=f"Meeting on {tie}",
        thread=thread,
        partnership=tie,
        organizer=author,
        starts_at=at(day, 15),
        ends_at=at(day, 16),
        status=status,
    )


def document(tie, status, *, submitted=None, cleared=None, signed_on=None, **kw) -> Document:
    return Document.objects.create(
        partnership=tie,
        kind=kw.pop("kind", "memorandum"),
        title_en="Memorandum",
        status=status,
        review_round=1 if submitted else 0,
        submitted_at=at(submitted) if submitted else None,
        cleared_at=at(cleared) if cleared else None,
        signed_on=signed_on,
        **kw,
    )


def sees(user, tie: Partnership) -> bool:
    """Whether `tie` is in `user`'s part, decided one tie at a time."""
    if not policy.can(user, policy.Action.PARTNERSHIP_VIEW, tie):
        return False
    if policy.scope_of(user).sees_everything:
        return True
    return tie.partner_region.country.code == US  # the embassy in the US


def expected_counts(user, day) -> Counter:
    counts: Counter = Counter()
    for tie in Partnership.objects.select_related("partner_region__country"):
        if sees(user, tie):
            stage = stage_on(tie, day).stage
            if stage:
                counts[(tie.partner_region.country.code, stage)] += 1
    return counts


# --- every figure equals the data ------------------------------------------------------------


@pytest.mark.parametrize("name", VIEWERS)
@pytest.mark.parametrize("back", [0, 120])
def test_figures_equal_the_data(request, world, name, back):
    user = request.getfixturevalue(name)
    as_of, since = days_ago(back), days_ago(back + 90)
    result = selectors.figures(user, as_of=as_of, since=since)
    now, then = expected_counts(user, as_of), expected_counts(user, since)
    got_now = Counter(
        {(c.code, f.stage): f.now for c in result.countries for f in c.figures if f.now}
    )
    got_then = Counter(
        {(c.code, f.stage): f.then for c in result.countries for f in c.figures if f.then}
    )
    assert got_now == now
    assert got_then == then
    for stage in Stage.values:
        total = result.total.of(stage)
        assert total.now == sum(n for (_c, s), n in now.items() if s == stage)
        assert total.change == total.now - sum(n for (_c, s), n in then.items() if s == stage)


def test_the_article_s_sentence_today(world, coordinator):
    """A memorandum signed 30 days ago: +1 memorandum since 90 days ago, one negotiation less."""
    total = selectors.figures(coordinator, as_of=today(), since=days_ago(90)).total
    assert total.of(Stage.MEMORANDUM_SIGNED).change_text == "+1"
    assert total.of(Stage.NEGOTIATING).now == 1  # Zhytomyr – Ontario
    assert total.of(Stage.EXPLORING).now == 2  # Chernihiv – Minnesota, Kyiv – Indiana
    assert total.now == 5


def test_the_embassy_counts_only_us_ties_the_confidential_ones_included(world, embassy):
    result = selectors.figures(embassy, as_of=today(), since=days_ago(90))
    assert [c.code for c in result.countries] == [US]
    # Zhytomyr – Indiana, Chernihiv – Minnesota (confidential), Kyiv – Indiana (confidential).
    assert result.total.now == 3


def test_a_region_s_staff_see_only_their_region_in_the_selectors(world, zhytomyr, chernihiv):
    """No dashboard for them (403 below), but the briefing reuses the selectors."""
    mine = selectors.figures(zhytomyr, as_of=today(), since=days_ago(90))
    assert mine.total.now == 2  # Zhytomyr – Indiana and the Ontario negotiation
    theirs = selectors.figures(chernihiv, as_of=today(), since=days_ago(90))
    assert theirs.total.now == 1  # the confidential Chernihiv – Minnesota
    assert world["cm"].pk not in set(overseen_partnerships(zhytomyr).values_list("pk", flat=True))


def _ties(user, day):
    """Every tie of the viewer's regions' pages on `day`, region by region."""
    table = selectors.region_rows(user, as_of=day)
    return {
        row.region_id: selectors.tie_rows(
            selectors.region_ties(user, as_of=day, region=Region.objects.get(pk=row.region_id)),
            day,
        )
        for row in table.regions
    }


@pytest.mark.parametrize("name", VIEWERS)
@pytest.mark.parametrize("back", [0, 120])
def test_the_regions_table_lists_each_tie_of_the_viewer_once(request, world, name, back):
    user = request.getfixturevalue(name)
    day = days_ago(back)
    by_region = _ties(user, day)
    listed = [t.pk for ties in by_region.values() for t in ties]
    expected = {
        tie.pk
        for tie in Partnership.objects.select_related("partner_region__country")
        if sees(user, tie) and stage_on(tie, day).stage
    }
    assert sorted(listed) == sorted(expected)
    for region_id, ties in by_region.items():
        assert {t.region_id for t in ties} == {region_id}
        for tie in ties:
            assert tie.stage == stage_on(Partnership.objects.get(pk=tie.pk), day).stage


@pytest.mark.parametrize("name", VIEWERS)
@pytest.mark.parametrize("back", [0, 120])
def test_each_region_s_sums_are_those_of_its_ties(request, world, name, back):
    """The regions' table is summed in SQL; its page lists the ties: the two agree."""
    user = request.getfixturevalue(name)
    day = days_ago(back)
    by_region = _ties(user, day)
    for row in selectors.region_rows(user, as_of=day).regions:
        ties = by_region[row.region_id]
        assert row.ties == len(ties)
        assert row.signed == sum(t.stage in SIGNED_STAGES for t in ties)
        assert row.stalled == sum(t.stalled for t in ties)
        assert row.overdue == sum(t.overdue for t in ties)
        assert row.open_actions == sum(t.open_actions for t in ties)
        assert row.overdue_actions == sum(t.overdue_actions for t in ties)
        assert row.last_contact == max(
            (t.last_contact for t in ties if t.last_contact), default=None
        )
        assert row.days_idle == ((day - row.last_contact).days if row.last_contact else None)
        assert sum(n for _stage, _label, n in row.stages) == len(ties)
        assert dict((s, n) for s, _label, n in row.stages) == {
            s: sum(t.stage == s for t in ties) for s in {t.stage for t in ties}
        }
        # The stalled and overdue ones come first on the region's page.
        marks = [t.stalled or t.overdue for t in ties]
        assert marks == sorted(marks, reverse=True)


def _row(table, pk):
    return next(t for ties in table.values() for t in ties if t.pk == pk)


def test_last_contact_is_the_latest_event_meeting_or_message_the_viewer_may_see(
    world, coordinator, embassy
):
    table = _ties(coordinator, today())
    zi = _row(table, world["zi"].pk)
    assert (zi.last_contact, zi.last_contact_kind, zi.days_idle) == (days_ago(5), "meeting", 5)
    # The coordinator reads their own message of today on Chernihiv – Minnesota ...
    cm = _row(table, world["cm"].pk)
    assert (cm.last_contact, cm.last_contact_kind, cm.stalled) == (today(), "message", False)
    # ... the embassy takes no part in that thread nor in the meeting: events only.
    theirs = _ties(embassy, today())
    cm = _row(theirs, world["cm"].pk)
    assert (cm.last_contact, cm.days_idle, cm.stalled) == (days_ago(200), 200, True)
    zi = _row(theirs, world["zi"].pk)
    assert (zi.last_contact, zi.last_contact_kind) == (days_ago(30), "event")


def test_next_steps_and_actions_overdue_today_and_not_on_a_past_day(world, coordinator):
    row = _row(_ties(coordinator, today()), world["zi"].pk)
    assert row.next_step_overdue and row.overdue
    assert (row.open_actions, row.overdue_actions) == (1, 1)
    assert str(row.next_step) == "Exchange of delegations"
    past = _row(_ties(coordinator, days_ago(120)), world["zi"].pk)
    assert (past.next_step, past.next_step_overdue, past.open_actions) == ("", False, 0)
    assert past.stage == Stage.NEGOTIATING
    assert past.last_contact == days_ago(300)  # the meeting and its thread came later


def test_an_action_is_overdue_when_its_due_day_has_passed_where_its_owner_is(
    reference, coordinator, indiana
):
    """Due 10 March: at 01:00 UTC on the 11th it is the 11th in Kyiv and still the 10th in
    Indianapolis, so only the Kyiv owner's item is overdue (as each owner's desk says)."""
    indiana.timezone = "America/Indiana/Indianapolis"
    indiana.save(update_fields=["timezone"])
    moment = datetime(2025, 3, 11, 1, 0, tzinfo=UTC)
    with mock.patch("django.utils.timezone.now", return_value=moment):
        tie = opened("UA-18", "US-IN", 100)
        author = thread_author()
        held = meeting_on(tie, author, days_ago(5), status=MeetingStatus.HELD)
        for owner in (coordinator, indiana):
            ActionItem.objects.create(
                title="Send", owner=owner, due=date(2025, 3, 10), meeting=held, partnership=tie
            )
        row = _row(_ties(coordinator, today()), tie.pk)
        assert (today(), row.open_actions, row.overdue_actions) == (date(2025, 3, 11), 2, 1)
    later = datetime(2025, 3, 11, 5, 0, tzinfo=UTC)  # midnight in Indianapolis
    with mock.patch("django.utils.timezone.now", return_value=later):
        assert _row(_ties(coordinator, today()), tie.pk).overdue_actions == 2


def test_a_closed_action_counts_as_open_on_a_day_before_it_was_closed(world, coordinator):
    ActionItem.objects.update(status="done", closed_at=at(days_ago(1)))
    assert _row(_ties(coordinator, today()), world["zi"].pk).open_actions == 0
    row = _row(_ties(coordinator, days_ago(2)), world["zi"].pk)
    assert (row.open_actions, row.overdue_actions) == (1, 0)  # due yesterday: not yet overdue


def test_stalled_is_the_table_s_mark_in_sql(world, coordinator, embassy):
    for user in (coordinator, embassy):
        for day in (today(), days_ago(120)):
            marked = {t.pk for ties in _ties(user, day).values() for t in ties if t.stalled}
            assert {t.pk for t in selectors.stalled(user, as_of=day)} == marked
            assert selectors.stalled_count(user, as_of=day) == len(marked)
            assert selectors.region_rows(user, as_of=day).stalled == len(marked)
    assert [t.pk for t in selectors.stalled(embassy, as_of=today())] == [world["cm"].pk]
    # The coordinator reads today's message on it; the Ontario negotiation is 80 days quiet.
    assert [t.pk for t in selectors.stalled(coordinator, as_of=today())] == [world["zo"].pk]
    # 120 days ago: Zhytomyr – Indiana negotiating with nothing for 180 days, Chernihiv –
    # Minnesota exploring for 80 (the longest idle first).
    idle = [(t.pk, t.days_idle) for t in selectors.stalled(coordinator, as_of=days_ago(120))]
    assert idle == [(world["zi"].pk, 180), (world["cm"].pk, 80)]


def test_the_stalled_rule_is_the_desk_s():
    assert selectors.STALLED_AFTER_DAYS == desk.STALLED_AFTER_DAYS


def test_regions_without_ties_are_named(world, embassy):
    table = selectors.region_rows(embassy, as_of=today())
    codes = {"UA-18", "UA-74", "UA-32"}
    assert {r.region_id for r in table.regions} == {region(code).pk for code in codes}
    assert region("UA-46").name in table.without_ties  # Lviv's tie is with Canada
    assert region("UA-18").name not in table.without_ties


# --- what comes next, clearance, activity -----------------------------------------------------


def test_upcoming_signings_meetings_renewals_and_next_steps(world, coordinator, embassy):
    coming = selectors.upcoming(coordinator, as_of=today())
    assert [d.partnership_id for d in coming.signings] == [world["zo"].pk]
    assert coming.signings[0].waited == 5
    assert [m.partnership_id for m in coming.meetings] == [world["zi"].pk]
    assert [d.partnership_id for d in coming.renewals] == [world["lo"].pk]
    assert coming.next_steps == [] and coming.next_steps_count == 0  # overdue, not upcoming
    # The embassy: none of the Canadian ties' drafts; the meeting it is not invited to is not
    # shown either.
    theirs = selectors.upcoming(embassy, as_of=today())
    assert (theirs.signings, theirs.renewals, theirs.meetings) == ([], [], [])
    # 10 days ago the draft was not cleared yet; the meeting was within 60 days.
    past = selectors.upcoming(coordinator, as_of=days_ago(10))
    assert past.signings == [] and len(past.meetings) == 2


def test_clearance_waits_per_ministry_and_for_the_region(world, coordinator, embassy, ministry):
    waits = selectors.clearance_waits(coordinator, as_of=today())
    by_key = {w.ministry.key: w for w in waits.ministries}
    assert by_key["mfa"].count == 0  # decided 3 days ago
    assert [(d.partnership_id, d.waited) for d in by_key["mindev"].drafts] == [(world["cm"].pk, 12)]
    assert [(d.partnership_id, d.waited) for d in waits.returned] == [(world["zi"].pk, 4)]
    # A week ago the MFA had not decided yet, the returned draft was still with the ministries
    # and the Ontario draft (cleared 5 days ago, submitted 30 days ago) too.
    week = selectors.clearance_waits(coordinator, as_of=days_ago(7))
    for wait in week.ministries:
        waited = [(d.partnership_id, d.waited) for d in wait.drafts]
        assert waited == [(world["zo"].pk, 23), (world["zi"].pk, 13), (world["cm"].pk, 5)]
        assert wait.count == 3 and wait.longest == 23
    assert week.returned == []
    # The confidential draft counts for those who may see it: the embassy (US), the MFA.
    for user in (embassy, ministry):
        assert {
            w.ministry.key: w.count
            for w in selectors.clearance_waits(user, as_of=today()).ministries
        } == {"mfa": 0, "mindev": 1}


def test_activity_series_per_sphere_and_institution_type(world, coordinator, embassy):
    series = selectors.activity_series(coordinator, as_of=today())
    assert len(series.months) == 12 and series.months[-1] == today().replace(day=1)
    spheres = {row.key: row.total for row in series.by_sphere}
    assert spheres == {"culture": 1, "education": 1}
    assert {row.key: row.total for row in series.by_institution_type} == {"hospital": 1}
    assert {row.key for row in selectors.activity_series(embassy, as_of=today()).by_sphere} == {
        "culture"
    }
    assert selectors.activity_series(coordinator, as_of=days_ago(120)).total == 0


def test_charts_share_one_scale_and_say_every_count_in_words(world, coordinator):
    series = selectors.activity_series(coordinator, as_of=today())
    strips = charts.strips(series.by_sphere, series.months)
    assert [s.total for s in strips] == [1, 1]
    bars = [bar for s in strips for bar in s.bars if bar.value]
    assert {bar.height for bar in bars} == {charts.BAR_SPACE}
    assert all(len(s.desc.split("; ")) == 12 for s in strips)


# --- the page ---------------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get(URL)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("name", ["outsider", "institution_user", "indiana", "zhytomyr"])
def test_who_has_no_dashboard_gets_403(client, request, name):
    client.force_login(request.getfixturevalue(name))
    assert client.get(URL).status_code == 403


@pytest.mark.parametrize("name", VIEWERS)
def test_overseers_get_the_dashboard_and_its_menu_link(client, request, world, name):
    client.force_login(request.getfixturevalue(name))
    response = client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert f'href="{reverse("oversight:dashboard")}" aria-current="page"' in html
    assert "<svg" in html and "<desc" in html and "<details" in html


def test_the_menu_link_is_only_for_overseers(client, zhytomyr):
    client.force_login(zhytomyr)
    assert reverse("oversight:dashboard") not in client.get("/").content.decode()


def test_the_embassy_page_never_names_a_canadian_tie(client, world, embassy):
    client.force_login(embassy)
    html = client.get(URL).content.decode()
    assert "Онтаріо" not in html and "Ontario" not in html
    assert reverse("partnerships:detail", args=[world["cm"].pk]) in html


def test_a_past_day_shows_that_day(client, world, coordinator):
    client.force_login(coordinator)
    day = days_ago(120)
    response = client.get(URL, {"as_of": day.isoformat(), "since": days_ago(200).isoformat()})
    assert response.status_code == 200
    assert response.context["figures"].as_of == day
    # Kyiv – Indiana did not exist yet.
    assert reverse("partnerships:detail", args=[world["ki"].pk]) not in response.content.decode()


def test_the_page_is_kept_until_the_data_under_it_changes(client, world, coordinator):
    """Drawn once (decision 0013), and drawn again after any change: a new tie, a message."""
    client.force_login(coordinator)
    first = client.get(URL).content.decode()
    # A negotiation opened 200 days ago with nothing since: listed as stalled at once ...
    tie = opened("UA-61", "US-OH", 200)
    link = reverse("partnerships:detail", args=[tie.pk])
    assert link not in first
    assert link in client.get(URL).content.decode()
    # ... and no longer once the coordinator writes on it.
    messaging.thread_create(by=coordinator, subject="Ohio", partnership=tie, body="Hello")
    assert link not in client.get(URL).content.decode()


def test_a_viewer_is_never_shown_the_page_kept_for_another(client, world, coordinator, embassy):
    client.force_login(coordinator)
    coordinator_html = client.get(URL).content.decode()
    assert "Онтаріо" in coordinator_html or "Ontario" in coordinator_html
    client.force_login(embassy)
    embassy_html = client.get(URL).content.decode()
    assert "Онтаріо" not in embassy_html and "Ontario" not in embassy_html


def test_a_page_kept_is_not_shown_after_the_viewer_s_rights_change(client, world, embassy):
    """The key holds what decides the viewer's sight: made a superuser and back (saves of the
    account, which change no data version), the embassy sees Canada's tie and then no more."""
    client.force_login(embassy)
    html = client.get(URL).content.decode()
    assert "Онтаріо" not in html and "Ontario" not in html
    embassy.is_superuser = True
    embassy.save()
    html = client.get(URL).content.decode()
    assert "Онтаріо" in html or "Ontario" in html
    embassy.is_superuser = False
    embassy.save()
    html = client.get(URL).content.decode()
    assert "Онтаріо" not in html and "Ontario" not in html


def test_in_english(client, world, coordinator):
    coordinator.language = "en"
    coordinator.save(update_fields=["language"])
    client.force_login(coordinator)
    html = client.get(URL).content.decode()
    assert "Oversight dashboard" in html and "By partner country" in html


HOSTILE = [
    {"as_of": "9999-99-99"},
    {"as_of": "9999-12-31"},
    {"as_of": (today() + timedelta(days=1)).isoformat()},
    {"as_of": "2025-01-01", "since": "2025-02-01"},
    {"since": "A" * 200_000},
    {"as_of": "2025-01-01\x00"},
    {"as_of": "0000-00-00"},
]


@pytest.mark.parametrize("query", HOSTILE, ids=lambda q: "_".join(q)[:40] + str(len(str(q))))
def test_bad_dates_are_said_with_a_400_and_no_blocks(client, world, coordinator, query):
    client.force_login(coordinator)
    response = client.get(URL, query)
    assert response.status_code == 400
    html = response.content.decode()
    if any("\x00" in value for value in query.values()):
        return  # refused before any view: "The request contains a NUL byte."
    assert 'class="error-summary"' in html
    assert 'id="regions"' not in html
    assert html.split("<title>")[1].startswith(("Помилка:", "Error:"))


# --- pinned query counts ----------------------------------------------------------------------


@pytest.fixture
def generated(reference, tmp_path, settings):
    from regionbridge.demo.generate import generate

    settings.MEDIA_ROOT = tmp_path
    generate(scale=0.03, seed=7)


@pytest.mark.parametrize("name", ["coordinator", "embassy"])
def test_the_page_costs_the_same_small_number_of_queries(
    client, request, generated, name, django_assert_max_num_queries
):
    user = request.getfixturevalue(name)
    client.force_login(user)
    client.get(URL)  # warm the caches that any page fills once
    caches["results"].clear()  # the page drawn afresh, as after a change
    assert Partnership.objects.count() > 10
    # Each block's aggregations, and the action owners' time zones for each of them.
    with django_assert_max_num_queries(30):
        response = client.get(URL)
    assert response.status_code == 200
    with django_assert_max_num_queries(30):
        assert client.get(URL, {"as_of": days_ago(100).isoformat()}).status_code == 200
    # Drawn already, while nothing changed: the session, the viewer, the data's version, the
    # menu's counts.
    with django_assert_max_num_queries(9):
        assert client.get(URL).status_code == 200


@pytest.mark.parametrize("name", ["coordinator", "embassy"])
def test_a_region_s_page_costs_the_same_small_number_of_queries(
    client, request, generated, name, django_assert_max_num_queries
):
    user = request.getfixturevalue(name)
    client.force_login(user)
    url = reverse("oversight:region", args=["UA-18"])
    client.get(url)
    caches["results"].clear()  # drawn afresh, as after a change
    for query in ({}, {"as_of": days_ago(100).isoformat()}, {"page": "2"}):
        with django_assert_max_num_queries(14):
            response = client.get(url, query)
        assert response.status_code == 200
    # Drawn already: the session, the viewer, the region, the data's version, the menu's counts.
    for query in ({}, {"page": "2"}, {"page": "02"}):
        with django_assert_max_num_queries(9):
            assert client.get(url, query).status_code == 200


def test_a_region_s_page_lists_its_ties_a_page_at_a_time(client, world, coordinator):
    client.force_login(coordinator)
    html = client.get(reverse("oversight:region", args=["ua-18"])).content.decode()

    def link(name):
        return f'href="{reverse("partnerships:detail", args=[world[name].pk])}"'

    assert link("zi") in html and link("zo") in html
    assert link("cm") not in html  # Chernihiv's
    assert client.get(reverse("oversight:region", args=["US-IN"])).status_code == 404
    assert (
        client.get(reverse("oversight:region", args=["UA-18"]), {"as_of": "x"}).status_code == 400
    )


def test_mfa_is_one_of_the_clearing_ministries(reference):
    assert Organization.objects.filter(key__in=("mfa", "mindev")).count() == 2
