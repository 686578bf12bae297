from django.db.models import QuerySet

from regionbridge.lib.collation import name_order
from regionbridge.lib.search import filter_by_terms
from regionbridge.regions.models import Region


def region_list(*, country: str = "", query: str = "", kind: str = "") -> QuerySet[Region]:
    regions = Region.objects.select_related("country")
    if country:
        regions = regions.filter(country__code=country.upper())
    if kind:
        regions = regions.filter(kind=kind)
    if query:
        regions = filter_by_terms(regions, query)
    # By name in the page's language, a country at a time (the index shows one country).
    return regions.order_by(name_order("country__"), name_order(), "id")
