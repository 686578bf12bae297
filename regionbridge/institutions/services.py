"""Institutions (universities, hospitals, schools…) and their links: the only way these change.

Every door (pages, API, the demo) comes here, and these functions ask the policy themselves;
`by` None is the system itself (data loaders, the demo): there is no person to ask about.
Activities, of partnerships and of links alike, are recorded in `partnerships.services`.
"""

from collections.abc import Sequence
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from regionbridge import policy
from regionbridge.audit.services import audit_record
from regionbridge.institutions.models import InstitutionLink, LinkStatus
from regionbridge.institutions.selectors import LINKABLE_KINDS
from regionbridge.organizations.models import Organization, OrganizationKind
from regionbridge.organizations.services import organization_search_text
from regionbridge.partnerships.models import Partnership, Sphere
from regionbridge.regions.models import Region

Action = policy.Action


@transaction.atomic
def institution_create(
    *,
    by: Any,
    region: Region,
    institution_type: str,
    name_en: str,
    name_uk: str,
    city: str = "",
    website: str = "",
    email: str = "",
    phone: str = "",
    key: str | None = None,
    is_demo: bool = False,
) -> Organization:
    """Add an institution in a region: coordinators anywhere, regional officers in their own."""
    policy.require(by, Action.INSTITUTION_CREATE, region)
    institution = Organization(
        kind=OrganizationKind.INSTITUTION,
        institution_type=institution_type,
        region=region,
        country=region.country,
        name_en=name_en.strip(),
        name_uk=name_uk.strip(),
        city=city,
        website=website,
        email=email,
        phone=phone,
        key=key,
        is_demo=is_demo,
    )
    if not (institution.name_en or institution.name_uk):
        raise ValidationError(_("An institution needs a name."))
    institution.full_clean(exclude=["key"])
    institution.search_text = organization_search_text(institution)
    institution.save()
    audit_record(actor=by, action="institution.created", target=institution)
    return institution


@transaction.atomic
def link_create(
    *,
    by: Any,
    ukrainian_institution: Organization,
    partner_institution: Organization,
    partnership: Partnership | None = None,
    status: str = LinkStatus.PROPOSED,
    description: str = "",
    started_on: date | None = None,
    spheres: Sequence[Sphere] = (),
    is_demo: bool = False,
) -> InstitutionLink:
    """Tie a Ukrainian institution or local government to one abroad (under a partnership, or
    standalone); the Ukrainian side's own staff and its region's officers start it."""
    policy.require(by, Action.LINK_CREATE, ukrainian_institution)
    sides = (ukrainian_institution, partner_institution)
    if any(side.kind not in LINKABLE_KINDS for side in sides):
        raise ValidationError(_("A link ties institutions or local governments."))
    if ukrainian_institution.country.code != "UA":
        raise ValidationError(_("The first institution must be in Ukraine."))
    if partner_institution.country.code == "UA":
        raise ValidationError(_("The partner institution must be abroad."))
    if partnership and ukrainian_institution.region_id != partnership.ukrainian_region_id:
        raise ValidationError(_("The Ukrainian institution is not in this partnership's region."))
    link = InstitutionLink(
        ukrainian_institution=ukrainian_institution,
        partner_institution=partner_institution,
        partnership=partnership,
        status=status,
        description=description,
        started_on=started_on,
        is_demo=is_demo,
        created_by=by if getattr(by, "is_authenticated", False) else None,
    )
    link.full_clean()
    link.save()
    link.spheres.set(spheres)
    audit_record(actor=by, action="link.created", target=link)
    return link
