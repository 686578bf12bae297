"""The real, sourced partnership events: loaded through the lifecycle rules, read on any date."""

from datetime import date

import pytest
from django.utils import timezone, translation

from regionbridge.demo.services import demo_load
from regionbridge.partnerships import selectors, services
from regionbridge.partnerships.facts import facts_load, read_rows
from regionbridge.partnerships.lifecycle import Stage
from regionbridge.partnerships.models import Partnership, PartnershipEvent
from tests.conftest import org

ARTICLE_DAY = date(2024, 9, 18)


@pytest.fixture
def facts(reference):
    services.spheres_load()
    return facts_load()


def snapshot(**filters) -> tuple[list[dict], list[dict]]:
    partnerships = list(Partnership.objects.filter(**filters).order_by("pk").values())
    events = list(
        PartnershipEvent.objects.filter(
            **{f"partnership__{key}": value for key, value in filters.items()}
        )
        .order_by("pk")
        .values()
    )
    return partnerships, events


def pairs(overview: dict, stage: str) -> set[tuple[str, str]]:
    return {
        (p["ukrainian_region"]["code"], p["partner_region"]["code"])
        for p in overview["stages"][stage]["partnerships"]
    }


def entry(overview: dict, ukrainian: str, partner: str) -> dict | None:
    for bucket in overview["stages"].values():
        for p in bucket["partnerships"]:
            if (p["ukrainian_region"]["code"], p["partner_region"]["code"]) == (ukrainian, partner):
                return p
    return None


def test_every_row_is_loaded_as_an_event_with_its_source_and_confidence(facts):
    rows = read_rows()
    assert facts.rows == len(rows) == 17
    assert facts.events_added == len(rows)
    assert PartnershipEvent.objects.count() == len(rows)
    for row in rows:
        event = PartnershipEvent.objects.get(
            partnership__ukrainian_region__code=row["ukrainian_region_iso"],
            partnership__partner_region__code=row["partner_region_iso"],
            partnership__partner_name_en=row["partner_side"],
            kind=row["event"],
            occurred_on=date.fromisoformat(row["date"]),
        )
        assert event.source == row["source"]
        assert event.stage_after == row["stage_after"]
        assert event.date_precision == row["date_precision"]
        # The file is in English: its texts are the English ones.
        assert event.instrument_en == row["instrument"]
        assert event.signatories_en == row["signatories"]
        assert event.recorded_by is None
        expected = "unverified" if "unverified" in row["confidence"] else "reported"
        assert event.confidence == expected, row
    unverified = PartnershipEvent.objects.filter(confidence="unverified")
    assert set(unverified.values_list("partnership__partner_region__code", flat=True)) == {
        "US-AZ",
        "US-CA",
    }


def test_thirteen_partnerships(facts):
    assert facts.partnerships == 13
    assert Partnership.objects.count() == 13
    assert not Partnership.objects.filter(is_demo=True).exists()


def test_the_cached_stage_is_the_stage_today(facts, coordinator):
    today = timezone.localdate()
    for partnership in selectors.partnerships_for(coordinator):
        cached = Partnership.objects.get(pk=partnership.pk)
        state = selectors.stage_on(partnership, today)
        assert (cached.stage, cached.stage_since) == (state.stage, state.since), cached
        assert cached.last_event_on == max(e.occurred_on for e in partnership.events.all())


def test_loading_twice_adds_nothing_and_changes_nothing(facts):
    before = snapshot()
    again = facts_load()
    assert again.events_added == 0
    assert again.rows == 17
    assert again.partnerships == 13
    assert snapshot() == before


