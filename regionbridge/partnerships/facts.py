"""The real, sourced partnership events (1996–2026) shipped as the product's reference data.

Each row of data/ua-us-partnership-events.csv becomes a dated event of a partnership, through the
same rules as events recorded by hand; the stage the file states must be the stage the rules
derive, so the file and the lifecycle cannot drift apart. Loading twice changes nothing.

The file is in English (with its sources): its texts go to the `_en` fields. The sides' Ukrainian
names come from the reference records where they name the same body (the oblast's military
administration, its council, a US state's government); the rest stays English only, and pages
mark it as such.
"""

import csv
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from django.db import transaction

from regionbridge.organizations.models import Organization
from regionbridge.partnerships.lifecycle import SIGNED_STAGES
from regionbridge.partnerships.models import Confidence, PartnerKind, Partnership
from regionbridge.partnerships.services import partnership_record_event, same_partnership
from regionbridge.regions.models import Region

EVENTS_FILE = Path(__file__).parent / "data" / "ua-us-partnership-events.csv"


class FactsError(Exception):
    pass


@dataclass(frozen=True)
class FactsResult:
    rows: int
    partnerships: int
    events_added: int


def _partner_kind(name: str) -> str:
    if "County" in name:
        return PartnerKind.COUNTY
    if name.startswith("City of"):
        return PartnerKind.CITY
    return PartnerKind.REGION


def _confidence(raw: str) -> str:
    return Confidence.UNVERIFIED if "unverified" in raw else Confidence.REPORTED


def _signing_body(side: str, region: Region) -> Organization | None:
    """The oblast's military administration when it is the side; councils are not modelled."""
    if "Military Administration" not in side:
        return None
    return Organization.objects.filter(key=f"rma-{region.code}").first()


def _side_in_ukrainian(side: str, region: Region, body: Organization | None) -> str:
    """The Ukrainian name of the Ukrainian side, when the reference data knows it."""
    if body is not None:
        return body.name_uk
    if side.endswith("Oblast Council") and region.name_uk.endswith("область"):
        return region.name_uk.removesuffix("область") + "обласна рада"
    if side.endswith("Oblast") and side.removesuffix(" Oblast") in region.name_en:
        return region.name_uk
    return ""


def _partner_in_ukrainian(name: str, government: Organization | None) -> str:
    """The Ukrainian name of a US state's side ("штат Індіана"), from its government's record."""
    if government is not None and government.short_name_en == name:
        return government.short_name_uk
    return ""


def read_rows() -> list[dict[str, str]]:
    with EVENTS_FILE.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@transaction.atomic
def facts_load() -> FactsResult:
    rows = read_rows()
    regions = {r.code: r for r in Region.objects.select_related("country")}
    added = 0
    seen = set()
    for line, row in enumerate(rows, start=2):
        ukrainian_region = regions.get(row["ukrainian_region_iso"])
        partner_region = regions.get(row["partner_region_iso"])
        if ukrainian_region is None or partner_region is None:
            raise FactsError(f"line {line}: unknown region code; run load-reference first")
        side = row["ukrainian_side"]
        kind = _partner_kind(row["partner_side"])
        # The tie as the unique constraints see it: one recorded by hand counts (e.g. "Indiana"
        # opened by an officer before the facts were loaded), whatever its partner side is called.
        sides = {"ukrainian_region": ukrainian_region, "partner_region": partner_region}
        partnership = (
            same_partnership(**sides, partner_kind=kind, partner_name_en=row["partner_side"])
            .order_by("id")
            .first()
        )
        if partnership is None:
            government = (
                Organization.objects.filter(key=f"gov-{partner_region.code}").first()
                if kind == PartnerKind.REGION
                else None
            )
            body = _signing_body(side, ukrainian_region)
            partnership = Partnership.objects.create(
                **sides,
                partner_name_en=row["partner_side"],
                partner_name_uk=_partner_in_ukrainian(row["partner_side"], government),
                ukrainian_side_en=side,
                ukrainian_side_uk=_side_in_ukrainian(side, ukrainian_region, body),
                partner_kind=kind,
                ukrainian_organization=body,
                partner_organization=government,
            )
        seen.add(partnership.pk)
        on = date.fromisoformat(row["date"])
        if partnership.events.filter(kind=row["event"], occurred_on=on).exists():
            continue
        if side != partnership.ukrainian_side_en and on >= (partnership.last_event_on or on):
            # The side that signs now (an RMA since 2022, where it was the oblast before).
            body = _signing_body(side, ukrainian_region)
            partnership.ukrainian_side_en = side
            partnership.ukrainian_side_uk = _side_in_ukrainian(side, ukrainian_region, body)
            partnership.ukrainian_organization = body
            partnership.save(
                update_fields=["ukrainian_side_en", "ukrainian_side_uk", "ukrainian_organization"]
            )
        place = row["place"]
        event = partnership_record_event(
            partnership=partnership,
            kind=row["event"],
            on=on,
            by=None,
            date_precision=row["date_precision"],
            instrument_en=row["instrument"],
            signed_stage=row["stage_after"] if row["stage_after"] in SIGNED_STAGES else "",
            signatories_en=row["signatories"],
            place_en="" if place == "online" else place,
            online=place == "online" or "virtually" in row["instrument"],
            source=row["source"],
            confidence=_confidence(row["confidence"]),
        )
        if event.stage_after != row["stage_after"]:
            raise FactsError(
                f"line {line}: the file says {row['stage_after']!r}, "
                f"the lifecycle rules derive {event.stage_after!r}"
            )
        added += 1
    return FactsResult(rows=len(rows), partnerships=len(seen), events_added=added)
