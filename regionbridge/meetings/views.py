"""The meeting pages: my meetings, a new meeting, its page (answers, minutes, decisions, actions),
changing and cancelling it. Thin: each reads the form, calls one service, and renders; whoever
may not see a meeting gets 404 (as if it did not exist), whoever sees it but may not act 403."""

import zoneinfo
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from regionbridge import policy
from regionbridge.accounts.models import User
from regionbridge.core.access import requires
from regionbridge.lib.csvexport import (
    bad_format,
    export_format,
    export_query,
    export_response,
    rows_from,
)
from regionbridge.lib.timezones import timezone_city, timezone_label, timezone_names
from regionbridge.meetings import selectors, services
from regionbridge.meetings.forms import AnswerForm, DecisionForm, MeetingForm, MinutesForm
from regionbridge.meetings.models import Meeting
from regionbridge.messaging import selectors as messaging
from regionbridge.messaging.models import Participant, Thread
from regionbridge.organizations.models import Organization
from regionbridge.partnerships.models import Partnership
from regionbridge.partnerships.selectors import by_name

Action = policy.Action


# --- my meetings -------------------------------------------------------------------------------


@login_required
def meeting_list(request: HttpRequest) -> HttpResponse:
    """My meetings, upcoming first, then past; filtered by ?show= (coordinators may also list
    everyone's). A filter that cannot be applied is said, with a 400 and no table."""
    fmt = export_format(request.GET)
    if fmt is None:
        return bad_format()
    show = request.GET.get("show", "")
    shows_all = selectors.shows_all(request.user)
    choices = [s for s in selectors.SHOWS if s != "all" or shows_all]
    context: dict[str, Any] = {
        "show": show,
        "choices": choices,
        "can_create": policy.can(request.user, Action.MEETING_CREATE),
    }
    if show not in choices:
        context["bad_filter"] = True
        return render(request, "meetings/list.html", context, status=400)
    meetings = selectors.meetings_for(request.user, show)
    if fmt:
        return export_response(fmt, "meetings", *meeting_table(request.user, meetings))
    page = Paginator(meetings, selectors.PAGE_SIZE).get_page(request.GET.get("page"))
    context.update(
        page=page,
        meetings=page.object_list,
        pager_extra=_pager_extra(show),
        export_query=export_query(request.GET),
    )
    return render(request, "meetings/list.html", context)


MEETING_HEADER = [
    "id",
    "title",
    "status",
    "starts_at",
    "ends_at",
    "time_zone",
    "place",
    "online_link",
    "partnership_id",
    "partnership",
    "organizer",
    "my_answer",
]


def meeting_table(user: Any, meetings: Any) -> tuple[list[str], Iterable[list]]:
    """The list as a file: every meeting of the filter, in the page's order, its times in the
    reader's time zone (named in a column: a spreadsheet keeps no zone)."""
    zone = timezone.get_current_timezone_name()
    rows = (
        [
            m.pk,
            m.title,
            m.status,
            m.starts_at,
            m.ends_at,
            zone,
            m.place,
            m.online_link,
            m.partnership_id,
            str(m.partnership) if m.partnership else "",
            m.organizer.get_full_name() if m.organizer else "",
            m.my_answer or ("organizer" if m.organizer_id == user.pk else ""),
        ]
        for m in rows_from(meetings.select_related("organizer"))
    )
    return MEETING_HEADER, rows


def _pager_extra(show: str) -> str:
    return f"show={show}&" if show else ""


# --- the form ----------------------------------------------------------------------------------


def _zone(request: HttpRequest) -> str:
    """The viewer's own time zone: the form's default and the page's."""
    zone = getattr(request.user, "timezone", "") or timezone.get_current_timezone_name()
    return zone if zone in timezone_names() else "UTC"


def _ids(raw: Any) -> int | None:
    text = str(raw or "").strip()
    return int(text) if text.isascii() and text.isdigit() and 0 < int(text) < 2**63 else None


def _source_thread(user: Any, raw: Any) -> Thread | None:
    """The thread a meeting is arranged from, if `user` may read it (else None, as unknown)."""
    pk = _ids(raw)
    if pk is None:
        return None
    return policy.visible(user, Thread).select_related("partnership").filter(pk=pk).first()


def _accounts_of(thread: Thread | None, *, leaving_out: Any) -> Any:
    """The accounts taking part in `thread` (the organizer always stays, so is left out)."""
    if thread is None:
        return User.objects.none()
    taking_part = Participant.objects.filter(thread=thread, user__isnull=False).values("user")
    return User.objects.filter(pk__in=taking_part, is_active=True).exclude(pk=leaving_out)


