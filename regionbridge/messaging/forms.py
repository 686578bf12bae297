from django import forms
from django.utils.translation import gettext_lazy as _

from regionbridge.accounts.models import NotificationMode
from regionbridge.lib.forms import ModelMultipleChoiceField
from regionbridge.messaging.models import ThreadKind


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ".pdf,.docx,.odt"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


class MessageForm(forms.Form):
    body = forms.CharField(
        label=_("Message"),
        required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Links, lists, *emphasis*; mention someone with @their e-mail."),
    )
    files = MultipleFileField(label=_("Attachments (PDF, DOCX, ODT)"), required=False)
    reply_to = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1)


MAX_PEOPLE = 100  # accounts and guests together; the service allows 20 guests a thread


class ThreadForm(forms.Form):
    subject = forms.CharField(label=_("Subject"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=ThreadKind.choices)
    people = forms.CharField(
        label=_("People (e-mail addresses, one per line)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Someone without an account takes part by e-mail and can claim one later."),
    )
    organizations = ModelMultipleChoiceField(
        queryset=None, required=False, label=_("Whole offices (their members follow)")
    )
    body = forms.CharField(
        label=_("First message"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    partnership = forms.IntegerField(
        required=False, widget=forms.HiddenInput, min_value=1, max_value=2**63 - 1
    )

    def __init__(self, *args, organizations=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organizations"].queryset = organizations

    def clean_people(self) -> list[str]:
        lines = [line.strip() for line in self.cleaned_data["people"].split() if line.strip()]
        if len(lines) > MAX_PEOPLE:
            raise forms.ValidationError(
                _("Name at most %(limit)s people at once (you named %(count)s).")
                % {"limit": MAX_PEOPLE, "count": len(lines)}
            )
        validator = forms.EmailField()
        return list(dict.fromkeys(validator.clean(line).lower() for line in lines))


class ParticipantForm(forms.Form):
    email = forms.EmailField(label=_("Add a person by e-mail"))


class NotificationForm(forms.Form):
    notification_mode = forms.ChoiceField(
        label=_("E-mail me about messages"), choices=NotificationMode.choices
    )
