from collections.abc import Iterable

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from regionbridge import policy
from regionbridge.core.access import requires
from regionbridge.core.pages import form_page
from regionbridge.institutions.models import InstitutionLink
from regionbridge.lib.collation import name_order
from regionbridge.lib.csvexport import (
    bad_format,
    export_format,
    export_list,
    export_query,
    export_response,
    rows_from,
)
from regionbridge.lib.files import download
from regionbridge.lib.i18n import pick, reader_language
from regionbridge.organizations.models import Person
from regionbridge.partnerships import clearance, forms, selectors, services, workbooks
from regionbridge.partnerships.models import Activity, DocumentVersion, Partnership
from regionbridge.regions.models import Region

Action = policy.Action


def _allow(request: HttpRequest, action: str, obj=None) -> None:
    if not policy.can(request.user, action, obj):
        raise PermissionDenied


def _fail(form, exc: ValidationError) -> None:
    """The service's refusal as form errors: under the field it names, if the form has it."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            for message in errors:
                form.add_error(field if field in form.fields else None, message)
        return
    for message in exc.messages:
        form.add_error(None, message)


@requires(Action.REGISTRY_BROWSE)
def partnership_list(request: HttpRequest) -> HttpResponse:
    fmt = export_format(request.GET)
    which = export_list(request.GET, PAGE_LISTS)
    if fmt is None or which is None:
        return bad_format()
    form = forms.FilterForm(request.GET, partnerships=policy.visible(request.user, Partnership))
    can_create = policy.can(request.user, Action.PARTNERSHIP_OPEN)
    if not form.is_valid():
        # Said, and no table: an unfiltered list would pass for the answer to the filter.
        context = {"form": form, "can_create": can_create}
        return render(request, "partnerships/list.html", context, status=400)
    data = form.cleaned_data
    filters = selectors.Filters(
        stage=data.get("stage") or "",
        sphere=data["sphere"].code if data.get("sphere") else "",
        country=data.get("country") or "",
        region=data.get("region") or "",
        idle_days=data.get("idle_days"),
        as_of=data.get("as_of"),
        query=data.get("q") or "",
    )
    items = selectors.partnerships_for(request.user, filters)
    if fmt and which == "activities":
        activities = activities_of(request.user, items)
        return export_response(fmt, "activities", *activity_table(activities))
    if fmt:
        keep = workbooks.keeper(items, name="list", as_of=filters.as_of)
        return export_response(fmt, "partnerships", *export_table(items), keep=keep)
    page = Paginator(items, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "partnerships/list.html",
        {
            "form": form,
            "page": page,
            "rows": _rows(page.object_list),
            "querystring": query.urlencode(),
            "export_query": export_query(request.GET),
            "can_create": can_create,
        },
    )


def _rows(partnerships) -> list[dict]:
    """What each row of the list shows, worked out in Python: the template engine resolving a
    dozen lookups, two date filters and a URL per row cost 0.7 ms a row (36 ms a page of 50)."""
    base = reverse("partnerships:detail", args=[0]).removesuffix("0/")
    rows = []
    for p in partnerships:
        state = p.state
        rows.append(
            {
                "url": f"{base}{p.pk}/",
                "region": p.ukrainian_region.name,
                "confidential": p.confidential,
                "is_demo": p.is_demo,
                "partner": p.partner_display,
                "partner_name": p.partner_name,  # a lib.i18n.Shown: marked if in the other language
                "stage": state.stage,
                "stage_label": state.label,
                "since": state.since.isoformat() if state.since else "—",
                "spheres": ", ".join(sphere.name for sphere in p.spheres.all()),
                "next_step": p.next_step or "—",  # (as the partner's name)
                "due": p.next_step_due.isoformat() if p.next_step_due else "",
            }
        )
    return rows


# What the list page exports (`?format=csv|xlsx&list=…`): its partnerships, or their activities.
PAGE_LISTS = ("partnerships", "activities")

EXPORT_HEADER = [
    "id",
    "ukrainian_region_code",
    "ukrainian_region_en",
    "ukrainian_region_uk",
    "ukrainian_side",
    "ukrainian_side_uk",
    "ukrainian_side_en",
    "partner_region_code",
    "partner_region_en",
    "partner_region_uk",
    "partner_name",
    "partner_name_uk",
    "partner_name_en",
    "stage",
    "since",
    "spheres",
    "confidential",
    "next_step",
    "next_step_uk",
    "next_step_en",
    "next_step_due",
]


# What an export row reads: plain columns, not model instances (four a row, with the regions,
# which cost ten times the rest of the export at scale).
EXPORT_COLUMNS = (
    "pk",
    "ukrainian_region__code",
    "ukrainian_region__name_en",
    "ukrainian_region__name_uk",
    "ukrainian_side_uk",
    "ukrainian_side_en",
    "partner_region__code",
    "partner_region__name_en",
    "partner_region__name_uk",
    "partner_name_uk",
    "partner_name_en",
    "day_stage",  # the state on the list's day, as Partnership.state reads it
    "day_since",
    "confidential",
    "next_step_uk",
    "next_step_en",
    "next_step_due",
)


def export_table(items) -> tuple[list[str], Iterable[list]]:
    """The list as a file shows it: every row the page would page through (its filters, its
    order, the viewer's sight), read in chunks with their spheres (a few queries, whatever the
    count); typed values (dates, booleans) that CSV and XLSX each write their way."""
    language = reader_language()  # once, not per value
    found = selectors.with_sphere_codes(rows_from(items.values(*EXPORT_COLUMNS)))
    rows = (
        [
            r["pk"],
            r["ukrainian_region__code"],
            r["ukrainian_region__name_en"],
            r["ukrainian_region__name_uk"],
            pick(r["ukrainian_side_uk"], r["ukrainian_side_en"], language),
            r["ukrainian_side_uk"],
            r["ukrainian_side_en"],
            r["partner_region__code"],
            r["partner_region__name_en"],
            r["partner_region__name_uk"],
            pick(r["partner_name_uk"], r["partner_name_en"], language),
            r["partner_name_uk"],
            r["partner_name_en"],
            r["day_stage"] or None,
            r["day_since"],
            r["spheres"],
            r["confidential"],
            pick(r["next_step_uk"], r["next_step_en"], language),
            r["next_step_uk"],
            r["next_step_en"],
            r["next_step_due"],
        ]
        for r in found
    )
    return EXPORT_HEADER, rows


def activities_of(user, partnerships) -> QuerySet[Activity]:
    """The activities the user may see of these partnerships (directly, or through a link under
    one), newest first, with what their rows name."""
    ids = partnerships.order_by().values("pk")
    return (
        policy.visible(user, Activity)
        .filter(Q(partnership__in=ids) | Q(link__partnership__in=ids))
        .select_related(*ACTIVITY_RELATED)
        .order_by("-starts_on", "-id")
    )


ACTIVITY_RELATED = (
    "sphere",
    "partnership__ukrainian_region",
    "partnership__partner_region",
    "link__ukrainian_institution",
    "link__partner_institution",
)
ACTIVITY_HEADER = [
    "id",
    "kind",
    "title",
    "title_uk",
    "title_en",
    "starts_on",
    "ends_on",
    "sphere",
    "partnership_id",
    "ukrainian_region_code",
    "partner",
    "link_id",
    "ukrainian_institution",
    "partner_institution",
    "public",
    "description",
    "outcome",
]


def activity_table(activities) -> tuple[list[str], Iterable[list]]:
    """Activities as files show them (the partnerships page's and the institutions page's)."""
    rows = (
        [
            a.pk,
            a.kind,
            a.title,
            a.title_uk,
            a.title_en,
            a.starts_on,
            a.ends_on,
            a.sphere.code if a.sphere else "",
            a.partnership_id,
            a.partnership.ukrainian_region.code if a.partnership else "",
            str(a.partnership.partner_display) if a.partnership else "",
            a.link_id,
            a.link.ukrainian_institution.name if a.link else "",
            a.link.partner_institution.name if a.link else "",
            a.is_public,
            a.description,
            a.outcome,
        ]
        for a in rows_from(activities)
    )
    return ACTIVITY_HEADER, rows


def _creatable_regions(user):
    """The Ukrainian regions the policy lets the user open a partnership in."""
    regions = Region.objects.filter(country__code="UA").order_by(name_order())
    allowed = [r.pk for r in regions if policy.can(user, Action.PARTNERSHIP_OPEN, r)]
    return regions.filter(pk__in=allowed)


@requires(Action.PARTNERSHIP_OPEN)
def partnership_create(request: HttpRequest) -> HttpResponse:
    regions = _creatable_regions(request.user)
    form = forms.PartnershipCreateForm(request.POST or None, regions=regions)
    if request.method == "POST" and form.is_valid():
        data = forms.bilingual_data(form.cleaned_data)
        data["spheres"] = list(data["spheres"])
        try:
            partnership = services.partnership_create(by=request.user, **data)
        except ValidationError as exc:
            _fail(form, exc)
        else:
            messages.success(request, _("Partnership opened."))
            return redirect("partnerships:detail", partnership.pk)
    return form_page(request, form, _("New partnership"))


@requires(Action.REGISTRY_BROWSE)
def partnership_detail(request: HttpRequest, pk: int) -> HttpResponse:
    partnership = selectors.access_partnership(request.user, pk)
    user = request.user
    context = {
        "partnership": partnership,
        "events": partnership.events.all(),
        "documents": selectors.documents_of(user, partnership),
        "links": policy.visible(user, InstitutionLink)
        .filter(partnership=partnership)
        .select_related("ukrainian_institution", "partner_institution"),
        "activities": policy.visible(user, Activity)
        .filter(partnership=partnership)
        .select_related("sphere"),
        "can_edit": policy.can(user, Action.PARTNERSHIP_EDIT, partnership),
        "can_record": policy.can(user, Action.EVENT_RECORD, partnership),
        "can_documents": policy.can(user, Action.DOCUMENT_ADD, partnership),
        "can_activity": policy.can(user, Action.ACTIVITY_CREATE, partnership),
        "event_form": forms.EventForm(initial={"occurred_on": timezone.localdate()}),
    }
    return render(request, "partnerships/detail.html", context)


@requires(Action.REGISTRY_BROWSE)
def partnership_edit(request: HttpRequest, pk: int) -> HttpResponse:
    partnership = selectors.access_partnership(request.user, pk)
    _allow(request, Action.PARTNERSHIP_EDIT, partnership)
    initial = {
        field: getattr(partnership, field)
        for field in (
            "ukrainian_lead",
            "partner_lead",
            "partner_kind",
            "confidential",
            "next_step_due",
        )
    }
    initial |= forms.bilingual_initial(partnership, "ukrainian_side", "partner_name", "next_step")
    initial["spheres"] = list(partnership.spheres.all())
    form = forms.PartnershipEditForm(
        request.POST or None,
        initial=initial,
        people=policy.visible(request.user, Person).select_related("organization"),
        partnership=partnership,
    )
    if request.method == "POST" and form.is_valid():
        data = forms.bilingual_data(form.cleaned_data)
        spheres = list(data.pop("spheres"))
        try:
            services.partnership_update(
                partnership=partnership, by=request.user, spheres=spheres, **data
            )
        except ValidationError as exc:
            _fail(form, exc)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("partnerships:detail", partnership.pk)
    return form_page(request, form, _("Edit partnership"), partnership=partnership)


@requires(Action.REGISTRY_BROWSE)
def event_create(request: HttpRequest, pk: int) -> HttpResponse:
    partnership = selectors.access_partnership(request.user, pk)
    _allow(request, Action.EVENT_RECORD, partnership)
    form = forms.EventForm(request.POST or None, initial={"occurred_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        data = forms.bilingual_data(form.cleaned_data)
        try:
            services.partnership_record_event(
                partnership=partnership, on=data.pop("occurred_on"), by=request.user, **data
            )
        except ValidationError as exc:
            _fail(form, exc)
        else:
            messages.success(request, _("Event recorded."))
            return redirect("partnerships:detail", partnership.pk)
    return form_page(request, form, _("Record an event"), partnership=partnership)


@requires(Action.REGISTRY_BROWSE)
def document_create(request: HttpRequest, pk: int) -> HttpResponse:
    partnership = selectors.access_partnership(request.user, pk)
    _allow(request, Action.DOCUMENT_ADD, partnership)
    form = forms.DocumentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            document = clearance.document_create(
                partnership=partnership, by=request.user, **forms.bilingual_data(form.cleaned_data)
            )
        except ValidationError as exc:
            _fail(form, exc)
        else:
            return redirect("partnerships:document", document.pk)
    return form_page(request, form, _("New document"), partnership=partnership)


def _document_page(request, document, *, status=200, **forms_given) -> HttpResponse:
    user = request.user
    partnership = document.partnership
    manage = policy.can(user, Action.DOCUMENT_MANAGE, document)
    pending = clearance.ministries_yet_to_decide(document, policy.clearing_ministries(user))
    review = bool(pending) and policy.can(user, Action.DOCUMENT_REVIEW, document)
    context = {
        "document": document,
        "partnership": partnership,
        "versions": document.versions.all(),
        "reviews": document.reviews.select_related("ministry"),
        "signatories": document.signatories.all(),
        "returned_comments": document.reviews.filter(
            round=document.review_round, decision="returned"
        ).select_related("ministry"),
        "can_manage": manage,
        "can_review": review,
        "upload_form": forms_given.get("upload_form") or forms.UploadForm(),
        "review_form": forms_given.get("review_form") or forms.ReviewForm(ministries=pending),
        "sign_form": forms_given.get("sign_form")
        or forms.SignForm(initial={"signed_on": timezone.localdate()}),
        "ministries": pending,
    }
    return render(request, "partnerships/document.html", context, status=status)


@requires(Action.REGISTRY_BROWSE)
def document_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _document_page(request, selectors.access_document(request.user, pk))


@requires(Action.REGISTRY_BROWSE)
@require_POST
def document_upload(request: HttpRequest, pk: int) -> HttpResponse:
    document = selectors.access_document(request.user, pk)
    _allow(request, Action.DOCUMENT_MANAGE, document)
    form = forms.UploadForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            clearance.document_add_version(
                document=document,
                language=form.cleaned_data["language"],
                upload=form.cleaned_data["file"],
                by=request.user,
            )
        except ValidationError as exc:
            form.add_error("file", exc)
        else:
            messages.success(request, _("Text uploaded."))
            return redirect("partnerships:document", document.pk)
    return _document_page(request, document, status=400, upload_form=form)


@requires(Action.REGISTRY_BROWSE)
@require_POST
def document_submit(request: HttpRequest, pk: int) -> HttpResponse:
    document = selectors.access_document(request.user, pk)
    _allow(request, Action.DOCUMENT_MANAGE, document)
    try:
        clearance.document_submit(document=document, by=request.user)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return _document_page(request, document, status=400)
    messages.success(request, _("Sent to the ministries for review."))
    return redirect("partnerships:document", document.pk)


@requires(Action.REGISTRY_BROWSE)
@require_POST
def document_review(request: HttpRequest, pk: int) -> HttpResponse:
    document = selectors.access_document(request.user, pk)
    _allow(request, Action.DOCUMENT_REVIEW, document)
    key = request.POST.get("ministry", "")
    pending = clearance.ministries_yet_to_decide(document, policy.clearing_ministries(request.user))
    # The decisions offered are those of the ministry named (or the only one still to decide);
    # which ministry the review counts for, the service decides.
    form = forms.ReviewForm(
        request.POST, ministries=[m for m in pending if m.key == key] or pending
    )
    if form.is_valid():
        try:
            clearance.document_review(
                document=document, ministry=key, by=request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            _fail(form, exc)
        else:
            return _next_in_queue(request)
    return _document_page(request, document, status=400, review_form=form)


def _next_in_queue(request: HttpRequest) -> HttpResponse:
    """After a decision, the next draft waiting for one (oldest first), or the queue."""
    following = selectors.review_next(request.user)
    if following is None:
        messages.success(request, _("Decision recorded. Nothing else waits for your decision."))
        return redirect("partnerships:reviews")
    messages.success(
        request,
        _("Decision recorded. Next in the queue: “%(document)s”.") % {"document": following},
    )
    return redirect("partnerships:document", following.pk)


@requires(Action.REGISTRY_BROWSE)
@require_POST
def document_sign(request: HttpRequest, pk: int) -> HttpResponse:
    document = selectors.access_document(request.user, pk)
    _allow(request, Action.DOCUMENT_MANAGE, document)
    form = forms.SignForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        place_uk, place_en = data["place"]
        try:
            clearance.document_sign(
                document=document,
                by=request.user,
                signed_on=data["signed_on"],
                place_uk=place_uk,
                place_en=place_en,
                online=data["online"],
                valid_until=data["valid_until"],
                signatories=form.signatories(),
            )
        except ValidationError as exc:
            _fail(form, exc)
        else:
            messages.success(request, _("Signing recorded."))
            return redirect("partnerships:document", document.pk)
    return _document_page(request, document, status=400, sign_form=form)


@requires(Action.REGISTRY_BROWSE)
def version_download(request: HttpRequest, pk: int) -> FileResponse:
    version = get_object_or_404(policy.visible(request.user, DocumentVersion), pk=pk)
    return download(version)


@requires(Action.REVIEW_QUEUE_VIEW)
def review_queue(request: HttpRequest) -> HttpResponse:
    return render(
        request, "partnerships/reviews.html", {"documents": selectors.review_queue(request.user)}
    )


@requires(Action.REGISTRY_BROWSE)
def activity_create(request: HttpRequest, pk: int) -> HttpResponse:
    partnership = selectors.access_partnership(request.user, pk)
    _allow(request, Action.ACTIVITY_CREATE, partnership)
    form = forms.ActivityForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.activity_create(
                by=request.user, target=partnership, **forms.bilingual_data(form.cleaned_data)
            )
        except ValidationError as exc:
            _fail(form, exc)
        else:
            messages.success(request, _("Activity recorded."))
            return redirect("partnerships:detail", partnership.pk)
    return form_page(request, form, _("Record an activity"), partnership=partnership)
