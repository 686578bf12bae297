"""Form fields shared by the apps."""

from collections.abc import Iterable
from typing import Any

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


class CodeChoiceField(forms.ChoiceField):
    """A choice among codes (US, UA-18) shown by name: the query string keeps the code, so
    links and the API read the same; `us` reads as `US`."""

    def to_python(self, value):
        return super().to_python(value).strip().upper()


def named_choices(places: Iterable[Any], *, blank: str) -> list[tuple[str, str]]:
    """Countries or regions as choices: the code as value, the name in the page's language
    as label (the caller orders them, by `lib.collation.name_order()`), after `blank`."""
    return [("", blank), *((place.code, place.name) for place in places)]
