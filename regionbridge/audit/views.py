from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from regionbridge import policy
from regionbridge.audit.models import AuditEntry
from regionbridge.core.access import requires


@requires(policy.Action.AUDIT_VIEW)
def audit_log(request: HttpRequest) -> HttpResponse:
    entries = policy.visible(request.user, AuditEntry)
    action = request.GET.get("action", "").strip()[:80]
    if action:
        entries = entries.filter(action__startswith=action)
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    return render(request, "audit/log.html", {"page": page, "action": action})
