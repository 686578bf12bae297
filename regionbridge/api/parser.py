import json

from ninja.parser import Parser


class ObjectBodyParser(Parser):
    """Request bodies are JSON objects; a list, string or number is refused, not read as {}."""

    def parse_body(self, request):
        data = json.loads(request.body)
        if not isinstance(data, dict):
            raise ValueError("The request body must be a JSON object.")
        return data
