"""Tags for pages that show forms (templates/forms/)."""

from django import template
from django.forms import BaseForm, BoundField, Field
from django.utils.translation import gettext as _

register = template.Library()


@register.simple_tag(takes_context=True)
def error_title_prefix(context) -> str:
    """ "Error: " when the page shows a form with errors, for the start of its <title>, as
    GOV.UK does: a screen reader announces the title first."""
    for value in context.flatten().values():
        # type(), not isinstance(): a lazy value of a context processor must stay unevaluated.
        if issubclass(type(value), BaseForm) and value.is_bound and value.errors:
            return _("Error:") + " "
    return ""


# Widgets where a person picks rather than types.
CHOSEN = {
    "select",
    "radioselect",
    "checkboxselectmultiple",
    "selectmultiple",
    "clearablefile",
    "file",
}


@register.filter
def error_text(error: str, field: BoundField) -> str:
    """An error as the summary and the field say it: Django's "This field is required.", the same
    under every field, names the field instead (GOV.UK: say what to do, about which field)."""
    if str(error) != str(Field.default_error_messages["required"]):
        return error
    if field.widget_type in CHOSEN:
        return _("Choose “%(label)s”.") % {"label": field.label}
    return _("Fill in “%(label)s”.") % {"label": field.label}


@register.filter
def error_target(field: BoundField) -> str:
    """The element the summary's link for `field` leads to: its input, or the first input of a
    fieldset (radios, checkboxes, a MultiWidget's parts: `<id>_0`); "" for a hidden one."""
    if field.is_hidden:
        return ""
    if field.use_fieldset:
        return f"{field.auto_id}_0"
    return field.id_for_label
