from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from regionbridge import policy
from regionbridge.accounts import services, sessions
from regionbridge.accounts.forms import PreferencesForm, SignInForm, TokenForm
from regionbridge.accounts.models import ApiToken, SignedInSession
from regionbridge.audit.services import audit_record
from regionbridge.core.middleware import remember_language


class SignInView(LoginView):
    form_class = SignInForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form):
        response = super().form_valid(form)
        user = form.get_user()
        audit_record(actor=user, action="user.signed_in", target=user)
        # The account's language wins over whatever the browser had.
        remember_language(response, user.language)
        return response


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        audit_record(actor=request.user, action="user.signed_out", target=request.user)
    logout(request)
    return redirect(settings.LOGOUT_REDIRECT_URL)


def _active_tokens(user):
    return policy.visible(user, ApiToken).filter(revoked_at__isnull=True)


def _profile_page(request, *, preferences=None, token_form=None, new_token=None, status=200):
    user = request.user
    context = {
        "preferences": preferences
        or PreferencesForm(
            initial={
                "full_name": user.full_name,
                "full_name_en": user.full_name_en,
                "language": user.language,
                "timezone": user.timezone,
                "notification_mode": user.notification_mode,
                "work_days": list(user.work_days),
                "work_start": user.work_start,
                "work_end": user.work_end,
                "holiday_calendar": user.holiday_calendar,
            }
        ),
        "token_form": token_form or TokenForm(),
        "new_token": new_token,
        "tokens": _active_tokens(user),
        "roles": user.role_assignments.select_related("region", "organization"),
    }
    return render(request, "accounts/profile.html", context, status=status)


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _profile_page(request)
    form = PreferencesForm(
        request.POST, initial={"holiday_calendar": request.user.holiday_calendar}
    )
    if form.is_valid():
        try:
            services.user_set_preferences(
                user=request.user,
                language=form.cleaned_data["language"],
                tz=form.cleaned_data["timezone"],
                notifications=form.cleaned_data["notification_mode"],
                # A form without the name fields (an older page, a script) leaves the names be.
                **{
                    field: form.cleaned_data[field]
                    for field in ("full_name", "full_name_en")
                    if field in request.POST
                },
                **form.working_hours(),
            )
        except ValidationError as exc:
            form.add_error("timezone", exc)
        else:
            messages.success(request, _("Preferences saved."))
            response = redirect("accounts:profile")
            remember_language(response, request.user.language)
            return response
    return _profile_page(request, preferences=form, status=400)


@login_required
@require_POST
def token_create(request: HttpRequest) -> HttpResponse:
    form = TokenForm(request.POST)
    if not form.is_valid():
        return _profile_page(request, token_form=form, status=400)
    try:
        _token, plain = services.token_issue(
            user=request.user,
            name=form.cleaned_data["name"],
            expires_on=form.cleaned_data["expires_on"],
            read_only=form.cleaned_data["read_only"],
        )
    except ValidationError as exc:
        form.add_error("expires_on", exc)
        return _profile_page(request, token_form=form, status=400)
    # Shown once, on this response only; never stored in plain text.
    return _profile_page(request, new_token=plain)


@login_required
@require_POST
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    token = get_object_or_404(policy.visible(request.user, ApiToken), pk=token_id)
    services.token_revoke(token=token, by=request.user)
    messages.success(request, _("Token revoked."))
    # The sessions page revokes tokens too, and its people should land back on it.
    if request.POST.get("back") == "sessions":
        return redirect("accounts:sessions")
    return redirect("accounts:profile")


@login_required
def session_list(request: HttpRequest) -> HttpResponse:
    """Where the person is signed in, and their API tokens: each can be ended here."""
    context = {
        "signed_in": list(
            sessions.sessions_active(
                user=request.user, current_session_key=request.session.session_key
            )
        ),
        "tokens": _active_tokens(request.user),
        "limit": sessions.LIST_LIMIT,
    }
    return render(request, "accounts/sessions.html", context)


@login_required
@require_POST
def session_end(request: HttpRequest, record_id: int) -> HttpResponse:
    try:
        ended = sessions.session_end(request.user, record_id, by=request.user)
    except SignedInSession.DoesNotExist:
        raise Http404 from None
    if ended.session_key == request.session.session_key:
        logout(request)
        messages.success(request, _("You ended this session and are signed out."))
        return redirect(settings.LOGOUT_REDIRECT_URL)
    messages.success(request, _("Session ended. That device is signed out."))
    return redirect("accounts:sessions")


@login_required
@require_POST
def sessions_end_others(request: HttpRequest) -> HttpResponse:
    ended = sessions.sessions_end_others(
        request.user, keep_session_key=request.session.session_key, by=request.user
    )
    if ended:
        text = ngettext(
            "%(count)d other session ended.", "%(count)d other sessions ended.", ended
        ) % {"count": ended}
    else:
        text = _("You were not signed in anywhere else.")
    messages.success(request, text)
    return redirect("accounts:sessions")
