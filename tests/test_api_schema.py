"""/api/v1/openapi.json tells the truth about errors: every operation lists what it may answer,
with the JSON error body, and real answers (here, and in every API test through
`tests.api_contract.answers_documented`) are among them."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from regionbridge.accounts.services import token_issue
from regionbridge.messaging.services import message_post, thread_create
from tests.api_contract import (
    answers_documented,  # noqa: F401 (a fixture)
    assert_documented,
    openapi,
    operation_of,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("answers_documented")]

API = "/api/v1"
ALWAYS = {"400", "401", "429", "503"}  # a NUL byte, a wrong token, the rate limit, the database
ERROR_SCHEMAS = {"Message", "Refusal", "InvalidInput"}


def operations(spec: dict):
    for path, methods in spec["paths"].items():
        for method, operation in methods.items():
            yield f"{method.upper()} {path}", path, method, operation


def codes(operation: dict) -> set[str]:
    return {str(code) for code in operation["responses"]}


def bearer(user, **kwargs) -> dict[str, str]:
    return {"Authorization": f"Bearer {token_issue(user=user, name='schema', **kwargs)[1]}"}


def test_the_served_schema_is_the_one_the_tests_check(client):
    response = client.get(f"{API}/openapi.json")
    assert response.status_code == 200
    assert json.loads(response.content) == json.loads(json.dumps(openapi()))


def test_every_operation_lists_the_errors_it_may_answer():
    missing = {}
    for label, path, method, operation in operations(openapi()):
        expected = set(ALWAYS)
        if operation.get("parameters") or operation.get("requestBody"):
            expected.add("422")
        if operation.get("requestBody"):
            expected.add("413")
        if method != "get":
            expected.add("403")  # a read-only token, whatever the policy says
        if "{" in path:
            expected.add("404")
        if expected - codes(operation):
            missing[label] = sorted(expected - codes(operation))
    assert not missing, missing


def test_no_operation_lists_input_errors_it_cannot_answer():
    for label, _, _, operation in operations(openapi()):
        takes_input = bool(operation.get("parameters") or operation.get("requestBody"))
        assert ("422" in codes(operation)) == takes_input, label
        assert ("413" in codes(operation)) == bool(operation.get("requestBody")), label


def test_every_error_is_documented_as_a_json_object_with_a_message():
    spec = openapi()
    schemas = spec["components"]["schemas"]
    for name in ERROR_SCHEMAS:
        assert "message" in schemas[name]["required"], name
    for label, _, _, operation in operations(spec):
        for status, answer in operation["responses"].items():
            if int(status) < 400:
                continue
            ref = answer["content"]["application/json"]["schema"]["$ref"]
            assert ref.rsplit("/", 1)[1] in ERROR_SCHEMAS, (label, status, ref)


def test_downloads_list_the_file_types_they_send():
    spec = openapi()
    for path in (
        "/api/v1/documents/versions/{version_id}/download",
        "/api/v1/attachments/{attachment_id}/download",
    ):
        content = spec["paths"][path]["get"]["responses"][200]["content"]
        assert "application/pdf" in content, path


# Real answers, one of each kind the API tests see, checked by `answers_documented` as they
# come; here they are also asserted to be what the schema says (status and body).


def test_no_token_is_a_documented_401(client, reference):
    response = client.get(f"{API}/partnerships")
    assert response.status_code == 401
    assert operation_of(response)[0] == "GET /api/v1/partnerships"


def test_a_wrong_token_on_a_public_operation_is_a_documented_401(client, reference):
    response = client.get(f"{API}/countries", headers={"Authorization": "Bearer nope"})
    assert response.status_code == 401


def test_a_read_only_token_writing_is_a_documented_403(client, zhytomyr):
    response = client.post(
        f"{API}/threads",
        {"subject": "Hello"},
        content_type="application/json",
        headers=bearer(zhytomyr, read_only=True),
    )
    assert response.status_code == 403


def test_an_outsider_reading_the_directory_is_a_documented_403(client, outsider):
    assert client.get(f"{API}/people", headers=bearer(outsider)).status_code == 403


def test_an_unknown_id_is_a_documented_404(client, zhytomyr):
    response = client.get(f"{API}/threads/999999", headers=bearer(zhytomyr))
    assert response.status_code == 404


def test_invalid_input_is_a_documented_422_saying_where(client, zhytomyr):
    response = client.get(f"{API}/countries?page=0", headers=bearer(zhytomyr))
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["query", "page"]


def test_a_domain_refusal_is_a_documented_400_with_its_reasons(client, zhytomyr):
    response = client.post(
        f"{API}/partnerships",
        {"ukrainian_region": "XX-99", "partner_region": "US-IN"},
        content_type="application/json",
        headers=bearer(zhytomyr),
    )
    assert response.status_code == 400
    assert response.json()["errors"]


def test_a_nul_byte_is_a_documented_400(client, zhytomyr):
    response = client.get(f"{API}/me?x=%00", headers=bearer(zhytomyr))
    assert response.status_code == 400


def test_a_body_too_large_is_a_documented_413(client, zhytomyr, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = client.post(
        f"{API}/threads",
        {"subject": "x" * 2000},
        content_type="application/json",
        headers=bearer(zhytomyr),
    )
    assert response.status_code == 413


def test_a_rate_limited_client_gets_a_documented_429(client, zhytomyr, settings):
    settings.RATE_LIMITS = True
    settings.RATE_LIMIT_RULES = {**settings.RATE_LIMIT_RULES, "api": [(1, 60)]}
    headers = bearer(zhytomyr)
    client.get(f"{API}/me", headers=headers)
    response = client.get(f"{API}/me", headers=headers)
    assert response.status_code == 429
    assert response["Retry-After"]


def test_a_document_download_is_documented_with_its_type(client, zhytomyr, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    thread = thread_create(by=zhytomyr, subject="Draft")
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    message = message_post(
        thread=thread, author=zhytomyr, body="x", files=[SimpleUploadedFile("a.pdf", pdf)]
    )
    attachment = message.attachments.get()
    response = client.get(f"{API}/attachments/{attachment.pk}/download", headers=bearer(zhytomyr))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"


def test_an_undocumented_answer_is_caught(client, zhytomyr):
    """The checker itself: a status the operation does not list fails the test that saw it."""
    response = client.get(f"{API}/me", headers=bearer(zhytomyr))
    response.status_code = 409
    with pytest.raises(AssertionError, match="GET /api/v1/me answered 409"):
        assert_documented(response)


def test_a_body_that_does_not_fit_its_schema_is_caught(client, zhytomyr):
    response = client.get(f"{API}/threads/999999", headers=bearer(zhytomyr))
    response.content = b'{"detail": "Not found"}'
    with pytest.raises(AssertionError, match="does not fit"):
        assert_documented(response)
