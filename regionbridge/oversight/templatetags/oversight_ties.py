"""The picture of ties where other apps' pages show it, without importing oversight: a region's
page shows its own part (`{% region_ties region %}`), the public registry the signed,
non-confidential ties (`{% public_ties ukrainian_region partner_region %}`)."""

from django import template
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from regionbridge import policy
from regionbridge.core import results
from regionbridge.oversight import ties
from regionbridge.partnerships.models import Partnership
from regionbridge.regions.models import Region

register = template.Library()


def _pictures(partnerships, *, focus: str = "", region_href, prefix: str) -> list[dict]:
    return [
        ties.picture_context(
            partnerships, country, focus=focus, region_href=region_href, prefix=prefix
        )
        for country in ties.partner_countries(partnerships)
    ]


@register.simple_tag(takes_context=True)
def region_ties(context, region: Region) -> str:
    """The region's own ties (either side), as much as the viewer may see: members what the
    policy shows them, everyone else the public registry's; drawn once while the ties are
    unchanged (decision 0013)."""
    user = context["request"].user
    member = policy.can(user, policy.Action.REGISTRY_BROWSE)
    return results.remember(
        "oversight.region_ties",
        (results.viewer(user) if member else "public", region.pk, timezone.localdate()),
        lambda: _region_ties(user, region, member=member),
    )


def _region_ties(user, region: Region, *, member: bool) -> str:
    seen = policy.visible(user, Partnership) if member else policy.published(Partnership)
    own = seen.filter(Q(ukrainian_region=region) | Q(partner_region=region))

    def region_href(tile: ties.Tile) -> str:
        """The other regions' pages (not the page itself)."""
        return "" if tile.code == region.code else reverse("regions:detail", args=[tile.code])

    pictures = _pictures(own, focus=region.code, region_href=region_href, prefix="r-")
    return render_to_string("oversight/_ties_region.html", {"region": region, "pictures": pictures})


@register.simple_tag
def public_ties(ukrainian_region: Region | None = None, partner_region: Region | None = None):
    """The registry's picture: signed, non-confidential ties (of the filter's regions); drawn
    once for every visitor while the ties are unchanged (decision 0013)."""
    return results.remember(
        "oversight.public_ties",
        (
            ukrainian_region.pk if ukrainian_region else None,
            partner_region.pk if partner_region else None,
            timezone.localdate(),
        ),
        lambda: _public_ties(ukrainian_region, partner_region),
        reads=("partnerships", "regions"),
    )


def _public_ties(ukrainian_region: Region | None, partner_region: Region | None) -> str:
    published = policy.published(Partnership)
    if ukrainian_region:
        published = published.filter(ukrainian_region=ukrainian_region)
    if partner_region:
        published = published.filter(partner_region=partner_region)
    registry = reverse("public:index")

    def region_href(tile: ties.Tile) -> str:
        """The registry filtered by the region (of Ukraine, or the partner's state)."""
        name = "region" if tile.code.startswith(ties.UKRAINE + "-") else "state"
        return f"{registry}?{urlencode({name: tile.code})}"

    pictures = _pictures(published, region_href=region_href, prefix="p-")
    return render_to_string("oversight/_ties_public.html", {"pictures": pictures})
