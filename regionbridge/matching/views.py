"""The pages of needs and offers: the list, a new one, its page with its suggestions, changing it
and its status, connecting a need with an offer, and the coordinators' overview.

Thin: each reads the form, calls one service or selector, and renders. Whoever may not see a post
gets 404 (as if it did not exist); whoever sees it but may not act, 403.
"""

from collections.abc import Iterable
from typing import Any

from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from regionbridge import policy
from regionbridge.core.access import requires
from regionbridge.lib.csvexport import (
    bad_format,
    export_format,
    export_query,
    export_response,
    rows_from,
)
from regionbridge.lib.i18n import pick
from regionbridge.matching import selectors, services
from regionbridge.matching.forms import FilterForm, PostForm, StatusForm
from regionbridge.matching.models import Post, PostKind, PostStatus

Action = policy.Action


def _language() -> str:
    return "uk" if (get_language() or "uk").startswith("uk") else "en"


# --- the list ---------------------------------------------------------------------------------


@requires(Action.POST_BROWSE)
def post_list(request: HttpRequest) -> HttpResponse:
    """Needs and offers, newest first, filtered by kind, status, sphere, region, type of
    institution, words and "ours"; a filter that cannot be applied is said (400, no table)."""
    fmt = export_format(request.GET)
    if fmt is None:
        return bad_format()
    form = FilterForm(request.GET)
    context: dict[str, Any] = {
        "form": form,
        "can_post": services.can_post_for(request.user).exists(),
        "can_overview": policy.can(request.user, Action.MATCHING_OVERVIEW),
    }
    if not form.is_valid():
        return render(request, "matching/list.html", context, status=400)
    data = form.cleaned_data
    posts = selectors.posts_for(
        request.user,
        selectors.PostFilter(
            kind=data["kind"],
            status=data["status"],
            sphere=data["sphere"],
            region=data["region"],
            institution_type=data["institution_type"],
            q=data["q"].strip(),
            mine=data["mine"],
        ),
    )
    if fmt:
        return export_response(fmt, "needs-and-offers", *post_table(posts))
    page = Paginator(posts, selectors.PAGE_SIZE).get_page(request.GET.get("page"))
    context.update(
        page=page,
        posts=page.object_list,
        pager_extra=export_query(request.GET),
        export_query=export_query(request.GET),
    )
    return render(request, "matching/list.html", context)


POST_HEADER = [
    "id",
    "kind",
    "title",
    "language",
    "status",
    "organization",
    "region",
    "sphere",
    "institution_type",
    "topics",
    "scale",
    "timing",
    "audience",
    "created_at",
]


def post_table(posts: Any) -> tuple[list[str], Iterable[list]]:
    rows = (
        [
            p.pk,
            p.kind,
            p.title,
            p.language,
            p.status,
            p.organization.name,
            p.region.code,
            p.sphere.code if p.sphere else "",
            p.institution_type,
            " ".join(p.topics or ()),
            p.scale,
            p.timing,
            p.audience,
            p.created_at,
        ]
        for p in rows_from(posts)
    )
    return POST_HEADER, rows


# --- new and changed --------------------------------------------------------------------------


def _apply(form: PostForm, exc: ValidationError) -> None:
    for message in exc.messages:
        form.add_error(None, message)


def _fields(data: dict[str, Any]) -> dict[str, Any]:
    organization = data["organization"]
    return {
        "title": data["title"],
        "description": data["description"],
        "sphere": data["sphere"],
        "topics": data["topics"],
        "institution_type": data["institution_type"],
        "region": data["region"] or organization.region,
        "organization": organization,
        "scale": data["scale"],
        "timing": data["timing"],
        "audience": data["audience"],
    }


def _form_page(
    request: HttpRequest, form: PostForm, kind: str, post: Post | None = None, *, status: int = 200
) -> HttpResponse:
    return render(
        request, "matching/form.html", {"form": form, "kind": kind, "post": post}, status=status
    )


@login_required
def post_new(request: HttpRequest, kind: str) -> HttpResponse:
    """A new need or offer, for one of the organizations the user may post for."""
    organizations = services.can_post_for(request.user)
    if not organizations.exists():
        raise PermissionDenied
    if request.method == "POST":
        form = PostForm(request.POST, organizations=organizations)
        if form.is_valid():
            data = form.cleaned_data
            try:
                post = services.post_create(by=request.user, kind=kind, **_fields(data))
            except ValidationError as exc:
                _apply(form, exc)
            else:
                flash.success(
                    request,
                    _("Posted. Possible partners appear here within a minute or two."),
                )
                return redirect("matching:detail", post.pk)
        return _form_page(request, form, kind, status=400)
    initial: dict[str, Any] = {}
    first = list(organizations.select_related("region")[:2])
    if len(first) == 1:  # one organization: chosen, with its region and type
        only = first[0]
        initial = {"organization": only.pk, "institution_type": only.institution_type}
        if only.region is not None:
            initial["region"] = only.region.code
    form = PostForm(initial=initial, organizations=organizations)
    return _form_page(request, form, kind)


