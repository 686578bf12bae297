"""The person's notifications: the list behind the bell, and "mark all as read"."""

from django import forms
from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from regionbridge.outbox import notifications

PAGE_SIZE = 30


class ReadForm(forms.Form):
    upto = forms.IntegerField(min_value=1, max_value=2**63 - 1, widget=forms.HiddenInput)


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    mine = notifications.notifications_for(request.user)
    page = Paginator(mine, PAGE_SIZE).get_page(request.GET.get("page"))
    items = [(row, notifications.text_of(row)) for row in page.object_list]
    newest = items[0][0].pk if items and page.number == 1 else None
    return render(request, "outbox/list.html", {"page": page, "items": items, "newest": newest})


@login_required
@require_POST
def notifications_read(request: HttpRequest) -> HttpResponse:
    """Everything up to the newest notification the page showed: what came since stays unread."""
    form = ReadForm(request.POST)
    if form.is_valid():
        notifications.mark_read(user=request.user, upto=form.cleaned_data["upto"])
        flash.success(request, _("All notifications are marked as read."))
    else:
        flash.error(request, _("Nothing was marked: reload the page and try again."))
    return redirect("outbox:notifications")
