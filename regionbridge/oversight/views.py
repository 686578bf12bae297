"""The oversight dashboard: the state of play of the viewer's part of the picture on a day."""

from datetime import date

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.utils import timezone

from regionbridge import policy
from regionbridge.core import results
from regionbridge.core.access import requires
from regionbridge.oversight import charts, selectors
from regionbridge.oversight.dashboard_forms import PeriodForm
from regionbridge.oversight.part import oversees_everything
from regionbridge.regions.models import Region


@requires(policy.Action.OVERSIGHT_VIEW)
def dashboard(request: HttpRequest) -> HttpResponse:
    """`/oversight/`: figures per country and stage with their change, the regions' table,
    what comes next, who waits in clearance, and activity over time, all on `as_of`."""
    form = PeriodForm(request.GET)
    if not form.is_valid():
        # Said, and no blocks: today's picture would pass for the answer to the date asked.
        return render(request, "oversight/dashboard.html", {"form": form}, status=400)
    as_of, since = form.cleaned_data["as_of"], form.cleaned_data["since"]
    user = request.user
    today = as_of == timezone.localdate()
    context = {
        # The dates in effect, filled in (an empty field would hide which day is shown).
        "form": PeriodForm(initial={"as_of": as_of, "since": since}),
        "as_of": as_of,
        "since": since,
        "is_today": today,
        # Drawn once until the data under them changes: seconds of SQL at scale (decision 0013).
        **results.remember(
            "oversight.dashboard",
            (results.viewer(user), as_of, since, today),
            lambda: _blocks(user, as_of=as_of, since=since, is_today=today),
        ),
    }
    return render(request, "oversight/dashboard.html", context)


def _blocks(user, *, as_of: date, since: date, is_today: bool) -> dict:
    """The dashboard's blocks for `user` on `as_of`, with their changes since `since`, drawn:
    `everything` (whether the viewer oversees the whole picture) and `blocks` (their HTML)."""
    series = selectors.activity_series(user, as_of=as_of)
    table = selectors.region_rows(user, as_of=as_of)
    context = {
        "as_of": as_of,
        "since": since,
        "is_today": is_today,
        "stalled_after": selectors.STALLED_AFTER_DAYS,
        "figures": selectors.figures(user, as_of=as_of, since=since),
        "table": table,
        # The longest idle first, a few: the count is the regions' sum (no second count).
        "stalled": selectors.stalled(user, as_of=as_of) if table.stalled else [],
        "upcoming": selectors.upcoming(user, as_of=as_of),
        "clearance": selectors.clearance_waits(user, as_of=as_of),
        "series": series,
        "sphere_strips": charts.strips(series.by_sphere, series.months),
        "type_strips": charts.strips(series.by_institution_type, series.months),
        "month_labels": charts.month_labels(series.months),
    }
    return {
        "everything": oversees_everything(user),
        "blocks": render_to_string("oversight/_blocks.html", context),
    }


@requires(policy.Action.OVERSIGHT_VIEW)
def region(request: HttpRequest, code: str) -> HttpResponse:
    """`/oversight/regions/UA-18/`: one Ukrainian region's ties on `as_of`, a page at a time,
    those that stalled or are overdue first, with their last contact, next step and actions."""
    place = get_object_or_404(Region, country__code="UA", code=code.upper())
    form = PeriodForm(request.GET)
    context: dict = {"form": form, "region": place}
    if not form.is_valid():
        return render(request, "oversight/region.html", context, status=400)
    as_of = form.cleaned_data["as_of"]
    user, number = request.user, _page_asked(request.GET.get("page"))
    count, number, rows = results.remember(
        "oversight.region",
        (results.viewer(user), place.pk, as_of, as_of == timezone.localdate(), number),
        lambda: _region_page(user, place, as_of=as_of, number=number),
    )
    context.update(
        form=PeriodForm(initial={"as_of": as_of}),
        as_of=as_of,
        is_today=as_of == timezone.localdate(),
        # The pager over the count kept with the rows: no query.
        page=Paginator(range(count), selectors.REGION_PAGE).get_page(number),
        ties=rows,
        pager_extra=f"as_of={as_of.isoformat()}&",
    )
    return render(request, "oversight/region.html", context)


def _page_asked(raw: str | None) -> int | str:
    """The page asked for, as the pager reads it (a number or "last"; anything else is the
    first): so that odd values are not each a result kept."""
    if raw == "last":
        return raw
    return int(raw) if raw and raw.isascii() and raw.isdigit() and len(raw) <= 6 else 1


def _region_page(user, place: Region, *, as_of: date, number) -> tuple[int, int, list]:
    """(how many ties, the page's number, its rows) of one region's ties for `user`."""
    ties = selectors.region_ties(user, as_of=as_of, region=place)
    page = Paginator(ties, selectors.REGION_PAGE).get_page(number)
    return page.paginator.count, page.number, selectors.tie_rows(page.object_list, as_of)
