from collections.abc import Iterable

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from regionbridge import policy
from regionbridge.core.access import requires
from regionbridge.core.pages import form_page
from regionbridge.institutions import selectors, services
from regionbridge.institutions.forms import InstitutionFilterForm, InstitutionForm, LinkForm
from regionbridge.institutions.models import InstitutionLink
from regionbridge.lib.csvexport import (
    bad_format,
    export_format,
    export_list,
    export_query,
    export_response,
    rows_from,
)
from regionbridge.partnerships import services as partnership_services
from regionbridge.partnerships.forms import ActivityForm, bilingual_data
from regionbridge.partnerships.models import Activity
from regionbridge.partnerships.views import ACTIVITY_RELATED, activity_table

Action = policy.Action


# What the page exports (`?format=csv|xlsx&list=…`): its institutions, their links, or the
# links' activities; each with the page's filters.
PAGE_LISTS = ("institutions", "links", "activities")


@requires(Action.REGISTRY_BROWSE)
def institution_list(request: HttpRequest) -> HttpResponse:
    fmt = export_format(request.GET)
    which = export_list(request.GET, PAGE_LISTS)
    if fmt is None or which is None:
        return bad_format()
    form = InstitutionFilterForm(request.GET, institutions=selectors.institutions_for(request.user))
    if not form.is_valid():
        # Said, and no table: an unfiltered list would pass for the answer to the filter.
        return render(request, "institutions/list.html", {"form": form}, status=400)
    kind, query, region = (form.cleaned_data[name] for name in ("type", "q", "region"))
    institutions = selectors.institutions_for(
        request.user, institution_type=kind, region=region, query=query
    )
    links = selectors.links_for(request.user, institution_type=kind, region=region, query=query)
    if fmt:
        if which == "links":
            return export_response(fmt, "institution-links", *link_table(links))
        if which == "activities":
            activities = (
                policy.visible(request.user, Activity)
                .filter(link__in=links.order_by().values("pk"))
                .select_related(*ACTIVITY_RELATED)
                .order_by("-starts_on", "-id")
            )
            return export_response(fmt, "link-activities", *activity_table(activities))
        return export_response(fmt, "institutions", *institution_table(institutions))
    page = Paginator(institutions, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "institutions/list.html",
        {
            "form": form,
            "page": page,
            "type": kind,
            "query": query,
            "region": region,
            "links": links[:50],
            "export_query": export_query(request.GET),
            "can_create": policy.can(request.user, Action.INSTITUTION_CREATE),
            "can_link": policy.can(request.user, Action.LINK_CREATE),
        },
    )


INSTITUTION_HEADER = [
    "id",
    "name",
    "name_uk",
    "name_en",
    "type",
    "country_code",
    "region_code",
    "region_uk",
    "region_en",
    "city",
    "website",
]


def institution_table(institutions) -> tuple[list[str], Iterable[list]]:
    """The institutions as the page lists them (its filters and order), not paged; no contact
    details: those have their own rule (the directory's)."""
    rows = (
        [
            i.pk,
            i.name,
            i.name_uk,
            i.name_en,
            i.institution_type,
            i.country.code,
            i.region.code if i.region else "",
            i.region.name_uk if i.region else "",
            i.region.name_en if i.region else "",
            i.city,
            i.website,
        ]
        for i in rows_from(institutions)
    )
    return INSTITUTION_HEADER, rows


LINK_HEADER = [
    "id",
    "ukrainian_institution",
    "ukrainian_region_code",
    "partner_institution",
    "partner_region_code",
    "status",
    "started_on",
    "spheres",
    "partnership_id",
    "partnership",
    "description",
]


def link_table(links) -> tuple[list[str], Iterable[list]]:
    rows = (
        [
            link.pk,
            link.ukrainian_institution.name,
            link.ukrainian_institution.region.code if link.ukrainian_institution.region else "",
            link.partner_institution.name,
            link.partner_institution.region.code if link.partner_institution.region else "",
            link.status,
            link.started_on,
            " ".join(sphere.code for sphere in link.spheres.all()),
            link.partnership_id,
            str(link.partnership) if link.partnership else "",
            link.description,
        ]
        for link in rows_from(links)
    )
    return LINK_HEADER, rows


@requires(Action.INSTITUTION_CREATE)
def institution_create(request: HttpRequest) -> HttpResponse:
    form = InstitutionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            institution = services.institution_create(by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error(None, message)
        else:
            messages.success(request, _("Institution added."))
            return redirect("directory:organization", institution.pk)
    return form_page(request, form, _("New institution"))


@requires(Action.LINK_CREATE)
def link_create(request: HttpRequest) -> HttpResponse:
    form = LinkForm(request.POST or None, institutions=selectors.linkable_for(request.user))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.link_create(
                by=request.user,
                ukrainian_institution=data["ukrainian_institution"],
                partner_institution=data["partner_institution"],
                status=data["status"],
                started_on=data["started_on"],
                description=data["description"],
                spheres=list(data["spheres"]),
            )
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error(None, message)
        else:
            messages.success(request, _("Link recorded."))
            return redirect("institutions:list")
    return form_page(request, form, _("New link"))


@requires(Action.REGISTRY_BROWSE)
def link_activity_create(request: HttpRequest, pk: int) -> HttpResponse:
    """Record an exchange, visit or joint event of two institutions."""
    link = get_object_or_404(
        policy.visible(request.user, InstitutionLink).select_related(
            "ukrainian_institution", "partner_institution"
        ),
        pk=pk,
    )
    if not policy.can(request.user, Action.ACTIVITY_CREATE, link):
        raise PermissionDenied
    form = ActivityForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            partnership_services.activity_create(
                by=request.user,
                target=link,
                institutions=[link.ukrainian_institution, link.partner_institution],
                **bilingual_data(form.cleaned_data),
            )
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error(None, message)
        else:
            messages.success(request, _("Activity recorded."))
            return redirect("institutions:list")
    return form_page(request, form, _("Record an activity"))
