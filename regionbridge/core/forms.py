"""How forms render across the site."""

from django.forms.renderers import TemplatesSetting


class FormRenderer(TemplatesSetting):
    """Django's renderer over the project's template settings, with the site's field template:
    `{{ field.as_field_group }}` gives a label, the field, its hint and its errors."""

    field_template_name = "forms/field.html"
