"""Partnership lists in SQL: the stored stage kept right, any past date read from the stored
states (and agreeing with a replay of the history), and query counts that do not grow."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from regionbridge.demo.services import demo_load
from regionbridge.partnerships import selectors, services
from regionbridge.partnerships.facts import facts_load
from regionbridge.partnerships.lifecycle import SIGNED_STAGES, Stage
from regionbridge.partnerships.models import PartnerKind, Partnership, PartnershipEvent, Sphere
from regionbridge.regions.models import Region
from tests.test_api_partnerships import bearer

pytestmark = pytest.mark.django_db


@pytest.fixture
def facts_and_demo(reference):
    services.spheres_load()
    facts_load()
    demo_load()


def every_day_that_matters() -> list[date]:
    """Each event's date, the day before and after it, and today."""
    days = {timezone.localdate(), date(1990, 1, 1)}
    for on in PartnershipEvent.objects.values_list("occurred_on", flat=True):
        days |= {on - timedelta(days=1), on, on + timedelta(days=1)}
    return sorted(days)


def test_the_stored_state_on_any_day_is_the_replayed_one(facts_and_demo):
    """The SQL lookup (the last event on or before the day) and the lifecycle's replay agree for
    every partnership of the facts and the demo, on every day where something changes."""
    replayed = list(selectors._base(Partnership.objects.all()))
    assert len(replayed) > 13  # the facts and the demo's negotiations
    checked = 0
    for day in every_day_that_matters():
        stored = {
            p.pk: (p.day_stage, p.day_since)
            for p in selectors.with_state_on(Partnership.objects.all(), day)
        }
        for partnership in replayed:
            state = selectors.stage_on(partnership, day)
            assert stored[partnership.pk] == (state.stage, state.since), (partnership, day)
            checked += 1
    assert checked > 500


def test_the_stored_stage_is_the_stage_today(facts_and_demo):
    today = timezone.localdate()
    for partnership in selectors._base(Partnership.objects.all()):
        state = selectors.stage_on(partnership, today)
        assert (partnership.stage, partnership.stage_since) == (state.stage, state.since)
        events = [e.occurred_on for e in partnership.events.all()]
        assert partnership.last_event_on == max(events)


def test_restaging_bulk_written_events_gives_what_recording_them_one_by_one_gives(
    facts_and_demo,
):
    def states():
        return (
            list(Partnership.objects.order_by("pk").values_list("stage", "stage_since")),
            list(PartnershipEvent.objects.order_by("pk").values_list("stage_after", "stage_since")),
        )

    recorded = states()
    Partnership.objects.update(stage="", stage_since=None, last_event_on=None)
    PartnershipEvent.objects.update(stage_after="", stage_since=None)
    assert services.partnerships_restage() == Partnership.objects.count()
    assert states() == recorded


def test_restaging_refuses_a_history_that_breaks_the_rules(reference):
    tie = services.partnership_create(
        by=None,
        ukrainian_region=Region.objects.get(code="UA-18"),
        partner_region=Region.objects.get(code="US-OH"),
        first_event_on=date(2024, 1, 1),
    )
    PartnershipEvent.objects.create(
        partnership=tie, kind="revived", occurred_on=date(2024, 2, 1), stage_after=""
    )
    with pytest.raises(services.LifecycleError):
        services.partnerships_restage(partnership_ids=[tie.pk])
    tie.refresh_from_db()
    assert tie.stage == Stage.EXPLORING


# --- query counts: 5 and 50 partnerships ---------------------------------------------------


def bulk_ties(n: int) -> None:
    """n ties of Ukrainian regions with US states, written in bulk and restaged: a first contact
    in 2024, talks a month later, every third one signed, every fifth confidential."""
    ukrainian = list(Region.objects.filter(country__code="UA").order_by("code"))
    states = list(Region.objects.filter(country__code="US", kind="state").order_by("code"))
    taken = Partnership.objects.count()
    pairs = [(u, s) for s in states for u in ukrainian][taken : taken + n]
    assert len(pairs) == n
    ties = Partnership.objects.bulk_create(
        Partnership(
            ukrainian_region=u,
            partner_region=s,
            partner_name=s.name_en,
            partner_kind=PartnerKind.REGION,
            ukrainian_side=f"{u.name_en} administration",
            confidential=index % 5 == 0,
        )
        for index, (u, s) in enumerate(pairs, start=taken)
    )
    spheres = list(Sphere.objects.filter(code__in=["education", "energy"]))
    events = []
    for index, tie in enumerate(ties):
        tie.spheres.set(spheres)
        events += [
            PartnershipEvent(partnership=tie, kind="first_contact", occurred_on=date(2024, 1, 10)),
            PartnershipEvent(
                partnership=tie, kind="reported_negotiating", occurred_on=date(2024, 2, 10)
            ),
        ]
        if index % 3 == 0:
            events.append(
                PartnershipEvent(
                    partnership=tie,
                    kind="signed",
                    occurred_on=date(2024, 6, 1),
                    signed_level=Stage.MEMORANDUM_SIGNED,
                    source="https://example.org/signed",
                )
            )
    PartnershipEvent.objects.bulk_create(events)
    services.partnerships_restage(partnership_ids=[t.pk for t in ties])


