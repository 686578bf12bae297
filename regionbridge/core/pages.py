import math
from datetime import timedelta

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template import loader
from django.utils import timezone


def form_page(request: HttpRequest, form, title: str, **context) -> HttpResponse:
    """The shared form page; a POST that reaches it was refused, so it answers 400."""
    status = 400 if request.method == "POST" else 200
    return render(
        request, "partnerships/form.html", {"form": form, "title": title, **context}, status=status
    )


def try_again_page(
    request: HttpRequest,
    template: str,
    seconds: int,
    *,
    status: int = 429,
    without_request: bool = False,
) -> HttpResponse:
    """A page that says when to try again (`retry_at`, and the wait as `retry_at|timeuntil:
    counted_from`), with Retry-After. `without_request`: rendered without the context
    processors, which read the database (the template then must not extend base.html)."""
    seconds = max(1, math.ceil(seconds))
    retry_at = timezone.now() + timedelta(seconds=seconds)
    # Counted from a whole number of minutes before: 59 seconds are "1 minute", not "0 minutes".
    counted_from = retry_at - timedelta(minutes=math.ceil(seconds / 60))
    context = {"retry_at": retry_at, "counted_from": counted_from}
    if without_request:
        response = HttpResponse(loader.render_to_string(template, context), status=status)
    else:
        response = render(request, template, context, status=status)
    response["Retry-After"] = str(seconds)
    return response
