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
from regionbridge.partnerships import services as partnership_services
from regionbridge.partnerships.forms import ActivityForm, bilingual_data

Action = policy.Action


@requires(Action.REGISTRY_BROWSE)
def institution_list(request: HttpRequest) -> HttpResponse:
    form = InstitutionFilterForm(request.GET, institutions=selectors.institutions_for(request.user))
    if not form.is_valid():
        # Said, and no table: an unfiltered list would pass for the answer to the filter.
        return render(request, "institutions/list.html", {"form": form}, status=400)
    kind, query, region = (form.cleaned_data[name] for name in ("type", "q", "region"))
    institutions = selectors.institutions_for(
        request.user, institution_type=kind, region=region, query=query
    )
    page = Paginator(institutions, 50).get_page(request.GET.get("page"))
    links = (
        policy.visible(request.user, InstitutionLink)
        .select_related("ukrainian_institution", "partner_institution", "partnership")
        .prefetch_related("spheres")[:50]
    )
    return render(
        request,
        "institutions/list.html",
        {
            "form": form,
            "page": page,
            "type": kind,
            "query": query,
            "region": region,
            "links": links,
            "can_create": policy.can(request.user, Action.INSTITUTION_CREATE),
            "can_link": policy.can(request.user, Action.LINK_CREATE),
        },
    )


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