def _form(
    request: HttpRequest, data: Any = None, *, invited: Any, editing: bool = False, **kwargs: Any
) -> MeetingForm:
    partnerships = None
    if not editing:
        partnerships = (
            policy.visible(request.user, Partnership)
            .select_related("ukrainian_region", "partner_region")
            .order_by(*by_name())
        )
    return MeetingForm(
        data,
        partnerships=partnerships,
        people=messaging.recipient_people(request.user),
        organizations=policy.visible(request.user, Organization),
        invited=invited.order_by("full_name", "id"),
        zone=_zone(request),
        **kwargs,
    )


SIMPLE_FIELDS = {
    "title": 200,
    "purpose": 20_000,
    "partnership": 20,
    "day": 10,
    "start": 5,
    "end": 5,
    "zone": 64,
    "people": 10_000,
    "place": 300,
    "online_link": 500,
    "agenda": 15_000,
}


def _from_utc(raw: Any, zone: str) -> datetime | None:
    """An ISO time from the planner (UTC unless it says otherwise), in `zone`; None if it is not
    one, or out of the years a meeting can be in."""
    try:
        moment = datetime.fromisoformat(str(raw or "").strip()[:40])
    except ValueError:
        return None
    if not 2000 <= moment.year <= 2100:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zoneinfo.ZoneInfo("UTC"))
    return moment.astimezone(zoneinfo.ZoneInfo(zone))


def _initial(source: Any, zone: str, thread: Thread | None) -> dict[str, Any]:
    """What the form starts with: what a link (the planner, a partnership, a thread) or the
    no-script search sent, each cut to its field's size."""
    initial: dict[str, Any] = {
        name: str(source.get(name, ""))[:size] for name, size in SIMPLE_FIELDS.items()
    }
    initial["zone"] = initial["zone"] if initial["zone"] in timezone_names() else zone
    starts = _from_utc(source.get("starts_at"), initial["zone"])
    ends = _from_utc(source.get("ends_at"), initial["zone"])
    if starts is not None:
        initial.update(day=starts.date(), start=starts.time().replace(second=0, microsecond=0))
    if ends is not None:
        initial["end"] = ends.time().replace(second=0, microsecond=0)
    if thread is not None:
        initial["thread"] = thread.pk
        initial["title"] = initial["title"] or thread.subject
        if thread.partnership_id and not initial["partnership"]:
            initial["partnership"] = thread.partnership_id
        guests = thread.participants.exclude(guest_email="").values_list("guest_email", flat=True)
        typed = [initial["people"]] if initial["people"] else []
        initial["people"] = "\n".join([*typed, *guests])
    return {key: value for key, value in initial.items() if value not in ("", None)}


def _form_page(
    request: HttpRequest,
    form: MeetingForm,
    *,
    meeting: Meeting | None = None,
    thread: Thread | None = None,
    status: int = 200,
) -> HttpResponse:
    """The form with its picker: the chosen people and offices as chips, the invited accounts
    as ticked boxes, and the no-script search's results."""
    source = request.POST if request.method == "POST" else None
    invited = list(form.fields["invited"].queryset)
    if source is not None:
        ticked = set(source.getlist("invited"))
        invited_ticked = [user for user in invited if str(user.pk) in ticked]
    else:
        invited_ticked = [
            user for user in invited if user.pk in set(form.initial.get("invited", []))
        ]
    chosen_people, chosen_offices = messaging.recipients_chosen(
        request.user,
        people=source.getlist("persons") if source is not None else form.initial.get("persons", []),
        offices=source.getlist("organizations")
        if source is not None
        else form.initial.get("organizations", []),
    )
    searched = source is not None and "find" in source
    query = source.get("q", "").strip()[:200] if searched else ""
    found = messaging.recipients_matching(request.user, query) if query else ([], [], False)
    context = {
        "form": form,
        "meeting": meeting,
        "from_thread": thread,
        "invited": invited,
        "invited_ticked": {user.pk for user in invited_ticked},
        "chosen_people": chosen_people,
        "chosen_offices": chosen_offices,
        "query": query,
        "found_people": found[0],
        "found_offices": found[1],
        "searched": searched,
        "zone_label": timezone_label(_zone(request)),
    }
    return render(request, "meetings/form.html", context, status=status)


def _add_errors(form: MeetingForm | Any, exc: ValidationError) -> None:
    for message in exc.messages:
        form.add_error(None, message)


