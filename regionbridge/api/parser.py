import json

from ninja.parser import Parser


def _has_nul(value) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(item) for item in value)
    return False


class ObjectBodyParser(Parser):
    """Request bodies are JSON objects; a list, string or number is refused, not read as {}.
    NUL characters are refused too: PostgreSQL cannot store them in text."""

    def parse_body(self, request):
        data = json.loads(request.body)
        if not isinstance(data, dict):
            raise ValueError("The request body must be a JSON object.")
        if _has_nul(data):
            raise ValueError("The request body contains a NUL character.")
        return data
