"""The API's answers hold to /api/v1/openapi.json: every status an API test sees is documented
for its operation, and every JSON body fits the documented schema.

`answers_documented` is a fixture the API test modules use for all their tests
(`pytestmark`), so a route that starts answering something new fails the test that saw it
until its `response=` (`api.errors.answers`) says so. 5xx answers are left to the fuzzer
(tests/test_api_fuzz.py) and the fault tests; unknown paths and methods have no operation.
"""

import functools
import json
import re

import jsonschema_rs
import pytest
from django.test import Client
from django.urls import Resolver404, resolve

from regionbridge.api.api import api

API_PREFIX = "/api/v1/"


@functools.cache
def openapi() -> dict:
    return api.get_openapi_schema(path_prefix=API_PREFIX)


@functools.cache
def _validator(ref: str):
    return jsonschema_rs.validator_for({"$ref": ref, "components": openapi()["components"]})


def operation_of(response) -> tuple[str, dict] | None:
    """The documented operation (its label and definition) that answered, if any."""
    request = response.wsgi_request
    if not request.path.startswith(API_PREFIX):
        return None
    try:
        match = resolve(request.path_info)
    except Resolver404:  # no such path: no operation
        return None
    path = "/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", match.route)
    operation = openapi()["paths"].get(path, {}).get(request.method.lower())
    return (f"{request.method} {path}", operation) if operation else None


def assert_documented(response) -> None:
    found = operation_of(response)
    if found is None or response.status_code >= 500:
        return
    label, operation = found
    documented = operation["responses"].get(response.status_code) or operation["responses"].get(
        str(response.status_code)
    )
    assert documented is not None, (
        f"{label} answered {response.status_code}, which /api/v1/openapi.json does not list "
        f"({sorted(operation['responses'])}): declare it with api.errors.answers"
    )
    content_type = response.get("Content-Type", "").split(";")[0]
    media = documented.get("content", {}).get(content_type)
    if content_type != "application/json" or not media or response.streaming:
        return
    ref = media["schema"].get("$ref")
    if ref is None:
        return
    body = json.loads(response.content)
    errors = [error.message for error in _validator(ref).iter_errors(body)]
    assert not errors, f"{label} {response.status_code}: the body does not fit {ref}: {errors}"


@pytest.fixture
def answers_documented(monkeypatch):
    original = Client.request

    def request(self, **kwargs):
        response = original(self, **kwargs)
        assert_documented(response)
        return response

    monkeypatch.setattr(Client, "request", request)
