"""Action items: new from a meeting or from a message, a person's list, one item and its changes.

Thin: each view finds the object through the policy (404 when it may not be seen), asks the
policy for the right (403), and leaves every rule to `services.action_add`/`action_update`.
"""

from collections.abc import Iterable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from regionbridge import policy
from regionbridge.lib.csvexport import (
    bad_format,
    export_format,
    export_query,
    export_response,
    rows_from,
)
from regionbridge.meetings import action_selectors as selectors
from regionbridge.meetings import services
from regionbridge.meetings.action_forms import (
    TITLE_LENGTH,
    ActionEditForm,
    ActionFilterForm,
    ActionForm,
    ActionStatusForm,
)
from regionbridge.meetings.models import ActionItem, ActionStatus, Meeting
from regionbridge.messaging.models import Message

Action = policy.Action
PER_PAGE = 50


def _people(users: Any, *also: Any) -> list:
    """The accounts an action's owner may be, by name (and whoever owns it now)."""
    people = list(users.order_by("full_name", "email"))
    known = {person.pk for person in people}
    return people + [person for person in also if person is not None and person.pk not in known]


def _first_line(body: str) -> str:
    """A message's first line of text, as the title an action taken from it starts with."""
    for line in body.splitlines():
        line = line.strip().lstrip("#>").strip()
        if line:
            return line[:TITLE_LENGTH]
    return ""


def _add(request: HttpRequest, form: ActionForm, **source: Any) -> ActionItem | None:
    """Add the action the valid form describes; a refusal by the service becomes a form error."""
    data = form.cleaned_data
    try:
        return services.action_add(
            by=request.user, title=data["title"], owner=data["owner"], due=data["due"], **source
        )
    except ValidationError as exc:
        for message in exc.messages:
            form.add_error(None, message)
    return None


def _form_page(request: HttpRequest, context: dict[str, Any]) -> HttpResponse:
    status = 400 if request.method == "POST" else 200
    return render(request, "meetings/action_form.html", context, status=status)


@login_required
def action_new(request: HttpRequest, pk: int) -> HttpResponse:
    """An action decided at a meeting; its owner is one of the meeting's people."""
    meeting = get_object_or_404(policy.visible(request.user, Meeting), pk=pk)
    if not policy.can(request.user, Action.MEETING_RECORD, meeting):
        raise PermissionDenied
    people = _people(policy.audience("meeting.invited", meeting))
    form = ActionForm(request.POST or None, people=people)
    if request.method == "POST" and form.is_valid():
        action = _add(request, form, meeting=meeting)
        if action is not None:
            messages.success(request, _("Action added."))
            return redirect("meetings:action", action.pk)
    return _form_page(request, {"form": form, "meeting": meeting})


@login_required
def action_from_message(request: HttpRequest, message_pk: int) -> HttpResponse:
    """An action taken from a message; its owner is one of the thread's readers."""
    message = get_object_or_404(
        policy.visible(request.user, Message).select_related("thread", "author"), pk=message_pk
    )
    thread = message.thread
    if not policy.can(request.user, Action.ACTION_CREATE, thread):
        raise PermissionDenied
    people = _people(policy.thread_readers(thread))
    initial = {"title": _first_line(message.body)}
    form = ActionForm(request.POST or None, people=people, initial=initial)
    if request.method == "POST" and form.is_valid():
        action = _add(request, form, message=message)
        if action is not None:
            messages.success(request, _("Action added."))
            return redirect("meetings:action", action.pk)
    return _form_page(request, {"form": form, "message": message, "thread": thread})