@requires(Action.MEETING_CREATE)
def meeting_new(request: HttpRequest) -> HttpResponse:
    """A new meeting. A link may fill it in: `?partnership=`, `?thread=` (its subject,
    partnership and people), `?starts_at=`/`?ends_at=` (UTC, from the planner), `?people=`;
    an id the viewer may not use is left out without a word. The form's "Find" (without
    script) only looks people up."""
    source = request.POST if request.method == "POST" else request.GET
    thread = _source_thread(request.user, source.get("thread"))
    if request.method == "POST" and source.get("thread") and thread is None:
        raise Http404  # a link is forgiven an id it may not use; a meeting is not made on it
    invited = _accounts_of(thread, leaving_out=request.user.pk)
    if request.method == "POST" and "find" not in request.POST:
        form = _form(request, request.POST, invited=invited)
        if form.is_valid():
            data = form.cleaned_data
            try:
                meeting = services.meeting_create(
                    by=request.user,
                    title=data["title"],
                    starts_at=data["starts_at"],
                    ends_at=data["ends_at"],
                    people=data["people"],
                    users=[*data["invited"], *(person.user for person in data["persons"])],
                    organizations=list(data["organizations"]),
                    partnership=data["partnership"],
                    from_thread=thread,
                    purpose=data["purpose"],
                    place=data["place"],
                    online_link=data["online_link"],
                    agenda=data["agenda"],
                )
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                flash.success(request, _("The meeting is arranged; everyone invited is told."))
                return redirect("meetings:detail", meeting.pk)
        return _form_page(request, form, thread=thread, status=400)
    initial = _initial(source, _zone(request), thread)
    if request.method == "GET":
        initial["invited"] = [user.pk for user in invited]
        initial["organizations"] = (
            list(
                thread.participants.exclude(organization=None).values_list(
                    "organization", flat=True
                )
            )
            if thread is not None
            else []
        )
    form = _form(request, invited=invited, initial=initial)
    return _form_page(request, form, thread=thread)


# --- one meeting -------------------------------------------------------------------------------


def _other_times(meeting: Meeting, own: str) -> list[dict[str, Any]]:
    """The meeting's time where the other invitees are: one line per time zone."""
    own_day = meeting.starts_at.astimezone(zoneinfo.ZoneInfo(own)).date()
    return [
        {
            "zone": zone,
            "city": timezone_city(zone),
            "day_differs": meeting.starts_at.astimezone(zoneinfo.ZoneInfo(zone)).date() != own_day,
        }
        for zone in selectors.other_zones(meeting, own)
    ]


def _detail_page(
    request: HttpRequest,
    meeting: Meeting,
    *,
    status: int = 200,
    minutes_form: MinutesForm | None = None,
    decision_form: DecisionForm | None = None,
) -> HttpResponse:
    user = request.user
    named, through_offices = selectors.invitees(meeting)
    actions = list(selectors.actions_of(user, meeting))
    now = timezone.now()
    for action in actions:
        action.overdue = services.is_overdue(action, now=now)
    can_respond = policy.can(user, Action.MEETING_RESPOND, meeting)
    zone = _zone(request)
    context = {
        "meeting": meeting,
        "agenda": list(meeting.agenda.all()),
        "invitees": named,
        "through_offices": through_offices,
        "counts": selectors.answer_counts([*named, *through_offices]),
        "my_answer": services.answer_of(meeting, user) if can_respond else "",
        "can_respond": can_respond,
        "can_edit": policy.can(user, Action.MEETING_EDIT, meeting),
        "can_record": policy.can(user, Action.MEETING_RECORD, meeting),
        "from_thread_visible": meeting.from_thread_id is not None
        and policy.visible(user, Thread).filter(pk=meeting.from_thread_id).exists(),
        "zone_label": timezone_label(zone, meeting.starts_at),
        "other_times": _other_times(meeting, zone),
        "decisions": list(meeting.decisions.all()),
        "actions": actions,
        "minutes_form": minutes_form or MinutesForm(initial={"minutes": meeting.minutes}),
        "decision_form": decision_form or DecisionForm(),
        "is_past": meeting.ends_at < now,
    }
    return render(request, "meetings/detail.html", context, status=status)


@login_required
def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail_page(request, selectors.access_meeting(request.user, pk))


def _editable(request: HttpRequest, pk: int) -> Meeting:
    meeting = selectors.access_meeting(request.user, pk)
    if not policy.can(request.user, Action.MEETING_EDIT, meeting):
        raise PermissionDenied
    return meeting


