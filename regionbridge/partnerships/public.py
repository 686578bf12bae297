"""The public registry: signed memoranda and agreements and public activities, no sign-in.

Pages of the registry are counted and cut in SQL, so its cost does not grow with the number of
signed ties."""

from django.core.paginator import Paginator
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
    paginator = Paginator(selectors.public_partnerships(), selectors.PUBLIC_PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    return render(
        request,
        "partnerships/public.html",
        {
            "groups": _group(page.object_list),
            "page": page,
            "count": paginator.count,
            "activities": selectors.public_activities()[:20],
        },
    )


def region(request: HttpRequest, code: str) -> HttpResponse:
    """One region's signed ties, Ukrainian or partner side."""
    place = Region.objects.select_related("country").filter(code=code.upper()).first()
    if place is None:
        raise Http404
    partnerships = selectors.public_partnerships(region=place)
    page = Paginator(partnerships, selectors.PUBLIC_PAGE_SIZE).get_page(request.GET.get("page"))
    activities = selectors.public_activities().filter(
        partnership__in=partnerships.order_by().values("pk")
    )[:50]
    return render(
        request,
        "partnerships/public_region.html",
        {"place": place, "partnerships": page.object_list, "page": page, "activities": activities},
    )
