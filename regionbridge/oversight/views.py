"""The oversight dashboard: the state of play of the viewer's part of the picture on a day."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from regionbridge import policy
from regionbridge.core.access import requires
from regionbridge.oversight import charts, selectors
from regionbridge.oversight.dashboard_forms import PeriodForm
from regionbridge.oversight.part import oversees_everything


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
    series = selectors.activity_series(user, as_of=as_of)
    context = {
        # The dates in effect, filled in (an empty field would hide which day is shown).
        "form": PeriodForm(initial={"as_of": as_of, "since": since}),
        "as_of": as_of,
        "since": since,
        "is_today": as_of == timezone.localdate(),
        "everything": oversees_everything(user),
        "figures": selectors.figures(user, as_of=as_of, since=since),
        "table": selectors.region_rows(user, as_of=as_of),
        "stalled": selectors.stalled(user, as_of=as_of),
        "stalled_after": selectors.STALLED_AFTER_DAYS,
        "upcoming": selectors.upcoming(user, as_of=as_of),
        "clearance": selectors.clearance_waits(user, as_of=as_of),
        "series": series,
        "sphere_strips": charts.strips(series.by_sphere, series.months),
        "type_strips": charts.strips(series.by_institution_type, series.months),
        "month_labels": charts.month_labels(series.months),
    }
    return render(request, "oversight/dashboard.html", context)
