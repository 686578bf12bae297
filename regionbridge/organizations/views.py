from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.vary import vary_on_headers

from regionbridge import policy
from regionbridge.core.access import HtmxHttpRequest, requires
from regionbridge.lib.collation import name_order
from regionbridge.organizations import selectors
from regionbridge.organizations.forms import DirectoryFilter
from regionbridge.organizations.models import Organization, OrganizationKind

PAGE_SIZE = 25


# The search pushes its address (hx-push-url): that address answers htmx the results alone and
# anyone else the whole page, so caches and the back button must tell the two apart.
@vary_on_headers("HX-Request")
@requires(policy.Action.DIRECTORY_VIEW)
def directory(request: HtmxHttpRequest) -> HttpResponse:
    """Who is our contact in Indiana? Who heads Zhytomyr's RMA? — in either language."""
    form = DirectoryFilter(
        {"q": request.GET.get("q", "")[:200], "kind": request.GET.get("kind", "")}
    )
    if not form.is_valid():
        context = {
            "form": form,
            "query": request.GET.get("q", "")[:200],
            "kind": "",
            "kinds": OrganizationKind.choices,
        }
        template = "organizations/_results.html" if request.htmx else "organizations/directory.html"
        return render(request, template, context, status=400)
    query, kind = form.cleaned_data["q"], form.cleaned_data["kind"]
    people = selectors.people_for(request.user, query=query)
    if kind:
        people = people.filter(organization__kind=kind)
    page = Paginator(people, PAGE_SIZE).get_page(request.GET.get("page"))
    organizations = (
        selectors.organizations_for(request.user, query=query, kind=kind)[:10] if query else []
    )
    context = {
        "form": form,
        "query": query,
        "kind": kind,
        "kinds": OrganizationKind.choices,
        "page": page,
        "organizations": organizations,
    }
    template = "organizations/_results.html" if request.htmx else "organizations/directory.html"
    return render(request, template, context)


@requires(policy.Action.DIRECTORY_VIEW)
def person_detail(request: HttpRequest, person_id: int) -> HttpResponse:
    person = get_object_or_404(selectors.people_for(request.user), pk=person_id)
    return render(
        request,
        "organizations/person.html",
        {"person": person, "can_edit": policy.can(request.user, policy.Action.PERSON_EDIT, person)},
    )


@requires(policy.Action.DIRECTORY_VIEW)
def organization_detail(request: HttpRequest, organization_id: int) -> HttpResponse:
    organization = get_object_or_404(
        selectors.organizations_for(request.user).select_related("parent"), pk=organization_id
    )
    people = selectors.people_for(request.user, organization=organization.pk)
    districts = organization.consular_districts.select_related("region").order_by(
        name_order("region__")
    )
    return render(
        request,
        "organizations/organization.html",
        {
            "organization": organization,
            "people": people,
            "districts": districts,
            "units": Organization.objects.filter(parent=organization).order_by(name_order(), "id"),
        },
    )
