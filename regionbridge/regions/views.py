from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.vary import vary_on_headers

from regionbridge import policy
from regionbridge.core.access import HtmxHttpRequest
from regionbridge.lib.collation import name_order
from regionbridge.organizations import selectors as directory
from regionbridge.organizations.models import ConsularDistrict
from regionbridge.regions.models import Country, Region
from regionbridge.regions.selectors import region_list


# The search pushes its address (hx-push-url): that address answers htmx the results alone and
# anyone else the whole page, so caches and the back button must tell the two apart.
@vary_on_headers("HX-Request")
def region_index(request: HtmxHttpRequest) -> HttpResponse:
    """Every country's regions, searchable in Ukrainian and English; open to everyone."""
    country = request.GET.get("country", "UA").strip().upper()[:2]
    query = request.GET.get("q", "").strip()[:200]
    regions = region_list(country=country, query=query)
    page = Paginator(regions, 60).get_page(request.GET.get("page"))
    context = {
        "country": country,
        "query": query,
        "countries": Country.objects.order_by(name_order()).only("code", "name_en", "name_uk"),
        "page": page,
    }
    template = "regions/_results.html" if request.htmx else "regions/index.html"
    return render(request, template, context)


def region_detail(request: HttpRequest, code: str) -> HttpResponse:
    if not policy.can(request.user, policy.Action.REGION_VIEW):
        raise Http404
    region = get_object_or_404(
        Region.objects.select_related("country", "parent"), code=code.upper()
    )
    member = policy.can(request.user, policy.Action.DIRECTORY_VIEW)
    context = {
        "region": region,
        "organizations": directory.organizations_for(request.user, region=region.code),
        "people": directory.people_for(request.user, region=region.code)[:50] if member else [],
        "district": ConsularDistrict.objects.select_related("mission")
        .filter(region=region)
        .first(),
        "member": member,
    }
    return render(request, "regions/detail.html", context)