@requires(Action.POST_BROWSE)
def post_edit(request: HttpRequest, pk: int) -> HttpResponse:
    post = selectors.access_post(request.user, pk)
    if not policy.can(request.user, Action.POST_EDIT, post):
        raise PermissionDenied
    organizations = _organizations_for_edit(request.user, post)
    if request.method == "POST":
        form = PostForm(request.POST, organizations=organizations)
        if form.is_valid():
            try:
                services.post_update(by=request.user, post=post, **_fields(form.cleaned_data))
            except ValidationError as exc:
                _apply(form, exc)
            else:
                flash.success(request, _("Saved. Its suggestions are being looked for again."))
                return redirect("matching:detail", post.pk)
        return _form_page(request, form, post.kind, post, status=400)
    form = PostForm(
        initial={
            "organization": post.organization_id,
            "title": post.title,
            "description": post.description,
            "sphere": post.sphere.code if post.sphere else "",
            "topics": list(post.topics or ()),
            "institution_type": post.institution_type,
            "region": post.region.code,
            "scale": post.scale,
            "timing": post.timing,
            "audience": post.audience,
        },
        organizations=organizations,
    )
    return _form_page(request, form, post.kind, post)


def _organizations_for_edit(user: Any, post: Post) -> Any:
    """Those the user may post for, and the post's own (a coordinator's edit keeps it)."""
    from regionbridge.organizations.models import Organization

    allowed = services.can_post_for(user).values("pk")
    return Organization.objects.filter(pk__in=allowed) | Organization.objects.filter(
        pk=post.organization_id
    )


@requires(Action.POST_BROWSE)
def post_status(request: HttpRequest, pk: int) -> HttpResponse:
    post = selectors.access_post(request.user, pk)
    if not policy.can(request.user, Action.POST_EDIT, post):
        raise PermissionDenied
    if request.method == "POST":
        form = StatusForm(request.POST)
        if form.is_valid():
            try:
                services.post_set_status(
                    by=request.user, post=post, status=form.cleaned_data["status"]
                )
            except ValidationError as exc:
                form.add_error(None, exc.messages[0])
            else:
                flash.success(request, _("The status is changed."))
                return redirect("matching:detail", post.pk)
        return render(request, "matching/status.html", {"form": form, "post": post}, status=400)
    form = StatusForm(initial={"status": post.status})
    return render(request, "matching/status.html", {"form": form, "post": post})


# --- one post ---------------------------------------------------------------------------------


@requires(Action.POST_BROWSE)
def post_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The post in its own language, and its suggestions in the reader's."""
    post = selectors.access_post(request.user, pk)
    suggestions = selectors.suggestions_for(request.user, post, _language())
    can_edit = policy.can(request.user, Action.POST_EDIT, post)
    scope = policy.scope_of(request.user)
    for suggestion in suggestions:  # a Connect button where the viewer may use it
        other = suggestion.other
        # The policy decides; it is asked only where the viewer might stand on the other side.
        theirs = other.author_id == request.user.pk or other.organization_id in scope.offices
        suggestion.can_connect = (
            scope.is_coordinator
            or can_edit
            or (
                theirs
                and policy.can(
                    request.user, Action.POST_CONNECT, (suggestion.need, suggestion.offer)
                )
            )
        )
    return render(
        request,
        "matching/detail.html",
        {
            "post": post,
            "suggestions": suggestions,
            "can_edit": can_edit,
            "is_open": post.status == PostStatus.OPEN,
            "is_need": post.kind == PostKind.NEED,
            "sphere_name": post.sphere.name if post.sphere else "",
            "topic_labels": _topic_labels(post.topics),
        },
    )


def _topic_labels(codes: Iterable[str]) -> list[str]:
    from regionbridge.matching.forms import topic_choices

    labels = dict(topic_choices())
    return [labels.get(code, code) for code in codes or ()]


@login_required
@require_POST
def post_connect(request: HttpRequest, pk: int, other: int) -> HttpResponse:
    """Open (or open again) the thread between a need's and an offer's organizations."""
    post = selectors.access_post(request.user, pk)
    partner = selectors.access_post(request.user, other)
    need, offer = (post, partner) if post.kind == PostKind.NEED else (partner, post)
    try:
        connection = services.connect(by=request.user, need=need, offer=offer)
    except ValidationError as exc:
        flash.error(request, exc.messages[0])
        return redirect("matching:detail", post.pk)
    return redirect("messaging:thread", connection.thread_id)


# --- the coordinators' overview ---------------------------------------------------------------


def overview(request: HttpRequest) -> HttpResponse:
    """Open needs without a suggestion, by region and by sphere, and the share of needs that
    found a partner; as a file with ?format=csv|xlsx. (An unknown format is said to anyone.)"""
    fmt = export_format(request.GET)
    if fmt is None:
        return bad_format()
    return _overview(request, fmt)


@requires(Action.MATCHING_OVERVIEW)
def _overview(request: HttpRequest, fmt: str) -> HttpResponse:
    figures = selectors.overview(request.user)
    if fmt:
        return export_response(fmt, "unmatched-needs", *overview_table(figures))
    return render(
        request,
        "matching/overview.html",
        {"overview": figures, "export_query": export_query(request.GET)},
    )


def overview_table(figures: selectors.Overview) -> tuple[list[str], Iterable[list]]:
    rows: list[list] = []
    for row in figures.by_region:
        name = pick(row["region__name_uk"] or "", row["region__name_en"] or "")
        rows.append(["region", row["region__code"], name, row["count"]])
    for row in figures.by_sphere:
        name = pick(row["sphere__name_uk"] or "", row["sphere__name_en"] or "")
        rows.append(["sphere", row["sphere__code"] or "", name, row["count"]])
    rows.append(["needs", "", _("All needs"), figures.needs])
    rows.append(["found", "", _("Needs that found a partner"), figures.found])
    return ["by", "code", "name", "unmatched_open_needs"], rows
