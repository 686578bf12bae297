"""Calendar files: one's own invitation to a meeting, and one's calendar feed (its page, and the
secret address calendar apps read without signing in)."""

from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from regionbridge.meetings import calendar, feeds, selectors
from regionbridge.meetings.invitations import invitation_for

CALENDAR_TYPE = "text/calendar; charset=utf-8"


def _calendar_response(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type=CALENDAR_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def invitation_file(request: HttpRequest, pk: int) -> HttpResponse:
    """The calendar file of the signed-in person's own invitation (after a cancellation, the
    cancellation): 404 for a meeting they may not see, and for one they are not invited to."""
    meeting = selectors.access_meeting(request.user, pk)
    data = invitation_for(request.user, meeting)
    if data is None:
        raise Http404
    return _calendar_response(data, f"meeting-{meeting.pk}.ics")


@never_cache  # the page shows a new address once: no copy of it anywhere
@login_required
def feed_manage(request: HttpRequest) -> HttpResponse:
    """Make (or make anew) and end one's calendar feed address; it is shown once, when made."""
    new_address = ""
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "create":
            _feed, token = feeds.feed_create(user=request.user)
            new_address = request.build_absolute_uri(reverse("meetings:feed", args=[token]))
        elif action == "revoke":
            if feeds.feed_revoke(user=request.user):
                flash.success(request, _("Your calendar address no longer works."))
            return redirect("meetings:feed_manage")
        else:
            return HttpResponseBadRequest(_("Choose to create or to end the address."))
    context = {
        "feed": feeds.active_feed(request.user),
        "new_address": new_address,
        "past_days": feeds.PAST_DAYS,
    }
    return render(request, "meetings/calendar_feed.html", context)


@require_GET
def feed(request: HttpRequest, token: str) -> HttpResponse:
    """The feed itself: no sign-in (calendar apps cannot), the secret address is the key;
    404 for an address unknown or ended."""
    found = feeds.feed_reader(token)
    if found is None:
        raise Http404
    user = found.user
    with translation.override(user.language or None):
        data = calendar.feed(feeds.feed_meetings(user), user)
    response = HttpResponse(data, content_type=CALENDAR_TYPE)
    response["Cache-Control"] = "private, no-store"
    response["Content-Disposition"] = 'inline; filename="regionbridge.ics"'
    return response
