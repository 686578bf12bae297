"""Organizations and people: reference offices, the directory's search text, and edits."""

import csv
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from regionbridge.audit.services import audit_record
from regionbridge.lib.i18n import in_both_languages
from regionbridge.lib.text import search_blob
from regionbridge.lib.timezones import validate_timezone
from regionbridge.organizations.models import (
    ConsularDistrict,
    ContactChannel,
    Organization,
    OrganizationKind,
    Person,
)
from regionbridge.regions.models import Country, Region, RegionKind

DATA = Path(__file__).parent / "data"
NATIONAL_FILE = DATA / "national.csv"
CONSULAR_FILE = DATA / "us-consular-districts.csv"

# The consular-district file names missions as the MFA's lists do.
MISSION_KEYS = {
    "Embassy of Ukraine in the USA (Washington DC)": "embassy-us",
    "Consulate General of Ukraine in Chicago": "consulate-chicago",
    "Consulate General of Ukraine in New York": "consulate-new-york",
    "Consulate General of Ukraine in San Francisco": "consulate-san-francisco",
    "Consulate General of Ukraine in Houston": "consulate-houston",
}
COMMONWEALTHS = {"US-KY", "US-MA", "US-PA", "US-VA"}


@dataclass(frozen=True)
class ReferenceResult:
    organizations: int
    consular_districts: int


def organization_search_text(organization: Organization) -> str:
    region = organization.region
    return search_blob(
        organization.name_en,
        organization.name_uk,
        organization.short_name_en,
        organization.short_name_uk,
        in_both_languages(OrganizationKind(organization.kind).label),
        region.search_text if region else "",
        organization.country.search_text,
    )


def person_search_text(person: Person) -> str:
    return search_blob(
        person.name_en,
        person.name_uk,
        person.title_en,
        person.title_uk,
        person.organization.search_text,
    )


def _rma_names(region: Region) -> tuple[str, str, str, str]:
    if region.kind == RegionKind.CITY_SPECIAL_STATUS:
        return (
            f"{region.name_en} City Military Administration",
            "Київська міська військова адміністрація",
            f"{region.name_en} City MA",
            "КМВА",
        )
    adjective = region.name_uk.replace(" область", "")
    return (
        f"{region.name_en} Military Administration",
        f"{adjective} обласна військова адміністрація",
        f"{region.name_en.replace(' Oblast', '')} RMA",
        f"{adjective} ОВА",
    )


def _reference_rows() -> list[dict[str, Any]]:
    regions = {r.code: r for r in Region.objects.filter(country__code__in=["UA", "US"])}
    countries = {c.code: c for c in Country.objects.filter(code__in=["UA", "US"])}
    rows = []
    with NATIONAL_FILE.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            rows.append(
                {
                    **row,
                    "country": countries[row["country"]],
                    "region": regions.get(row["region"]),
                }
            )
    for region in regions.values():
        if region.country.code == "UA" and (
            region.kind == RegionKind.OBLAST or region.code == "UA-30"
        ):
            name_en, name_uk, short_en, short_uk = _rma_names(region)
            rows.append(
                {
                    "key": f"rma-{region.code}",
                    "kind": OrganizationKind.MILITARY_ADMINISTRATION,
                    "name_en": name_en,
                    "name_uk": name_uk,
                    "short_name_en": short_en,
                    "short_name_uk": short_uk,
                    "country": countries["UA"],
                    "region": region,
                }
            )
        elif region.kind == RegionKind.STATE:
            polity = "Commonwealth" if region.code in COMMONWEALTHS else "State"
            rows.append(
                {
                    "key": f"gov-{region.code}",
                    "kind": OrganizationKind.STATE_GOVERNMENT,
                    "name_en": f"Government of the {polity} of {region.name_en}",
                    "name_uk": f"Уряд штату {region.name_uk}",
                    "short_name_en": f"{polity} of {region.name_en}",
                    "short_name_uk": f"Штат {region.name_uk}",
                    "country": countries["US"],
                    "region": region,
                }
            )
    return rows


