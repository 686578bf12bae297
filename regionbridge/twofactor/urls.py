from django.urls import path

from regionbridge.twofactor import views

app_name = "twofactor"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("verify/", views.verify, name="verify"),
    path("totp/", views.totp, name="totp"),
    path("totp/remove/", views.totp_remove, name="totp_remove"),
    path("passkeys/<int:passkey_id>/remove/", views.passkey_remove, name="passkey_remove"),
    path("recovery-codes/", views.recovery, name="recovery"),
    # The WebAuthn ceremonies (django-otp-webauthn's JSON views, audited here).
    path(
        "passkeys/registration/begin/",
        views.PasskeyRegisterBegin.as_view(),
        name="passkey_register_begin",
    ),
    path(
        "passkeys/registration/complete/",
        views.PasskeyRegisterComplete.as_view(),
        name="passkey_register_complete",
    ),
    path(
        "passkeys/authentication/begin/",
        views.PasskeyVerifyBegin.as_view(),
        name="passkey_verify_begin",
    ),
    path(
        "passkeys/authentication/complete/",
        views.PasskeyVerifyComplete.as_view(),
        name="passkey_verify_complete",
    ),
]
