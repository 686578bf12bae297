"""The public registry: signed memoranda and agreements and public activities, no sign-in.

Pages of the registry are counted and cut in SQL, so its cost does not grow with the number of
signed ties. What a page lists is the same for every visitor: it is rendered once per language
and page and kept (`PUBLIC_CACHE_SECONDS`) under a fingerprint of the registry (its ties, their
stages and events, the activities), so a tie signed, ended, made confidential or given an event
shows at once; the page around it (header, sign-in, CSRF token) is rendered for each visitor.
"""

from django.core.cache import cache
from django.core.paginator import Paginator
from django.db.models import Count, Max
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.safestring import SafeString, mark_safe

from regionbridge.partnerships import selectors
from regionbridge.partnerships.models import Activity
from regionbridge.regions.models import Region

# Edits that move none of the fingerprint's figures (a corrected name or source) show within it.
PUBLIC_CACHE_SECONDS = 120


def _group(partnerships):
    """Per Ukrainian region, in the order of the list."""
    groups: dict = {}
    for partnership in partnerships:
        groups.setdefault(partnership.ukrainian_region, []).append(partnership)
    return groups


def _fingerprint(ties) -> tuple[int, str]:
    """(how many ties, a digest of what the registry shows): two small queries."""
    figures = ties.order_by().aggregate(
        n=Count("pk", distinct=True),
        top=Max("pk"),
        since=Max("stage_since"),
        last=Max("last_event_on"),
        event=Max("events__pk"),
    )
    activity = Activity.objects.order_by("-pk").values_list("pk", flat=True).first()
    return figures["n"], "-".join(str(part) for part in (*figures.values(), activity))


def _kept(key: str, build) -> SafeString:
    html = cache.get(key)
    if html is None:
        html = build()
        cache.set(key, html, PUBLIC_CACHE_SECONDS)
    return mark_safe(html)  # noqa: S308 — our own template's output, escaped when rendered


def _page(ties, number, page_size: int):
    """A page of `ties` whose count is already known (the fingerprint counted it)."""
    count, fingerprint = _fingerprint(ties)
    paginator = Paginator(ties, page_size)
    paginator.__dict__["count"] = count  # no second COUNT
    return paginator.get_page(number), fingerprint


def registry(request: HttpRequest) -> HttpResponse:
    page, fingerprint = _page(
        selectors.public_partnerships(), request.GET.get("page"), selectors.PUBLIC_PAGE_SIZE
    )
    key = f"public:{translation.get_language()}:{page.number}:{fingerprint}"
    listing = _kept(
        key,
        lambda: render_to_string(
            "partnerships/_public_registry.html",
            {
                "groups": _group(page.object_list),
                "page": page,
                "activities": selectors.public_activities()[:20],
            },
        ),
    )
    return render(
        request,
        "partnerships/public.html",
        {"listing": listing, "page": page, "count": page.paginator.count},
    )


def region(request: HttpRequest, code: str) -> HttpResponse:
    """One region's signed ties, Ukrainian or partner side."""
    place = Region.objects.select_related("country").filter(code=code.upper()).first()
    if place is None:
        raise Http404
    partnerships = selectors.public_partnerships(region=place)
    page, fingerprint = _page(partnerships, request.GET.get("page"), selectors.PUBLIC_PAGE_SIZE)
    key = f"public:{translation.get_language()}:{place.pk}:{page.number}:{fingerprint}"

    def build() -> str:
        activities = selectors.public_activities().filter(
            partnership__in=partnerships.order_by().values("pk")
        )[:50]
        return render_to_string(
            "partnerships/_public_region.html",
            {"partnerships": page.object_list, "page": page, "activities": activities},
        )

    return render(
        request,
        "partnerships/public_region.html",
        {"place": place, "listing": _kept(key, build), "page": page},
    )
