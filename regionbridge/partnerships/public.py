"""The public registry: signed memoranda and agreements and public activities, no sign-in."""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from regionbridge.partnerships import selectors
from regionbridge.regions.models import Region


def _group(partnerships):
    """Per Ukrainian region, in the order of the list."""
    groups: dict = {}
    for partnership in partnerships:
        groups.setdefault(partnership.ukrainian_region, []).append(partnership)
    return groups


def registry(request: HttpRequest) -> HttpResponse:
    partnerships = selectors.public_partnerships()
    return render(
        request,
        "partnerships/public.html",
        {
            "groups": _group(partnerships),
            "count": len(partnerships),
            "activities": selectors.public_activities()[:20],
        },
    )


def region(request: HttpRequest, code: str) -> HttpResponse:
    """One region's signed ties, Ukrainian or partner side."""
    place = Region.objects.select_related("country").filter(code=code.upper()).first()
    if place is None:
        raise Http404
    partnerships = [
        p
        for p in selectors.public_partnerships()
        if place.pk in (p.ukrainian_region_id, p.partner_region_id)
    ]
    activities = selectors.public_activities().filter(partnership__in=[p.pk for p in partnerships])
    return render(
        request,
        "partnerships/public_region.html",
        {"place": place, "partnerships": partnerships, "activities": activities},
    )
