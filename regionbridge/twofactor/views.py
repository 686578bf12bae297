import json
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn import exceptions as webauthn_errors
from django_otp_webauthn import views as webauthn
from django_otp_webauthn.models import WebAuthnCredential

from regionbridge.accounts.sessions import sessions_end_others
from regionbridge.lib.urls import local_path
from regionbridge.twofactor import gate, qr, services
from regionbridge.twofactor.forms import AppCodeForm, CodeForm
from regionbridge.twofactor.models import RecoveryCodes

RECOVERY_LOW = 3  # codes left, at which the person is told to make new ones
TOTP_SETUP = "rb_totp_setup"  # the session remembers which unconfirmed app secret it showed


def _next_url(request: HttpRequest) -> str:
    return local_path(request.POST.get("next") or request.GET.get("next"), reverse("core:home"))


def _verified(request: HttpRequest) -> bool:
    return bool(request.session.get(DEVICE_ID_SESSION_KEY))


def _factor_changed(request: HttpRequest) -> None:
    """After a factor is added or removed, no other session of the person stays signed in."""
    sessions_end_others(
        request.user,
        keep_session_key=request.session.session_key,
        by=request.user,
        reason="second factor changed",
    )


def _overview(request, *, codes=None, status=200):
    factors = services.factors_of(request.user)
    context = {
        "factors": factors,
        "state": gate.pending(request),
        "required": gate.required_for(request.user),
        "verified": _verified(request),
        "new_codes": codes,
    }
    return render(request, "twofactor/overview.html", context, status=status)


@never_cache
@login_required
def overview(request: HttpRequest) -> HttpResponse:
    return _overview(request)


@never_cache
@login_required
def verify(request: HttpRequest) -> HttpResponse:
    if gate.pending(request) != gate.VERIFY:
        return HttpResponseRedirect(_next_url(request))
    factors = services.factors_of(request.user)
    if not factors.any and factors.recovery_left is None:  # the factors went (e.g. an admin)
        request.session[gate.STATE] = gate.state_for(request.user)
        return HttpResponseRedirect(_next_url(request))
    form = CodeForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            device = services.code_verify(request.user, form.cleaned_data["code"])
            if device is not None:
                otp_login(request, device)
                left = services.recovery_left_after(device)
                if left is not None and left <= RECOVERY_LOW:
                    messages.warning(
                        request,
                        ngettext(
                            "You have %(count)d recovery code left: make new ones now.",
                            "You have %(count)d recovery codes left: make new ones now.",
                            left,
                        )
                        % {"count": left},
                    )
                return HttpResponseRedirect(_next_url(request))
            form.add_error(
                "code", _("This code is not right, or it was used already. Try again in a moment.")
            )
    target = _next_url(request)
    context = {"form": form, "factors": factors, "next": target, "next_encoded": quote(target)}
    return render(request, "twofactor/verify.html", context, status=status)


@never_cache
@login_required
def totp(request: HttpRequest) -> HttpResponse:
    """Set up the authenticator app: show the secret (QR and text), take its first code."""
    form = AppCodeForm(request.POST or None)
    device_id = request.session.get(TOTP_SETUP)
    device = TOTPDevice.objects.filter(user=request.user, pk=device_id, confirmed=False).first()
    if request.method == "POST" and device is not None:
        if form.is_valid():
            try:
                device = services.totp_confirm(
                    request.user, device_id=device.pk, code=form.cleaned_data["code"]
                )
            except ValidationError as exc:
                form.add_error("code", exc)
            else:
                del request.session[TOTP_SETUP]
                return _factor_added(request, device)
        status = 400
    else:
        if request.method == "POST":
            messages.error(request, _("This set-up has expired. Start again."))
        try:
            device = services.totp_begin(request.user)
        except ValidationError as exc:
            messages.error(request, exc.messages[0])
            return redirect("twofactor:overview")
        request.session[TOTP_SETUP] = device.pk
        status = 200
    context = {
        "form": form,
        "secret": qr.secret_text(device),
        "qr_svg": qr.svg(device.config_url),
    }
    return render(request, "twofactor/totp.html", context, status=status)


def _factor_added(request: HttpRequest, device) -> HttpResponse:
    if not _verified(request):
        otp_login(request, device)  # adding a factor in a session that had none passes it
    request.session[gate.STATE] = gate.VERIFY
    _factor_changed(request)
    if not RecoveryCodes.objects.filter(user=request.user).exists():  # the first factor
        return _overview(request, codes=services.recovery_issue(request.user))
    messages.success(request, _("Second factor added."))
    return redirect("twofactor:overview")


def _require_verified(request: HttpRequest) -> HttpResponse | None:
    """Changing factors needs a session that passed one (or has none to pass)."""
    if gate.pending(request) is not None:
        return redirect("twofactor:overview")
    return None


@login_required
@require_POST
def recovery(request: HttpRequest) -> HttpResponse:
    if (refused := _require_verified(request)) is not None:
        return refused
    if not services.factors_of(request.user).any:
        messages.error(request, _("Add a passkey or an authenticator app first."))
        return redirect("twofactor:overview")
    return _overview(request, codes=services.recovery_issue(request.user))


def _remove(request: HttpRequest, device) -> HttpResponse:
    if (refused := _require_verified(request)) is not None:
        return refused
    try:
        services.factor_remove(request.user, device)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
        return redirect("twofactor:overview")
    # This session stays verified by another factor if one is left, else it is back to no factor.
    remaining = services.device_any(request.user)
    if remaining is not None:
        otp_login(request, remaining)
    else:
        request.session.pop(DEVICE_ID_SESSION_KEY, None)
        request.session[gate.STATE] = gate.state_for(request.user)
    _factor_changed(request)
    messages.success(request, _("Second factor removed."))
    return redirect("twofactor:overview")


@login_required
@require_POST
def totp_remove(request: HttpRequest) -> HttpResponse:
    device = get_object_or_404(TOTPDevice, user=request.user, confirmed=True)
    return _remove(request, device)


@login_required
@require_POST
def passkey_remove(request: HttpRequest, passkey_id: int) -> HttpResponse:
    device = get_object_or_404(WebAuthnCredential, user=request.user, pk=passkey_id)
    return _remove(request, device)


# --- WebAuthn ceremonies: the library's views, audited and kept to this site's rules -----------


class PasskeyRegisterBegin(webauthn.BeginCredentialRegistrationView):
    def check_can_register(self):
        if gate.pending(self.request) == gate.VERIFY:
            raise webauthn_errors.NotVerified()


class PasskeyRegisterComplete(webauthn.CompleteCredentialRegistrationView):
    def check_can_register(self):
        if gate.pending(self.request) == gate.VERIFY:
            raise webauthn_errors.NotVerified()

    def post(self, *args, **kwargs):
        response = super().post(*args, **kwargs)
        device = WebAuthnCredential.objects.get(pk=json.loads(response.content)["id"])
        services.passkey_added(self.request.user, device)
        self.request.session[gate.STATE] = gate.VERIFY
        _factor_changed(self.request)
        return response


class PasskeyVerifyBegin(webauthn.BeginCredentialAuthenticationView):
    pass


class PasskeyVerifyComplete(webauthn.CompleteCredentialAuthenticationView):
    def complete_auth(self, device):
        if not self.request.user.is_authenticated or device.user_id != self.request.user.pk:
            raise webauthn_errors.CredentialNotFound()
        otp_login(self.request, device)
        services.passkey_passed(self.request.user, device)

    def get_success_url(self):
        return _next_url(self.request)
