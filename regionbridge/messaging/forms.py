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


class RecipientsField(ModelMultipleChoiceField):
    """Chosen by id from the picker; the queryset is what the viewer may write to, so an id of
    someone hidden is refused exactly like an unknown one."""

    widget = forms.MultipleHiddenInput

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(*args, queryset=None, **kwargs)
        self.error_messages["invalid_choice"] = _("Choose people and offices from the list.")
        self.error_messages["invalid_pk_value"] = _("Choose people and offices from the list.")


class ThreadForm(forms.Form):
    """A new thread: whom to write to (people and offices from the directory, or addresses of
    people not in it), about what, and the first message with its attachments."""

    persons = RecipientsField(label=_("People"))
    organizations = RecipientsField(label=_("Whole offices (their members follow)"))
    people = forms.CharField(
        label=_("Someone not in the directory (e-mail addresses, one per line)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Someone without an account takes part by e-mail and can claim one later."),
    )
    subject = forms.CharField(label=_("Subject"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=ThreadKind.choices, initial=ThreadKind.TOPIC)
    body = forms.CharField(
        label=_("First message"),
        required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    files = MultipleFileField(label=_("Attachments (PDF, DOCX, ODT)"), required=False)
    partnership = forms.IntegerField(
        required=False, widget=forms.HiddenInput, min_value=1, max_value=2**63 - 1
    )
    next = forms.CharField(required=False, widget=forms.HiddenInput, max_length=2000)

    def __init__(self, *args, people=None, organizations=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["persons"].queryset = people
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

    def clean(self):
        data = super().clean()
        if not self.has_error("persons") and not self.has_error("people"):
            chosen = data.get("persons") or data.get("organizations") or data.get("people")
            if not chosen and not self.has_error("organizations"):
                self.add_error("persons", _("Choose at least one person or office to write to."))
        return data


class ParticipantForm(forms.Form):
    email = forms.EmailField(label=_("Add a person by e-mail"))


class NotificationForm(forms.Form):
    notification_mode = forms.ChoiceField(
        label=_("E-mail me about messages"), choices=NotificationMode.choices
    )