@transaction.atomic
def organizations_load_reference() -> ReferenceResult:
    """Ukraine's national offices, missions, oblast administrations and the US state governments.

    Idempotent: names and places are refreshed from the reference files; contact fields and
    consular districts that administrators edited are left as they are.
    """
    keyed = {}
    for row in _reference_rows():
        parent_key = row.pop("parent", "") or ""
        organization, _created = Organization.objects.update_or_create(
            key=row.pop("key"), defaults=row
        )
        keyed[organization.key] = (organization, parent_key)
    for organization, parent_key in keyed.values():
        if parent_key:
            organization.parent = keyed[parent_key][0]
        organization.search_text = organization_search_text(organization)
    Organization.objects.bulk_update(
        [org for org, _ in keyed.values()], ["parent", "search_text"], batch_size=200
    )
    people = list(Person.objects.select_related("organization"))
    for person in people:
        person.search_text = person_search_text(person)
    Person.objects.bulk_update(people, ["search_text"], batch_size=500)

    regions = {r.code: r for r in Region.objects.filter(country__code="US")}
    existing = set(ConsularDistrict.objects.values_list("region__code", flat=True))
    new_districts = []
    with CONSULAR_FILE.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["state_iso"] in existing:
                continue
            new_districts.append(
                ConsularDistrict(
                    mission=keyed[MISSION_KEYS[row["mission"]]][0],
                    region=regions[row["state_iso"]],
                    source=row["source"],
                    confidence=row["confidence"],
                )
            )
    ConsularDistrict.objects.bulk_create(new_districts)
    return ReferenceResult(
        organizations=len(keyed), consular_districts=ConsularDistrict.objects.count()
    )


# --- edits ---------------------------------------------------------------------------------


def _clean_person(person: Person) -> None:
    if not (person.name_en.strip() or person.name_uk.strip()):
        raise ValidationError(_("A person needs a name in Ukrainian or English."))
    if person.timezone:
        validate_timezone(person.timezone)
    person.full_clean(exclude=["user"])


@transaction.atomic
def person_create(
    *,
    organization: Organization,
    name_en: str,
    name_uk: str,
    title_en: str = "",
    title_uk: str = "",
    languages: str = "",
    timezone: str = "",
    rank: int = 100,
    is_demo: bool = False,
    contacts: Sequence[tuple[str, str]] = (),
    by: Any = None,
) -> Person:
    """Add a person to an organization's directory entry, with contact channels; their time zone
    is the region's unless given."""
    person = Person(
        organization=organization,
        name_en=name_en,
        name_uk=name_uk,
        title_en=title_en,
        title_uk=title_uk,
        languages=languages,
        timezone=timezone,
        rank=rank,
        is_demo=is_demo,
    )
    region = organization.region
    if not person.timezone and region is not None:
        person.timezone = region.timezone
    _clean_person(person)
    person.search_text = person_search_text(person)
    person.save()
    ContactChannel.objects.bulk_create(
        ContactChannel(person=person, kind=kind, value=value) for kind, value in contacts
    )
    audit_record(actor=by, action="person.created", target=person)
    return person


@transaction.atomic
def person_update(
    *,
    person: Person,
    by: Any,
    organization: Organization | None = None,
    name_en: str | None = None,
    name_uk: str | None = None,
    title_en: str | None = None,
    title_uk: str | None = None,
    languages: str | None = None,
    timezone: str | None = None,
    rank: int | None = None,
) -> Person:
    """Change what is given (None: unchanged); audited with the changed fields."""
    given = {
        "organization": organization,
        "name_en": name_en,
        "name_uk": name_uk,
        "title_en": title_en,
        "title_uk": title_uk,
        "languages": languages,
        "timezone": timezone,
        "rank": rank,
    }
    changes = {}
    for field, value in given.items():
        if value is None or getattr(person, field) == value:
            continue
        setattr(person, field, value)
        changes[field] = value
    if changes:
        _clean_person(person)
        person.search_text = person_search_text(person)
        person.save()
        audit_record(actor=by, action="person.updated", target=person, changes=changes)
    return person


@transaction.atomic
def organization_refresh_search(*, organization: Organization) -> None:
    """After an organization (or its region) changes, its people's search text follows."""
    organization.search_text = organization_search_text(organization)
    organization.save(update_fields=["search_text"])
    people = list(organization.people.all())
    for person in people:
        person.organization = organization
        person.search_text = person_search_text(person)
    Person.objects.bulk_update(people, ["search_text"])