def test_the_state_of_play_on_the_day_of_the_article(facts, coordinator):
    overview = selectors.overview(coordinator, partner_country="US", as_of=ARTICLE_DAY)
    assert overview["as_of"] == "2024-09-18"
    assert overview["partner_country"] == "US"
    signed = pairs(overview, Stage.MEMORANDUM_SIGNED)
    article_memoranda = {
        ("UA-32", "US-WA"),  # Kyiv Oblast – Washington
        ("UA-32", "US-UT"),  # Kyiv Oblast – Utah
        ("UA-18", "US-IN"),  # Zhytomyr Oblast – Indiana
        ("UA-74", "US-MN"),  # Chernihiv Oblast – Minnesota
    }
    assert article_memoranda <= signed
    assert pairs(overview, Stage.NEGOTIATING) == {("UA-23", "US-PA")}
    assert pairs(overview, Stage.AGREEMENT_SIGNED) == set()
    zaporizhzhia = entry(overview, "UA-23", "US-PA")
    assert zaporizhzhia["stage"] == Stage.NEGOTIATING
    assert zaporizhzhia["since"] == "2024-09-18"
    # Ties signed later are not there yet.
    for later in [("UA-14", "US-CT"), ("UA-07", "US-CO"), ("UA-77", "US-NY")]:
        assert entry(overview, *later) is None
    counts = {stage: bucket["count"] for stage, bucket in overview["stages"].items()}
    assert counts[Stage.NEGOTIATING] == 1
    assert counts[Stage.MEMORANDUM_SIGNED] == len(signed)


def test_the_day_before_zaporizhzhia_pennsylvania_does_not_exist_yet(facts, coordinator):
    overview = selectors.overview(coordinator, partner_country="US", as_of=date(2024, 9, 17))
    assert entry(overview, "UA-23", "US-PA") is None
    assert overview["stages"][Stage.NEGOTIATING]["count"] == 0


@pytest.mark.parametrize("as_of", [None, "today"])
def test_the_state_of_play_today(facts, coordinator, as_of):
    today = timezone.localdate()
    overview = selectors.overview(coordinator, partner_country="us", as_of=today if as_of else None)
    assert overview["as_of"] == today.isoformat()
    assert pairs(overview, Stage.AGREEMENT_SIGNED) == {("UA-23", "US-PA")}
    assert entry(overview, "UA-23", "US-PA")["since"] == "2024-09-22"
    # Cherkasy – Iowa: renewal talks since October 2024, a draft approved by the ministry in 2026.
    assert pairs(overview, Stage.NEGOTIATING) == {("UA-71", "US-IA")}
    assert entry(overview, "UA-71", "US-IA")["since"] == "2024-10-01"
    assert {("UA-14", "US-CT"), ("UA-07", "US-CO"), ("UA-77", "US-NY"), ("UA-63", "US-OH")} <= (
        pairs(overview, Stage.MEMORANDUM_SIGNED)
    )
    assert sum(bucket["count"] for bucket in overview["stages"].values()) == 13


def test_cherkasy_iowa_history(facts):
    partnership = Partnership.objects.get(
        ukrainian_region__code="UA-71", partner_region__code="US-IA"
    )
    assert list(partnership.events.values_list("kind", "occurred_on", "stage_after")) == [
        ("signed", date(1996, 5, 15), Stage.MEMORANDUM_SIGNED),
        ("renewal_talks", date(2024, 10, 1), Stage.NEGOTIATING),
        ("draft_approved_by_ministry", date(2026, 2, 23), Stage.NEGOTIATING),
    ]
    assert partnership.events.get(kind="renewal_talks").date_precision == "month"
    # The side that signs now is the military administration, no longer the oblast.
    assert partnership.ukrainian_side_en == "Cherkasy Oblast Military Administration"
    assert partnership.ukrainian_side_uk == org("rma-UA-71").name_uk


def test_a_tie_now_signed_by_the_military_administration_is_linked_to_it(facts):
    partnership = Partnership.objects.get(
        ukrainian_region__code="UA-71", partner_region__code="US-IA"
    )
    assert partnership.ukrainian_side_en == "Cherkasy Oblast Military Administration"
    assert partnership.ukrainian_organization == org("rma-UA-71")


