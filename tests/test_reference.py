"""The reference data: ISO 3166 regions in both languages, time zones, offices, missions."""

import time
import zoneinfo

import pytest

from regionbridge.organizations.models import ConsularDistrict, Organization, OrganizationKind
from regionbridge.organizations.services import organizations_load_reference
from regionbridge.regions.models import Country, Region, RegionKind
from regionbridge.regions.services import reference_load

pytestmark = pytest.mark.django_db

UKRAINE_EN = {
    "UA-05": "Vinnytsia Oblast",
    "UA-18": "Zhytomyr Oblast",
    "UA-23": "Zaporizhzhia Oblast",
    "UA-30": "Kyiv",
    "UA-32": "Kyiv Oblast",
    "UA-43": "Autonomous Republic of Crimea",
    "UA-68": "Khmelnytskyi Oblast",
}


def test_ukraine_has_its_27_codes_named_in_both_languages(reference):
    regions = Region.objects.filter(country__code="UA")
    assert regions.count() == 27
    for region in regions:
        assert region.name_en and region.name_uk
        assert region.timezone == "Europe/Kyiv"
    named = dict(regions.filter(code__in=UKRAINE_EN).values_list("code", "name_en"))
    assert named == UKRAINE_EN
    zhytomyr = regions.get(code="UA-18")
    assert zhytomyr.name_uk == "Житомирська область"
    assert zhytomyr.kind == RegionKind.OBLAST
    assert "Zhytomyrska oblast" in zhytomyr.alias_list  # ISO romanization stays searchable
    assert regions.get(code="UA-30").kind == RegionKind.CITY_SPECIAL_STATUS
    assert regions.get(code="UA-43").kind == RegionKind.AUTONOMOUS_REPUBLIC


def test_every_us_state_has_both_names_and_a_time_zone(reference):
    states = Region.objects.filter(country__code="US", kind=RegionKind.STATE)
    assert states.count() == 50
    zones = zoneinfo.available_timezones()
    for state in states:
        assert state.name_uk and state.name_uk != state.name_en
        assert state.timezone in zones
    assert states.get(code="US-IN").name_uk == "Індіана"
    assert states.get(code="US-IN").timezone == "America/Indiana/Indianapolis"
    assert states.get(code="US-GA").name_uk == "Джорджія"  # not the country Грузія
    assert states.get(code="US-WA").name_en == "Washington"
    assert Region.objects.get(code="US-DC").kind == RegionKind.FEDERAL_DISTRICT


def test_all_countries_and_subdivisions_are_loaded(reference):
    assert Country.objects.count() >= 249
    assert Region.objects.count() > 5000
    assert Country.objects.get(code="UA").name_uk == "Україна"
    # Subdivisions keep their ISO parent (a French department under its region).
    assert Region.objects.filter(parent__isnull=False).exists()


def test_reference_load_is_idempotent_and_fast(reference):
    counts = (Country.objects.count(), Region.objects.count(), Organization.objects.count())
    districts = ConsularDistrict.objects.count()
    started = time.monotonic()
    reference_load()
    organizations_load_reference()
    assert time.monotonic() - started < 10
    assert (Country.objects.count(), Region.objects.count(), Organization.objects.count()) == counts
    assert ConsularDistrict.objects.count() == districts


def test_reference_offices_and_missions(reference):
    by_kind = Organization.objects.filter(key__isnull=False)
    assert by_kind.filter(kind=OrganizationKind.MILITARY_ADMINISTRATION).count() == 25
    assert by_kind.filter(kind=OrganizationKind.STATE_GOVERNMENT).count() == 50
    rma = Organization.objects.get(key="rma-UA-18")
    assert rma.name_en == "Zhytomyr Oblast Military Administration"
    assert rma.name_uk == "Житомирська обласна військова адміністрація"
    assert Organization.objects.get(key="rma-UA-30").name_uk.startswith("Київська міська")
    assert Organization.objects.get(key="gov-US-PA").name_en.endswith(
        "Commonwealth of Pennsylvania"
    )
    for key in ("presidential-office", "mfa", "mindev", "embassy-us"):
        assert Organization.objects.filter(key=key).exists()
    consulate = Organization.objects.get(key="consulate-chicago")
    assert consulate.parent.key == "embassy-us"


def test_consular_districts_come_from_the_sourced_file(reference):
    assert ConsularDistrict.objects.count() == 51
    indiana = ConsularDistrict.objects.select_related("mission").get(region__code="US-IN")
    assert indiana.mission.key == "consulate-chicago"
    assert indiana.source


def test_edited_consular_district_survives_a_reload(reference):
    district = ConsularDistrict.objects.get(region__code="US-TX")
    district.mission = Organization.objects.get(key="consulate-houston")
    district.save()
    organizations_load_reference()
    district.refresh_from_db()
    assert district.mission.key == "consulate-houston"
