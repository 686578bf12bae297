from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from regionbridge.accounts.models import Language, NotificationMode
from regionbridge.lib.timezones import timezone_choices


class SignInForm(AuthenticationForm):
    # Not Django's "both fields may be case-sensitive": the address is not (clean_username).
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _(
            "Enter a correct e-mail address and password. Check them and try again."
        ),
    }
    username = forms.EmailField(
        label=_("E-mail"),
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
        error_messages={
            "required": _("Enter your e-mail address."),
            "invalid": _("Enter an e-mail address in the correct format, like name@example.org."),
        },
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        error_messages={"required": _("Enter your password.")},
    )

    def clean_username(self) -> str:
        return self.cleaned_data["username"].strip().lower()


class PreferencesForm(forms.Form):
    full_name = forms.CharField(
        label=_("Full name"),
        max_length=200,
        required=False,
        help_text=_("As you write it in Ukrainian (or your only form of it)."),
    )
    full_name_en = forms.CharField(
        label=_("Full name in Latin letters"),
        max_length=200,
        required=False,
        help_text=_("Shown to English readers, e.g. Olena Kovalenko."),
    )
    language = forms.ChoiceField(label=_("Interface language"), choices=Language.choices)
    timezone = forms.ChoiceField(label=_("Time zone"), choices=())
    notification_mode = forms.ChoiceField(
        label=_("E-mail me about messages"),
        choices=NotificationMode.choices,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Named zones; the one the account has (or is being given) stays a choice even when it
        # is not among the usual ones.
        current = self.data.get("timezone") or self.initial.get("timezone") or ""
        self.fields["timezone"].choices = timezone_choices(str(current)[:64])


class TokenForm(forms.Form):
    name = forms.CharField(
        label=_("Token name"),
        max_length=100,
        help_text=_("What the token is for, e.g. “reporting script”."),
    )
    expires_on = forms.DateField(
        label=_("Last day it works"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("Within a year. Leave empty for a token that works until you revoke it."),
    )
    read_only = forms.BooleanField(
        label=_("Read only"),
        required=False,
        help_text=_("It may read, but not create or change anything."),
    )
