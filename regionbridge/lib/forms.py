"""Form fields shared by the apps."""

from django import forms
from django.core.exceptions import ValidationError

INT64 = range(-(2**63), 2**63)


class ModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Django's, except that an id beyond 64 bits is refused like any unknown choice
    (SQLite cannot bind it in `IN (...)`: OverflowError, a 500)."""

    def _check_values(self, value):
        try:
            return super()._check_values(value)
        except OverflowError:
            beyond = [v for v in value if str(v).lstrip("-").isdigit() and int(v) not in INT64]
            raise ValidationError(
                self.error_messages["invalid_choice"],
                code="invalid_choice",
                params={"value": beyond[0] if beyond else ""},
            ) from None