def test_region_names_are_in_english_and_ukrainian(facts, coordinator):
    overview = selectors.overview(coordinator, partner_country="US", as_of=ARTICLE_DAY)
    zhytomyr = entry(overview, "UA-18", "US-IN")
    assert zhytomyr["ukrainian_region"] == {
        "code": "UA-18",
        "name_en": "Zhytomyr Oblast",
        "name_uk": "Житомирська область",
    }
    assert zhytomyr["partner_region"]["name_en"] == "Indiana"
    assert zhytomyr["partner_region"]["name_uk"]
    assert zhytomyr["partner_region"]["name_uk"] != "Indiana"
    assert zhytomyr["ukrainian_side_en"] == "Zhytomyr Oblast Military Administration"
    assert zhytomyr["ukrainian_side_uk"] == "Житомирська обласна військова адміністрація"
    assert zhytomyr["partner_name_en"] == "State of Indiana"
    # The sides' Ukrainian names come from the reference records where they name the same body.
    assert zhytomyr["partner_name_uk"] == org("gov-US-IN").short_name_uk
    with translation.override("en"):
        english = entry(
            selectors.overview(coordinator, partner_country="US", as_of=ARTICLE_DAY),
            "UA-18",
            "US-IN",
        )
    assert english["partner_name"] == "State of Indiana"
    for bucket in overview["stages"].values():
        for p in bucket["partnerships"]:
            for side in ("ukrainian_region", "partner_region"):
                assert p[side]["name_en"] and p[side]["name_uk"], p


def test_sides_and_organizations(facts):
    zhytomyr = Partnership.objects.get(ukrainian_region__code="UA-18")
    assert zhytomyr.ukrainian_organization == org("rma-UA-18")
    assert zhytomyr.partner_organization == org("gov-US-IN")
    assert zhytomyr.partner_kind == "region"
    kharkiv_ohio = Partnership.objects.get(
        ukrainian_region__code="UA-63", partner_region__code="US-OH"
    )
    assert kharkiv_ohio.ukrainian_side_en == "Kharkiv Oblast Council"
    assert kharkiv_ohio.ukrainian_side_uk == "Харківська обласна рада"
    assert kharkiv_ohio.ukrainian_organization is None
    ulster = Partnership.objects.get(ukrainian_region__code="UA-77")
    assert ulster.partner_kind == "county"
    assert (ulster.partner_name_uk, ulster.partner_name_en) == ("", "Ulster County, New York")
    assert ulster.partner_display == "Ulster County, New York"
    assert ulster.partner_organization is None


def test_donetsk_connecticut_was_signed_online(facts):
    event = PartnershipEvent.objects.get(
        partnership__ukrainian_region__code="UA-14",
        partnership__partner_region__code="US-CT",
        kind="signed",
    )
    assert event.online is True
    assert event.place == ""
    assert event.occurred_on == date(2025, 8, 7)
    assert event.stage_after == Stage.MEMORANDUM_SIGNED


def test_places_and_signatories(facts):
    utah = PartnershipEvent.objects.get(partnership__partner_region__code="US-UT")
    assert utah.online is False
    assert utah.place.startswith("Salt Lake City")
    assert "Ambassador Oksana Markarova on behalf of Kyiv Oblast" in utah.signatories
    pennsylvania = PartnershipEvent.objects.get(
        partnership__partner_region__code="US-PA", kind="signed"
    )
    assert pennsylvania.place == "Scranton (PA)"
    assert pennsylvania.stage_after == Stage.AGREEMENT_SIGNED


def test_a_resolution_counts_as_a_signed_tie(facts):
    mississippi = Partnership.objects.get(partner_region__code="US-MS")
    assert mississippi.stage == Stage.MEMORANDUM_SIGNED
    assert mississippi.events.get().kind == "resolution"


def test_the_demo_never_changes_the_real_facts(facts):
    before = snapshot(is_demo=False)
    demo_load()
    assert Partnership.objects.filter(is_demo=True).exists()
    assert snapshot(is_demo=False) == before
    demo_load()  # a second run neither
    assert snapshot(is_demo=False) == before
    assert PartnershipEvent.objects.filter(partnership__is_demo=False).count() == 17
