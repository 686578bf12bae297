import json

from ninja.parser import Parser


def _unstorable(text: str) -> str | None:
    """What in the text no database can store: NUL (PostgreSQL refuses it) or a lone surrogate
    (a `\\ud800` escape without its pair, which is not UTF-8 at all)."""
    if "\x00" in text:
        return "a NUL character"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "a lone surrogate (\\ud800-\\udfff)"
    return None


def _find_unstorable(value) -> str | None:
    if isinstance(value, str):
        return _unstorable(value)
    if isinstance(value, dict):
        value = [part for item in value.items() for part in item]
    if isinstance(value, list):
        for item in value:
            found = _find_unstorable(item)
            if found:
                return found
    return None


class ObjectBodyParser(Parser):
    """Request bodies are JSON objects; a list, string or number is refused, not read as {}.
    Text no database can store (NUL, lone surrogates) is refused too, in any field."""

    def parse_body(self, request):
        data = json.loads(request.body)
        if not isinstance(data, dict):
            raise ValueError("The request body must be a JSON object.")
        found = _find_unstorable(data)
        if found:
            raise ValueError(f"The request body contains {found}.")
        return data
