"""The desk: `/` for signed-in people, one block per role, the one with most waiting first
(issue 11, point 1). Everything on it comes through the policy, so nobody's desk shows what
their roles may not see."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from regionbridge.accounts.services import role_assign
from regionbridge.desk.selectors import STALLED_AFTER_DAYS, desk_blocks
from regionbridge.matching.models import Match, Post
from regionbridge.meetings.models import ActionItem
from regionbridge.messaging import services as messaging
from regionbridge.messaging.models import Participant
from regionbridge.partnerships import clearance
from regionbridge.partnerships.models import Document, DocumentStatus, Partnership, Review
from regionbridge.regions.models import Region
from tests.conftest import org, region
from tests.factories import OrganizationFactory
from tests.test_policy import (
    chernihiv_minnesota,
    hospital_link,
    partnership,
    thread_with,
    under_review,
    zhytomyr_indiana,
)

PERSONAS = [
    "coordinator",
    "ministry",
    "embassy",
    "zhytomyr",
    "chernihiv",
    "indiana",
    "institution_user",
]


def desk(client, user):
    client.force_login(user)
    response = client.get("/")
    assert response.status_code == 200
    return response


def blocks_of(response) -> list[str]:
    return [block.role for block in response.context["blocks"]]


def data_of(response, role: str) -> dict:
    (block,) = [block for block in response.context["blocks"] if block.role == role]
    return block.data


def overdue(p: Partnership, days: int = 3) -> Partnership:
    Partnership.objects.filter(pk=p.pk).update(
        next_step_en="Send the draft", next_step_due=timezone.localdate() - timedelta(days=days)
    )
    return p


def stalled(p: Partnership, days: int = STALLED_AFTER_DAYS + 10) -> Partnership:
    Partnership.objects.filter(pk=p.pk).update(
        stage="negotiating", last_event_on=timezone.localdate() - timedelta(days=days)
    )
    return p


def returned(p: Partnership) -> Document:
    document = clearance.document_create(
        partnership=p, kind="memorandum", by=None, title_en="Returned memorandum"
    )
    Document.objects.filter(pk=document.pk).update(status=DocumentStatus.RETURNED)
    return document


# --- who sees which blocks -------------------------------------------------------------------


def test_anonymous_sees_the_public_front_page(client, reference):
    response = client.get("/")
    assert response.status_code == 200
    assert "core/home.html" in [t.name for t in response.templates]
    assert "blocks" not in response.context


@pytest.mark.parametrize(
    "persona, role",
    [
        ("coordinator", "coordinator"),
        ("ministry", "ministry"),
        ("embassy", "embassy"),
        ("zhytomyr", "regional"),
        ("chernihiv", "regional"),
        ("indiana", "partner"),
        ("institution_user", "institution"),
    ],
)
def test_each_role_sees_its_own_block(client, request, persona, role):
    response = desk(client, request.getfixturevalue(persona))
    assert blocks_of(response) == [role]
    assert f'id="desk-{role}"' in response.content.decode()


def test_a_signed_in_person_without_a_role_gets_a_helpful_page(client, outsider):
    response = desk(client, outsider)
    assert response.context["blocks"] == []
    page = response.content.decode()
    assert "no role yet" in page.lower() or "ролі" in page
    assert "/public/" in page


def test_empty_states_say_what_to_do(client, zhytomyr, settings):
    settings.LANGUAGE_CODE = "en"
    client.force_login(zhytomyr)
    client.cookies["rb_language"] = "en"
    zhytomyr.language = "en"
    zhytomyr.save(update_fields=["language"])
    page = client.get("/").content.decode()
    assert "Open a partnership" in page
    assert "Start a conversation" in page
    assert "When a ministry returns one with comments" in page


# --- the regional block ----------------------------------------------------------------------


def test_zhytomyr_sees_its_partnerships_overdue_first_and_never_chernihivs_negotiation(
    client, zhytomyr
):
    on_time = zhytomyr_indiana()
    late = overdue(partnership("UA-18", "US-OH"))
    secret = chernihiv_minnesota()
    response = desk(client, zhytomyr)
    data = data_of(response, "regional")
    assert [p.pk for p in data["partnerships"]] == [late.pk, on_time.pk]
    assert data["partnership_count"] == 2 and data["overdue_count"] == 1
    assert secret.pk not in [p.pk for p in data["partnerships"]]
    assert "Minnesota" not in response.content.decode()
    assert "Міннесота" not in response.content.decode()


def test_zhytomyr_sees_unread_threads_and_drafts_returned_to_it(client, zhytomyr):
    p = zhytomyr_indiana()
    thread_with(users=(zhytomyr,), partnership=p)
    returned(p)
    returned(chernihiv_minnesota())  # not theirs
    data = data_of(desk(client, zhytomyr), "regional")
    assert data["unread"] == 1
    assert [t.unread for t in data["threads"]] == [1]
    assert data["returned_count"] == 1
    assert [d.partnership_id for d in data["returned"]] == [p.pk]


def test_chernihiv_sees_its_own_confidential_negotiation(client, chernihiv):
    secret = chernihiv_minnesota()
    data = data_of(desk(client, chernihiv), "regional")
    assert [p.pk for p in data["partnerships"]] == [secret.pk]


# --- the ministry block ----------------------------------------------------------------------


def test_ministry_sees_drafts_waiting_oldest_first_and_what_it_decided(client, ministry):
    older = under_review(zhytomyr_indiana())
    newer = under_review(chernihiv_minnesota())
    Document.objects.filter(pk=older.pk).update(submitted_at=timezone.now() - timedelta(days=5))
    decided = under_review(partnership("UA-32", "US-WA"))
    Review.objects.create(
        document=decided, ministry=org("mfa"), round=1, decision="no_objection", reviewer=ministry
    )
    Review.objects.create(document=decided, ministry=org("mindev"), round=1, decision="approved")
    data = data_of(desk(client, ministry), "ministry")
    assert [d.pk for d in data["queue"]] == [older.pk, newer.pk]
    assert data["queue_count"] == 2
    assert [r.document_id for r in data["decided"]] == [decided.pk]  # mindev's is not ours


def test_the_review_queue_menu_item_carries_the_count_waiting_for_my_ministry(
    client, ministry, zhytomyr
):
    under_review(zhytomyr_indiana())
    under_review(chernihiv_minnesota())
    client.force_login(ministry)
    html = client.get("/regions/").content.decode()
    item = html.split('href="/partnerships/reviews/"')[1].split("</li>")[0]
    assert '<span class="tag unread">2' in item
    client.force_login(zhytomyr)  # no queue, no item, no count
    assert 'href="/partnerships/reviews/"' not in client.get("/regions/").content.decode()


# --- the embassy block -----------------------------------------------------------------------


def test_embassy_sees_ties_and_drafts_in_its_host_country_only(client, embassy):
    signed = zhytomyr_indiana()
    Partnership.objects.filter(pk=signed.pk).update(stage="memorandum_signed")
    secret = chernihiv_minnesota()
    Partnership.objects.filter(pk=secret.pk).update(stage="negotiating")
    partnership("UA-18", "CA-ON", confidential=True)  # Canada: not the US embassy's business
    in_clearance = under_review(secret)
    data = data_of(desk(client, embassy), "embassy")
    assert data["tie_count"] == 2
    assert [p.pk for p in data["negotiations"]] == [secret.pk]
    assert [d.pk for d in data["in_clearance"]] == [in_clearance.pk]


# --- the partner block -----------------------------------------------------------------------


def test_indiana_sees_its_partnerships_and_threads_waiting_for_its_reply(client, indiana):
    p = zhytomyr_indiana()
    chernihiv_minnesota()
    waiting = thread_with(users=(indiana,), partnership=p)
    answered = thread_with(users=(indiana,), partnership=p)
    messaging.message_post(thread=answered, author=indiana, body="Thank you, we agree.")
    data = data_of(desk(client, indiana), "partner")
    assert [x.pk for x in data["partnerships"]] == [p.pk]
    assert [t.pk for t in data["awaiting"]] == [waiting.pk]
    assert data["awaiting_count"] == 1
    assert data["unread"] == 1  # replying read the other thread


# --- the institution block -------------------------------------------------------------------


def test_institution_sees_its_links_and_the_actions_it_may_take(client, request, institution_user):
    link = hospital_link(request)
    response = desk(client, institution_user)
    data = data_of(response, "institution")
    assert [item["link"].pk for item in data["links"]] == [link.pk]
    assert data["links"][0]["may_add_activity"] is True
    assert [item["may_link"] for item in data["institutions"]] == [True]
    assert f"/institutions/links/{link.pk}/activities/new/" in response.content.decode()


def test_institution_without_links_is_told_what_to_do(client, institution_user):
    data = data_of(desk(client, institution_user), "institution")
    assert data["links"] == [] and data["link_count"] == 0


# --- the coordinator block -------------------------------------------------------------------


def test_coordinator_sees_totals_per_stage_stalled_and_overdue(client, coordinator):
    stale = stalled(zhytomyr_indiana())
    late = overdue(chernihiv_minnesota())
    partnership("UA-32", "US-WA")
    response = desk(client, coordinator)
    data = data_of(response, "coordinator")
    totals = {stage.value: n for stage, n in data["totals"]}
    assert totals["negotiating"] == 1
    assert sum(totals.values()) == 3
    assert [(p.pk, p.days_idle) for p in data["stalled"]] == [(stale.pk, STALLED_AFTER_DAYS + 10)]
    assert [p.pk for p in data["overdue"]] == [late.pk]
    assert "/partnerships/?stage=negotiating" in response.content.decode()


# --- several roles ---------------------------------------------------------------------------


def test_two_roles_two_blocks_the_one_with_most_waiting_first(client, zhytomyr):
    role_assign(user=zhytomyr, role="ministry", organization=org("mfa"))
    under_review(zhytomyr_indiana())
    blocks = desk_blocks(zhytomyr)
    assert [b.role for b in blocks] == ["ministry", "regional"]
    assert [b.waiting for b in blocks] == [1, 0]
    late = overdue(partnership("UA-18", "US-OH"))
    returned(late)
    client.force_login(zhytomyr)
    assert blocks_of(client.get("/")) == ["regional", "ministry"]


# --- queries do not grow with the data -------------------------------------------------------

# Per page, signed in, after a warm-up: session, user, scope, the header's badge, then each
# block's rows and totals (counted in SQL); coordinators and ministries one more, the review
# queue's count on its menu item. The person's own part (issue 12) adds 3 for everyone (my open
# actions' counts and rows, the upcoming meetings) and up to 2 for whoever follows up overdue
# actions (coordinators, office staff: the owners' time zones, then the rows with their total;
# the second is not asked when no followed action is open).
# Needs and offers (issue 14): coordinators count the open needs without a match (+1); those
# who post read whether they post for anyone, their open posts with their suggestions, and the
# totals (+3).
QUERIES = {
    "coordinator": 18,
    "ministry": 14,
    "embassy": 17,
    "zhytomyr": 20,
    "indiana": 19,
    "institution_user": 19,
}


def _fill(n: int, request) -> None:
    """`n` partnerships of Zhytomyr with US states, each with a thread for every persona, a draft
    under review and an overdue, stalled next step; links and activities for the hospital."""
    states = list(
        Region.objects.filter(country__code="US").exclude(code="US-IN").order_by("code")[:n]
    )
    people = [request.getfixturevalue(p) for p in QUERIES]
    for i, state in enumerate(states):
        p = stalled(overdue(partnership("UA-18", state.code, confidential=i % 2 == 1)))
        under_review(p)
        thread = thread_with(users=tuple(people), partnership=p)
        Participant.objects.get_or_create(thread=thread, user=people[0])
        # An overdue action for one persona after another: the desk's "My actions" and the
        # follow-up of overdue actions have rows to show.
        ActionItem.objects.create(
            title="Follow up", owner=people[i % len(people)], due=date(2025, 1, 1), thread=thread
        )
    # A need of each posting office (the hospital, Zhytomyr's and Indiana's administrations)
    # per partnership, each suggested an offer, strong and new for one in two.
    offices = [hospital_of(request.getfixturevalue("institution_user")), org("rma-UA-18")]
    offices.append(org("gov-US-IN"))
    offer = _post(offices[2], "offer")
    for i in range(len(states)):
        for office in offices:
            Match.objects.create(need=_post(office), offer=offer, score=0.7, strong=i % 2 == 0)


@pytest.mark.parametrize("persona", sorted(QUERIES))
def test_desk_queries_do_not_grow(
    client, reference, request, django_assert_max_num_queries, persona
):
    user = request.getfixturevalue(persona)
    client.force_login(user)
    counts = []
    for size in (3, 30):
        _fill(size, request)
        client.get("/")  # warm: the first page after news also counts the unread badge
        with django_assert_max_num_queries(QUERIES[persona]) as captured:
            assert client.get("/").status_code == 200
        counts.append(len(captured))
    assert counts[0] == counts[1], counts


def test_nothing_imports_the_desk_but_the_projects_urls():
    """The desk sits above the domains: it reads them, none of them reads it."""
    from tests.test_imports import PACKAGE, _project_imports

    importers = {
        str(path.relative_to(PACKAGE))
        for path in PACKAGE.rglob("*.py")
        if "desk" not in path.relative_to(PACKAGE).parts[:1]
        and any(module.startswith("regionbridge.desk") for module in _project_imports(path))
    }
    assert importers == {"urls.py"}


def test_the_desk_counts_the_badge_once_for_the_header_and_its_block(client, zhytomyr, indiana):
    messaging.thread_create(by=zhytomyr, subject="Hello", people=[indiana.email], body="Hi")
    client.force_login(indiana)
    client.get("/")
    with CaptureQueriesContext(connection) as kept:
        page = client.get("/")
    assert page.context["unread_messages"] == 1
    assert len([q for q in kept if "unreadbadge" in q["sql"].lower()]) == 1


# --- the person's own part: actions and meetings (issue 12, point 4) -------------------------


def _meeting(by, *users, days: int = 2):
    from regionbridge.meetings import services as meetings

    starts_at = timezone.now().replace(microsecond=0) + timedelta(days=days)
    return meetings.meeting_create(
        by=by,
        title=f"Meeting in {days} days",
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=1),
        users=users,
    )


def _action(meeting, by, owner, due):
    from regionbridge.meetings import services as meetings

    return meetings.action_add(by=by, title=f"Due {due}", owner=owner, due=due, meeting=meeting)


def test_every_desk_shows_my_open_actions_overdue_first_and_my_next_meetings(
    client, zhytomyr, indiana
):
    today = timezone.localdate()
    later = _meeting(zhytomyr, indiana, days=9)
    sooner = _meeting(zhytomyr, indiana, days=1)
    coming = _action(later, zhytomyr, indiana, today + timedelta(days=2))
    late = _action(later, zhytomyr, indiana, today - timedelta(days=2))
    _action(later, indiana, zhytomyr, today)  # someone else's
    for user in (indiana, zhytomyr):
        mine = desk(client, user).context["mine"]
        assert [m.pk for m in mine["meetings"]] == [sooner.pk, later.pk]
    mine = desk(client, indiana).context["mine"]
    assert [a.pk for a in mine["actions"]] == [late.pk, coming.pk]
    assert (mine["open_count"], mine["overdue_count"]) == (2, 1)
    page = desk(client, indiana).content.decode()
    assert 'id="desk-mine"' in page and f"/meetings/actions/{late.pk}/" in page


def test_a_person_without_a_role_still_sees_their_own_part(client, outsider):
    page = desk(client, outsider)
    assert page.context["mine"]["actions"] == [] and 'id="desk-mine"' in page.content.decode()


def test_coordinators_see_overdue_actions_everywhere(client, coordinator, zhytomyr, indiana):
    meeting = _meeting(zhytomyr, indiana)
    late = _action(meeting, zhytomyr, indiana, timezone.localdate() - timedelta(days=5))
    _action(meeting, zhytomyr, zhytomyr, timezone.localdate() + timedelta(days=5))
    follow_up = desk(client, coordinator).context["mine"]["follow_up"]
    assert follow_up["view"] == "everyone"
    assert ([a.pk for a in follow_up["actions"]], follow_up["count"]) == ([late.pk], 1)
    # Zhytomyr's officer works in no office of their own: nothing to follow up.
    assert desk(client, zhytomyr).context["mine"]["follow_up"]["view"] is None


def test_office_staff_see_their_colleagues_overdue_actions(
    client, institution_user, zhytomyr, indiana
):
    from tests.factories import UserFactory

    colleague = UserFactory()
    hospital = institution_user.role_assignments.get().organization
    role_assign(user=colleague, role="institution", organization=hospital)
    meeting = _meeting(zhytomyr, indiana, institution_user)
    late = _action(meeting, zhytomyr, institution_user, timezone.localdate() - timedelta(days=1))
    _action(meeting, zhytomyr, indiana, timezone.localdate() - timedelta(days=1))  # not ours
    follow_up = desk(client, colleague).context["mine"]["follow_up"]
    assert follow_up["view"] == "office"
    assert ([a.pk for a in follow_up["actions"]], follow_up["count"]) == ([late.pk], 1)
    # One's own overdue actions are under "My actions", not followed up as a colleague's.
    assert desk(client, institution_user).context["mine"]["follow_up"]["count"] == 0


# --- needs and offers (issue 14) -------------------------------------------------------------


def hospital_of(user):
    return user.role_assignments.get().organization


def _post(organization, kind: str = "need", **fields) -> Post:
    """A post written straight to the table: the desk reads posts, it does not match them."""
    values = {
        "title": f"Rehabilitation {kind} of {organization}",
        "description": "Upper-limb prosthetics.",
        "language": "en",
        "region": organization.region or region("UA-18"),
        "organization": organization,
    }
    values.update(fields)
    return Post.objects.create(kind=kind, **values)


def _suggest(need: Post, offer: Post, *, strong: bool = False, days_ago: int = 0) -> Match:
    at = timezone.now() - timedelta(days=days_ago)
    return Match.objects.create(
        need=need,
        offer=offer,
        score=0.8 if strong else 0.4,
        strong=strong,
        strong_since=at if strong else None,
        computed_at=at,
    )


def test_those_who_post_see_their_open_posts_newest_activity_first_with_suggestions(
    client, institution_user, settings
):
    settings.LANGUAGE_CODE = "en"
    hospital = hospital_of(institution_user)
    offer = _post(OrganizationFactory(region=region("US-IN")), "offer")
    quiet = _post(hospital, title="Physiotherapy for children")
    suggested = _post(hospital, title="Prosthetics for veterans")
    Post.objects.filter(pk__in=[quiet.pk, suggested.pk]).update(
        updated_at=timezone.now() - timedelta(days=30)
    )
    Post.objects.filter(pk=quiet.pk).update(updated_at=timezone.now() - timedelta(days=3))
    _suggest(suggested, offer, strong=True)  # the worker's run is the newest activity
    old = _post(hospital, title="Hydrotherapy pool")
    Post.objects.filter(pk=old.pk).update(updated_at=timezone.now() - timedelta(days=60))
    _suggest(old, offer, strong=True, days_ago=20)  # strong, but not new
    _post(hospital, title="A closed need", status="closed")
    response = desk(client, institution_user)
    posts = response.context["posts"]
    assert [p.pk for p in posts["posts"]] == [suggested.pk, quiet.pk, old.pk]
    assert [(p.suggestions, p.new_strong) for p in posts["posts"]] == [
        (1, True),
        (0, False),
        (1, False),
    ]
    assert (posts["total"], posts["waiting"]) == (3, 1)
    page = response.content.decode()
    assert 'id="desk-posts"' in page and "A closed need" not in page
    assert "/matching/?mine=1&amp;status=open" in page
    listed = client.get("/matching/?mine=1&status=open").content.decode()
    assert "Prosthetics for veterans" in listed and "A closed need" not in listed
    assert "/matching/needs/new/" in page and "/matching/offers/new/" in page
    # A new strong match puts the block before the role's; without one it comes after.
    assert page.index('id="desk-posts"') < page.index('id="desk-institution"')
    fortnight = timezone.now() - timedelta(days=15)
    Match.objects.filter(need=suggested).update(computed_at=fortnight, strong_since=fortnight)
    page = desk(client, institution_user).content.decode()
    assert page.index('id="desk-posts"') > page.index('id="desk-institution"')


def test_the_desk_shows_at_most_five_posts_and_links_to_all(client, zhytomyr):
    for i in range(7):
        _post(org("rma-UA-18"), title=f"Need number {i}")  # a colleague's, for the office
    posts = desk(client, zhytomyr).context["posts"]
    assert len(posts["posts"]) == 5 and posts["total"] == 7


def test_a_post_one_may_not_see_never_appears_on_the_desk(client, zhytomyr):
    from regionbridge import policy

    need = _post(org("rma-UA-18"))
    chernihiv_hospital = OrganizationFactory(region=region("UA-74"))
    secret_offer = _post(chernihiv_hospital, "offer", audience="partners", title="Secret offer")
    secret_need = _post(org("rma-UA-74"), audience="partners", title="Secret need")
    assert not policy.visible(zhytomyr, Post).filter(pk__in=[secret_offer.pk, secret_need.pk])
    _suggest(need, secret_offer, strong=True)
    response = desk(client, zhytomyr)
    posts = response.context["posts"]
    assert [(p.pk, p.suggestions, p.new_strong) for p in posts["posts"]] == [(need.pk, 0, False)]
    assert (posts["total"], posts["waiting"]) == (1, 0)
    page = response.content.decode()
    assert "Secret offer" not in page and "Secret need" not in page


@pytest.mark.parametrize("persona", ["coordinator", "ministry", "embassy"])
def test_those_who_do_not_post_have_no_needs_and_offers_block(client, request, persona):
    response = desk(client, request.getfixturevalue(persona))
    assert response.context["posts"] is None
    assert 'id="desk-posts"' not in response.content.decode()


def test_an_empty_needs_and_offers_block_says_what_posting_does(client, indiana, settings):
    settings.LANGUAGE_CODE = "en"
    client.force_login(indiana)
    client.cookies["rb_language"] = "en"
    indiana.language = "en"
    indiana.save(update_fields=["language"])
    page = client.get("/").content.decode()
    assert 'id="desk-posts"' in page
    assert "Nothing posted yet" in page and "/matching/offers/new/" in page


def test_coordinators_see_how_many_open_needs_have_no_match(client, coordinator, institution_user):
    hospital = hospital_of(institution_user)
    _post(hospital)
    _post(hospital, status="closed")
    _suggest(_post(hospital), _post(org("gov-US-IN"), "offer"))
    response = desk(client, coordinator)
    assert data_of(response, "coordinator")["unmatched_needs"] == 1
    assert "/matching/overview/" in response.content.decode()
