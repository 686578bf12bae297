"""Institutions (universities, hospitals, schools…), their links, and activities."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from regionbridge import policy
from regionbridge.audit.services import audit_record
from regionbridge.institutions.models import InstitutionLink
from regionbridge.lib.search import filter_by_terms
from regionbridge.organizations.models import Organization, OrganizationKind
from regionbridge.organizations.services import organization_search_text
from regionbridge.partnerships.models import Activity, Partnership, Sphere
from regionbridge.regions.models import Region


def institutions_for(
    user: Any, *, institution_type: str = "", region: str = "", country: str = "", query: str = ""
) -> QuerySet[Organization]:
    institutions = (
        policy.visible(user, Organization)
        .filter(kind=OrganizationKind.INSTITUTION)
        .select_related("region", "country")
    )
    if institution_type:
        institutions = institutions.filter(institution_type=institution_type)
    if region:
        institutions = institutions.filter(region__code=region.upper())
    if country:
        institutions = institutions.filter(country__code=country.upper())
    if query:
        institutions = filter_by_terms(institutions, query)
    return institutions.order_by("region__code", "name_en", "id")


@transaction.atomic
def institution_create(
    *, by: Any, region: Region, institution_type: str, name_en: str, name_uk: str, **fields: Any
) -> Organization:
    institution = Organization(
        kind=OrganizationKind.INSTITUTION,
        institution_type=institution_type,
        region=region,
        country=region.country,
        name_en=name_en.strip(),
        name_uk=name_uk.strip(),
        **fields,
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
    spheres: list[Sphere] = (),
    is_demo: bool = False,
    **fields: Any,
) -> InstitutionLink:
    """Tie a Ukrainian institution to one abroad (under a partnership, or standalone)."""
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
        is_demo=is_demo,
        created_by=by if getattr(by, "is_authenticated", False) else None,
        **fields,
    )
    link.full_clean()
    link.save()
    link.spheres.set(spheres)
    audit_record(actor=by, action="link.created", target=link)
    return link


@transaction.atomic
def activity_create(
    *,
    by: Any,
    target: Partnership | InstitutionLink,
    sphere: Sphere | None = None,
    institutions: list[Organization] = (),
    is_demo: bool = False,
    **fields: Any,
) -> Activity:
    """Record a visit, exchange, aid delivery, training or joint event."""
    activity = Activity(
        partnership=target if isinstance(target, Partnership) else None,
        link=target if isinstance(target, InstitutionLink) else None,
        sphere=sphere,
        is_demo=is_demo,
        created_by=by if getattr(by, "is_authenticated", False) else None,
        **fields,
    )
    if not (activity.title_en.strip() or activity.title_uk.strip()):
        raise ValidationError(_("Give the activity a title."))
    if activity.ends_on and activity.ends_on < activity.starts_on:
        raise ValidationError(_("An activity cannot end before it starts."))
    activity.full_clean()
    activity.save()
    activity.institutions.set(institutions)
    audit_record(actor=by, action="activity.created", target=activity)
    return activity
