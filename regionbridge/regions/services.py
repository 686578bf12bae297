"""Reference data: every country and ISO 3166-2 subdivision, in English and Ukrainian."""

import csv
import gettext
from dataclasses import dataclass
from pathlib import Path

import pycountry
from django.db import transaction

from regionbridge.lib.i18n import in_both_languages
from regionbridge.lib.text import search_blob
from regionbridge.regions.models import Country, Region, RegionKind

OVERRIDES_FILE = Path(__file__).parent / "data" / "overrides.csv"

# pycountry's subdivision types, per country where the same word means different things.
_KIND_BY_TYPE = {
    ("UA", "Region"): RegionKind.OBLAST,
    ("UA", "City"): RegionKind.CITY_SPECIAL_STATUS,
    ("UA", "Republic"): RegionKind.AUTONOMOUS_REPUBLIC,
    (None, "State"): RegionKind.STATE,
    (None, "District"): RegionKind.OTHER,
    (None, "Outlying area"): RegionKind.OUTLYING_AREA,
    (None, "Province"): RegionKind.PROVINCE,
    (None, "County"): RegionKind.COUNTY,
    (None, "City"): RegionKind.CITY,
}


@dataclass(frozen=True)
class LoadResult:
    countries: int
    regions: int


def _translator(domain: str) -> gettext.NullTranslations:
    return gettext.translation(domain, pycountry.LOCALES_DIR, languages=["uk"], fallback=True)


def _kind_for(country_code: str, iso_type: str) -> str:
    return _KIND_BY_TYPE.get((country_code, iso_type)) or _KIND_BY_TYPE.get(
        (None, iso_type), RegionKind.OTHER
    )


def kind_labels() -> dict[str, str]:
    """Each kind's label in both languages, so "oblast" and "область" both find an oblast."""
    return {kind.value: in_both_languages(kind.label) for kind in RegionKind}


def read_overrides() -> dict[str, dict[str, str]]:
    with OVERRIDES_FILE.open(encoding="utf-8") as handle:
        return {row["code"]: row for row in csv.DictReader(handle)}


def region_search_text(region: Region, kind_labels: dict[str, str]) -> str:
    return search_blob(
        region.code,
        region.name_en,
        region.name_uk,
        region.aliases.replace("\n", " "),
        kind_labels.get(region.kind, ""),
    )


@transaction.atomic
def reference_load() -> LoadResult:
    """Create or refresh every country and subdivision; running it twice changes nothing."""
    uk_countries = _translator("iso3166-1")
    uk_regions = _translator("iso3166-2")
    overrides = read_overrides()
    labels = kind_labels()

    countries = []
    for item in pycountry.countries:
        name_en = getattr(item, "common_name", None) or item.name
        name_uk = uk_countries.gettext(item.name)
        country = Country(
            code=item.alpha_2,
            alpha3=item.alpha_3,
            name_en=name_en,
            name_uk=name_uk,
            search_text=search_blob(item.alpha_2, item.alpha_3, name_en, item.name, name_uk),
        )
        country.fill_sort_keys()
        countries.append(country)
    Country.objects.bulk_create(
        countries,
        update_conflicts=True,
        unique_fields=["code"],
        update_fields=["alpha3", "name_en", "name_uk", "sort_uk", "sort_en", "search_text"],
    )
    country_ids = dict(Country.objects.values_list("code", "id"))

    regions = []
    parents = {}
    for item in pycountry.subdivisions:
        override = overrides.get(item.code, {})
        iso_name = item.name
        name_en = override.get("name_en") or iso_name
        name_uk = override.get("name_uk") or uk_regions.gettext(iso_name)
        aliases = [a for a in (override.get("aliases") or "").split("|") if a]
        if iso_name != name_en:
            aliases.append(iso_name)  # the ISO romanization ("Zhytomyrska oblast") stays findable
        region = Region(
            code=item.code,
            country_id=country_ids[item.country_code],
            kind=override.get("kind") or _kind_for(item.country_code, item.type),
            iso_type=item.type,
            name_en=name_en,
            name_uk=name_uk,
            aliases="\n".join(dict.fromkeys(aliases)),
            timezone=override.get("timezone", ""),
        )
        region.search_text = region_search_text(region, labels)
        region.fill_sort_keys()
        regions.append(region)
        if item.parent_code:
            parents[item.code] = item.parent_code
    Region.objects.bulk_create(
        regions,
        update_conflicts=True,
        unique_fields=["code"],
        update_fields=[
            "country",
            "kind",
            "iso_type",
            "name_en",
            "name_uk",
            "sort_uk",
            "sort_en",
            "aliases",
            "timezone",
            "search_text",
        ],
        batch_size=500,
    )

    ids = dict(Region.objects.values_list("code", "id"))
    to_link = []
    for code, parent_code in parents.items():
        parent_id = ids.get(parent_code)
        if parent_id:
            to_link.append(Region(id=ids[code], parent_id=parent_id))
    Region.objects.bulk_update(to_link, ["parent"], batch_size=500)
    return LoadResult(countries=len(countries), regions=len(regions))
