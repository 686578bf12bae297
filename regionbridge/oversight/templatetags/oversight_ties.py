"""The picture of ties where other apps' pages show it, without importing oversight: a region's
page shows its own part (`{% region_ties region %}`), the public registry the signed,
non-confidential ties (`{% public_ties ukrainian_region partner_region %}`)."""

from django import template
from django.db.models import Q

from regionbridge import policy
from regionbridge.oversight import ties
from regionbridge.partnerships.models import Partnership
from regionbridge.regions.models import Region

register = template.Library()


def _pictures(partnerships, *, focus: str = "", tie_links: bool, prefix: str) -> list[dict]:
    return [
        ties.picture_context(partnerships, country, focus=focus, tie_links=tie_links, prefix=prefix)
        for country in ties.partner_countries(partnerships)
    ]


@register.inclusion_tag("oversight/_ties_region.html", takes_context=True)
def region_ties(context, region: Region) -> dict:
    """The region's own ties (either side), as much as the viewer may see: members what the
    policy shows them, everyone else the public registry's."""
    user = context["request"].user
    member = policy.can(user, policy.Action.REGISTRY_BROWSE)
    seen = policy.visible(user, Partnership) if member else policy.published(Partnership)
    own = seen.filter(Q(ukrainian_region=region) | Q(partner_region=region))
    return {
        "region": region,
        "pictures": _pictures(own, focus=region.code, tie_links=member, prefix="r-"),
    }


@register.inclusion_tag("oversight/_ties_public.html")
def public_ties(ukrainian_region: Region | None = None, partner_region: Region | None = None):
    """The registry's picture: signed, non-confidential ties (of the filter's regions)."""
    published = policy.published(Partnership)
    if ukrainian_region:
        published = published.filter(ukrainian_region=ukrainian_region)
    if partner_region:
        published = published.filter(partner_region=partner_region)
    return {"pictures": _pictures(published, tie_links=False, prefix="p-")}