def queries(client, url: str, **headers) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, headers=headers)
    assert response.status_code == 200, (url, response.status_code)
    return len(captured)


PAGES = [
    "/partnerships/",
    "/partnerships/?stage=negotiating&sphere=education&country=US",
    "/partnerships/?as_of=2024-03-01&idle_days=10",
    "/partnerships/?page=2",
    "/public/",
    "/public/?page=2",
    "/public/US-AK/",
]
API = [
    "/api/v1/partnerships",
    "/api/v1/partnerships?page_size=200",
    "/api/v1/partnerships?as_of=2024-03-01&stage=negotiating&idle_days=10",
    "/api/v1/stats/overview?partner_country=US",
    "/api/v1/stats/overview?as_of=2024-03-01",
]


@pytest.mark.parametrize("persona", ["coordinator", "zhytomyr", "indiana"])
def test_list_queries_do_not_grow_from_5_to_50_partnerships(client, spheres, request, persona):
    user = request.getfixturevalue(persona)
    client.force_login(user)
    bulk_ties(5)
    queries(client, PAGES[0])  # the first page after signing in counts the unread badge
    few = {url: queries(client, url) for url in PAGES}
    few |= {url: queries(client, url, Authorization=bearer(user)["Authorization"]) for url in API}
    bulk_ties(45)
    assert Partnership.objects.count() == 50
    many = {url: queries(client, url) for url in PAGES}
    many |= {url: queries(client, url, Authorization=bearer(user)["Authorization"]) for url in API}
    assert few == many
    # /public/ (20) also draws the picture of signed ties: the ties, their stages, both tile maps,
    # and reads the data's version it is kept under (decision 0013).
    assert max(many.values()) <= 20, many
    assert max(v for url, v in many.items() if not url.startswith("/public/")) <= 16, many


@pytest.fixture
def spheres(reference):
    services.spheres_load()


def test_the_lists_count_page_and_filter_in_sql(client, coordinator, spheres):
    bulk_ties(60)
    headers = bearer(coordinator)
    data = client.get("/api/v1/partnerships?page_size=25&page=3", headers=headers).json()
    assert data["count"] == 60
    assert len(data["items"]) == 10
    signed = client.get("/api/v1/partnerships?stage=memorandum_signed", headers=headers).json()
    assert signed["count"] == 20
    early = client.get("/api/v1/partnerships?as_of=2024-01-20&page_size=200", headers=headers)
    assert {item["stage"] for item in early.json()["items"]} == {Stage.EXPLORING}
    assert {item["stage_since"] for item in early.json()["items"]} == {"2024-01-10"}
    overview = client.get("/api/v1/stats/overview?as_of=2024-03-01", headers=headers).json()
    assert overview["stages"][Stage.NEGOTIATING]["count"] == 60
    listed = overview["stages"][Stage.NEGOTIATING]["partnerships"]
    assert len(listed) == selectors.OVERVIEW_LISTED < 60  # the latest; the paged list has all
    overview = client.get("/api/v1/stats/overview", headers=headers).json()
    counts = {stage: bucket["count"] for stage, bucket in overview["stages"].items()}
    assert counts == {stage: 0 for stage in Stage.values} | {
        Stage.NEGOTIATING: 40,
        Stage.MEMORANDUM_SIGNED: 20,
    }


def test_the_public_registry_is_paged(client, spheres):
    bulk_ties(200)  # a third signed, a fifth confidential: more than a page is public
    public = Partnership.objects.filter(confidential=False, stage__in=SIGNED_STAGES)
    total = public.count()
    assert selectors.PUBLIC_PAGE_SIZE < total < 2 * selectors.PUBLIC_PAGE_SIZE
    first = client.get("/public/")
    assert first.context["count"] == total
    shown = [p.pk for ps in first.context["groups"].values() for p in ps]
    assert len(shown) == selectors.PUBLIC_PAGE_SIZE
    assert 'rel="next"' in first.content.decode()
    second = client.get("/public/?page=2")
    shown += [p.pk for ps in second.context["groups"].values() for p in ps]
    assert sorted(shown) == sorted(public.values_list("pk", flat=True))
    assert "https://example.org/signed" in second.content.decode()


def test_an_edit_keeps_the_stored_stage_of_a_tie_just_created(coordinator):
    """partnership_create returns an instance whose stage was stored by another write; editing
    it must not write its stale copy back (the tie fell out of every list)."""
    from datetime import date

    from regionbridge.partnerships import services
    from tests.conftest import region

    tie = services.partnership_create(
        by=coordinator,
        ukrainian_region=region("UA-18"),
        partner_region=region("US-IN"),
        first_event_on=date(2024, 1, 1),
    )
    services.partnership_update(partnership=tie, by=coordinator, next_step_en="Call Indiana")
    tie.refresh_from_db()
    assert tie.stage == "exploring" and tie.stage_since == date(2024, 1, 1)
    assert tie.next_step == "Call Indiana"
