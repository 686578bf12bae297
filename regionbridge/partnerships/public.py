"""The public registry: signed memoranda, agreements and resolutions and public activities, no
sign-in.

Pages of the registry are counted and cut in SQL, so its cost does not grow with the number of
signed ties. What a page lists is the same for every visitor: it is rendered once per language,
filter and page and kept (`PUBLIC_CACHE_SECONDS`) under a fingerprint of the whole registry (its
ties, their stages and events, the activities), so a tie signed, ended, made confidential or
given an event shows at once under every filter; the page around it (header, sign-in, CSRF
token) is rendered for each visitor. Only valid filters (codes of regions that exist) become
part of a key, so the keys cannot grow without bound; an invalid one is refused with a 400.
"""

import re
from dataclasses import dataclass

from django import forms
from django.core.cache import cache
from django.core.paginator import Paginator
from django.db.models import Count, Max, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.http import urlencode
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from regionbridge import policy
from regionbridge.partnerships import selectors
from regionbridge.partnerships.models import Activity, Partnership
from regionbridge.regions.models import Region

# Edits that move none of the fingerprint's figures (a corrected name or source) show within it.
PUBLIC_CACHE_SECONDS = 120
UKRAINE = "UA"
_CODE = re.compile(r"^[A-Z]{2}-[A-Z0-9]{1,3}$")


def _group(partnerships):
    """Per Ukrainian region, in the order of the list."""
    groups: dict = {}
    for partnership in partnerships:
        groups.setdefault(partnership.ukrainian_region, []).append(partnership)
    return groups


def _fingerprint(scope: Q) -> tuple[int, str]:
    """(how many ties `scope` lists, a digest of the whole registry): two small queries. The
    digest is of the whole registry, not of the part listed, because a page also names the
    sides the filter offers."""
    figures = (
        policy.published(Partnership)
        .order_by()
        .aggregate(
            n=Count("pk", filter=scope, distinct=True),
            all=Count("pk", distinct=True),
            top=Max("pk"),
            since=Max("stage_since"),
            last=Max("last_event_on"),
            event=Max("events__pk"),
        )
    )
    activity = Activity.objects.order_by("-pk").values_list("pk", flat=True).first()
    return figures["n"], "-".join(str(part) for part in (*figures.values(), activity))


def _kept(key: str, build) -> SafeString:
    html = cache.get(key)
    if html is None:
        html = build()
        cache.set(key, html, PUBLIC_CACHE_SECONDS)
    return mark_safe(html)  # noqa: S308 — our own template's output, escaped when rendered


def _page(scope: Q, number, page_size: int):
    """A page of the registry's ties in `scope`, counted by the fingerprint's query."""
    count, fingerprint = _fingerprint(scope)
    paginator = Paginator(selectors.public_partnerships(scope=scope), page_size)
    paginator.__dict__["count"] = count  # no second COUNT
    return paginator.get_page(number), fingerprint


class RegistryFilter(forms.Form):
    """`?region=UA-18&state=US-IN`: a Ukrainian region and a partner region, by ISO code. Both
    are looked up in one query; a code that names no such region is an error, not ignored (an
    unfiltered table under a filter the reader believes applied would mislead)."""

    # A filter: every field may be left empty, so none is marked "(optional)".
    filters = True

    region = forms.CharField(label=_("Region of Ukraine"), max_length=10, required=False)
    state = forms.CharField(label=_("Partner state or region"), max_length=10, required=False)

    def clean(self):
        data = super().clean()
        codes = {name: (data.get(name) or "").strip().upper() for name in ("region", "state")}
        wanted = {code for code in codes.values() if _CODE.match(code)}
        found = {r.code: r for r in Region.objects.filter(code__in=wanted)} if wanted else {}
        for name, code in codes.items():
            data[name] = None
            if not code:
                continue
            place = found.get(code)
            if place is None or (place.code.startswith(UKRAINE + "-")) != (name == "region"):
                self.add_error(
                    name,
                    _("Choose a region of Ukraine from the list.")
                    if name == "region"
                    else _("Choose a partner state or region from the list."),
                )
                continue
            data[name] = place
        return data


@dataclass(frozen=True)
class Chosen:
    ukrainian_region: Region | None = None
    partner_region: Region | None = None

    @property
    def key(self) -> str:
        return ":".join(r.code if r else "" for r in (self.ukrainian_region, self.partner_region))

    @property
    def query(self) -> str:
        """The filter as the pager's links repeat it ("region=UA-18&state=US-IN&")."""
        pairs = {"region": self.ukrainian_region, "state": self.partner_region}
        chosen = {name: r.code for name, r in pairs.items() if r is not None}
        return f"{urlencode(chosen)}&" if chosen else ""


def _sides() -> dict:
    """The filter's two lists of names (one query each, only when a page is rendered anew)."""
    ukrainian, partners = selectors.public_sides()
    states = list(partners)
    return {
        "ukrainian_regions": list(ukrainian),
        "partner_regions": states,
        "several_countries": len({r.country_id for r in states}) > 1,
    }


def registry(request: HttpRequest) -> HttpResponse:
    form = RegistryFilter(request.GET)
    if not form.is_valid():
        return render(
            request,
            "partnerships/public.html",
            {"form": form, "invalid": True, **_sides()},
            status=400,
        )
    chosen = Chosen(form.cleaned_data["region"], form.cleaned_data["state"])
    scope = selectors.public_scope(
        ukrainian_region=chosen.ukrainian_region, partner_region=chosen.partner_region
    )
    page, fingerprint = _page(scope, request.GET.get("page"), selectors.PUBLIC_PAGE_SIZE)
    key = f"public:list:{translation.get_language()}:{chosen.key}:{page.number}:{fingerprint}"

    def build() -> str:
        activities = selectors.public_activities()
        if scope:
            ties = policy.published(Partnership).filter(scope).order_by().values("pk")
            activities = activities.filter(partnership__in=ties)
        return render_to_string(
            "partnerships/_public_registry.html",
            {
                "groups": _group(page.object_list),
                "page": page,
                "pager_extra": chosen.query,
                "chosen": chosen,
                "filtered": bool(scope),
                "activities": activities[:20],
                **_sides(),
            },
        )

    return render(
        request,
        "partnerships/public.html",
        {
            "listing": _kept(key, build),
            "page": page,
            "count": page.paginator.count,
            "filtered": bool(scope),
        },
    )


def region(request: HttpRequest, code: str) -> HttpResponse:
    """One region's signed ties, Ukrainian or partner side."""
    place = Region.objects.select_related("country").filter(code=code.upper()).first()
    if place is None:
        raise Http404
    scope = selectors.public_scope(region=place)
    page, fingerprint = _page(scope, request.GET.get("page"), selectors.PUBLIC_PAGE_SIZE)
    key = f"public:region:{translation.get_language()}:{place.pk}:{page.number}:{fingerprint}"

    def build() -> str:
        ties = policy.published(Partnership).filter(scope).order_by().values("pk")
        activities = selectors.public_activities().filter(partnership__in=ties)[:50]
        return render_to_string(
            "partnerships/_public_region.html",
            {"partnerships": page.object_list, "page": page, "activities": activities},
        )

    return render(
        request,
        "partnerships/public_region.html",
        {"place": place, "listing": _kept(key, build), "page": page},
    )