@login_required
def action_list(request: HttpRequest) -> HttpResponse:
    """My actions by status; for coordinators everyone's overdue ones, for office staff their
    colleagues' overdue ones. Filtered and paged in SQL."""
    fmt = export_format(request.GET)
    if fmt is None:
        return bad_format()
    follow_up = selectors.follow_up_view(request.user)
    form = ActionFilterForm(request.GET, follow_up=follow_up)
    context: dict[str, Any] = {"form": form, "follow_up": follow_up}
    if not form.is_valid():
        # Said, and no table: an unfiltered list would pass for the answer to the filter.
        return render(request, "meetings/action_list.html", context, status=400)
    show, status = form.cleaned_data["show"], form.cleaned_data["status"]
    if show == selectors.MINE:
        actions = selectors.by_status(selectors.actions_of(request.user), status)
        actions = actions.order_by("due", "id")
        if status in (ActionStatus.DONE, ActionStatus.DROPPED):
            actions = actions.order_by("-closed_at", "-id")
    else:
        actions = selectors.followed_overdue(request.user)
    if fmt:
        return export_response(fmt, "actions", *action_table(selectors.with_rows(actions)))
    page = Paginator(selectors.with_rows(actions), PER_PAGE).get_page(request.GET.get("page"))
    page.object_list = selectors.mark_late(list(page.object_list))
    context.update(
        show=show,
        status=status,
        page=page,
        statuses=selectors.STATUSES,
        pager_extra=f"show={show}&status={status}&",
        export_query=export_query(request.GET),
    )
    return render(request, "meetings/action_list.html", context)


ACTION_HEADER = [
    "id",
    "title",
    "owner",
    "due",
    "status",
    "overdue",
    "meeting_id",
    "meeting",
    "thread_id",
    "thread",
    "partnership_id",
    "closed_at",
]


def action_table(actions: Any) -> tuple[list[str], Iterable[list]]:
    """The list as a file: every action of the view, in the page's order; "overdue" in each
    owner's own time zone, as the page marks it."""
    rows = (
        [
            a.pk,
            a.title,
            a.owner.get_full_name(),
            a.due,
            a.status,
            services.is_overdue(a),
            a.meeting_id,
            a.meeting.title if a.meeting else "",
            a.thread_id,
            a.thread.subject if a.thread else "",
            a.partnership_id,
            a.closed_at,
        ]
        for a in rows_from(actions)
    )
    return ACTION_HEADER, rows


def _edit_form(request: HttpRequest, action: ActionItem, data: Any = None) -> ActionEditForm:
    if action.meeting is not None:
        readers = policy.audience("meeting.invited", action.meeting)
    else:
        readers = policy.thread_readers(action.thread)
    initial = {
        "status": action.status,
        "title": action.title,
        "owner": action.owner_id,
        "due": action.due,
    }
    return ActionEditForm(data, people=_people(readers, action.owner), initial=initial)


def _update(request: HttpRequest, action: ActionItem, form: Any) -> bool:
    try:
        services.action_update(action=action, by=request.user, **form.cleaned_data)
    except ValidationError as exc:
        for message in exc.messages:
            form.add_error(None, message)
        return False
    return True


@login_required
def action_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One action: what, who, by when, where it came from; its changes for those who may."""
    action = selectors.access_action(request.user, pk)
    may_edit = policy.can(request.user, Action.ACTION_EDIT, action)
    form = _edit_form(request, action) if may_edit else None
    if request.method == "POST":
        if not may_edit:
            raise PermissionDenied
        quick = request.POST.get("form") == "status"
        posted = (
            ActionStatusForm(request.POST) if quick else _edit_form(request, action, request.POST)
        )
        if posted.is_valid() and _update(request, action, posted):
            messages.success(request, _("Action saved."))
            return redirect("meetings:action", action.pk)
        if quick:
            messages.error(
                request, _("The status could not be changed: choose one of the buttons.")
            )
        else:
            form = posted
    context = {
        "action": action,
        "overdue": services.is_overdue(action),
        "form": form,
        "may_edit": may_edit,
    }
    return render(
        request,
        "meetings/action_detail.html",
        context,
        status=400 if request.method == "POST" else 200,
    )