def _edit_initial(meeting: Meeting, zone: str) -> dict[str, Any]:
    starts, ends = (
        moment.astimezone(zoneinfo.ZoneInfo(zone))
        for moment in (meeting.starts_at, meeting.ends_at)
    )
    rows = list(meeting.thread.participants.values_list("user", "organization", "guest_email"))
    return {
        "title": meeting.title,
        "purpose": meeting.purpose,
        "day": starts.date(),
        "start": starts.time(),
        "end": ends.time(),
        "zone": zone,
        "place": meeting.place,
        "online_link": meeting.online_link,
        "agenda": "\n".join(meeting.agenda.values_list("text", flat=True)),
        "people": "\n".join(guest for _user, _office, guest in rows if guest),
        "invited": [
            user for user, _office, _guest in rows if user and user != meeting.organizer_id
        ],
        "organizations": [office for _user, office, _guest in rows if office],
    }


@login_required
def meeting_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Change a meeting (its organizer, coordinators): a new time or place re-invites everyone;
    people taken off are sent a cancellation. A cancelled meeting is not changed."""
    meeting = _editable(request, pk)
    if meeting.is_cancelled:
        flash.error(request, _("This meeting was cancelled; arrange a new one."))
        return redirect("meetings:detail", meeting.pk)
    invited = _accounts_of(meeting.thread, leaving_out=meeting.organizer_id)
    if request.method == "POST" and "find" not in request.POST:
        form = _form(request, request.POST, invited=invited, editing=True)
        if form.is_valid():
            data = form.cleaned_data
            # The service names people by address; the page never shows an account's address.
            accounts = [*data["invited"], *(person.user for person in data["persons"])]
            try:
                services.meeting_update(
                    meeting=meeting,
                    by=request.user,
                    title=data["title"],
                    purpose=data["purpose"],
                    starts_at=data["starts_at"],
                    ends_at=data["ends_at"],
                    place=data["place"],
                    online_link=data["online_link"],
                    agenda=data["agenda"],
                    people=[*data["people"], *(account.email for account in accounts)],
                    organizations=list(data["organizations"]),
                )
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                flash.success(request, _("The meeting is changed."))
                return redirect("meetings:detail", meeting.pk)
        return _form_page(request, form, meeting=meeting, status=400)
    if request.method == "POST":  # the no-script search: the form as it was sent
        initial = _initial(request.POST, _zone(request), None)
    else:
        initial = _edit_initial(meeting, _zone(request))
    form = _form(request, invited=invited, editing=True, initial=initial)
    return _form_page(request, form, meeting=meeting)


@login_required
def meeting_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    """Asks first (GET), then cancels (POST); cancelling again changes nothing."""
    meeting = _editable(request, pk)
    if request.method == "POST":
        services.meeting_cancel(meeting=meeting, by=request.user)
        flash.success(request, _("The meeting is cancelled; everyone invited is told."))
        return redirect("meetings:detail", meeting.pk)
    return render(request, "meetings/cancel.html", {"meeting": meeting})


@login_required
@require_POST
def meeting_answer(request: HttpRequest, pk: int) -> HttpResponse:
    """My answer to the invitation: accept, maybe or decline (a later one replaces it)."""
    meeting = selectors.access_meeting(request.user, pk)
    form = AnswerForm(request.POST)
    if not form.is_valid():
        flash.error(request, _("Answer accept, maybe or decline."))
        return _detail_page(request, meeting, status=400)
    try:
        services.meeting_respond(
            meeting=meeting, answer=form.cleaned_data["answer"], by=request.user
        )
    except ValidationError as exc:
        flash.error(request, " ".join(exc.messages))
        return _detail_page(request, meeting, status=400)
    flash.success(request, _("Your answer is saved; the organizer is told."))
    return redirect(reverse("meetings:detail", args=[meeting.pk]) + "#answer")


@login_required
@require_POST
def meeting_minutes(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = selectors.access_meeting(request.user, pk)
    form = MinutesForm(request.POST)
    if form.is_valid():
        try:
            services.minutes_save(
                meeting=meeting, by=request.user, text=form.cleaned_data["minutes"]
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            flash.success(request, _("The minutes are saved."))
            return redirect(reverse("meetings:detail", args=[meeting.pk]) + "#minutes")
    elif not policy.can(request.user, Action.MEETING_RECORD, meeting):
        raise PermissionDenied
    return _detail_page(request, meeting, status=400, minutes_form=form)


@login_required
@require_POST
def decision_add(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = selectors.access_meeting(request.user, pk)
    form = DecisionForm(request.POST)
    if form.is_valid():
        try:
            services.decision_add(meeting=meeting, by=request.user, text=form.cleaned_data["text"])
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            flash.success(request, _("The decision is recorded."))
            return redirect(reverse("meetings:detail", args=[meeting.pk]) + "#decisions")
    elif not policy.can(request.user, Action.MEETING_RECORD, meeting):
        raise PermissionDenied
    return _detail_page(request, meeting, status=400, decision_form=form)
