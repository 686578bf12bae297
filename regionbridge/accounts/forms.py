from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from regionbridge.accounts.models import Language, NotificationMode


class SignInForm(AuthenticationForm):
    username = forms.EmailField(
        label=_("E-mail"),
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def clean_username(self) -> str:
        return self.cleaned_data["username"].strip().lower()


class PreferencesForm(forms.Form):
    language = forms.ChoiceField(label=_("Interface language"), choices=Language.choices)
    timezone = forms.CharField(label=_("Time zone"), max_length=64)
    notification_mode = forms.ChoiceField(
        label=_("E-mail me about messages"), choices=NotificationMode.choices
    )


class TokenForm(forms.Form):
    name = forms.CharField(
        label=_("Token name"),
        max_length=100,
        help_text=_("What the token is for, e.g. “reporting script”."),
    )
    expires_on = forms.DateField(
        label=_("Last day it works (optional)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("Within a year. Leave empty for a token that works until you revoke it."),
    )
    read_only = forms.BooleanField(
        label=_("Read only"),
        required=False,
        help_text=_("It may read, but not create or change anything."),
    )
