"""Messages with attachments through the API: content-checked, and only for participants."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from regionbridge.accounts.services import token_issue
from regionbridge.messaging.models import Attachment
from regionbridge.messaging.services import thread_create
from tests.api_contract import answers_documented  # noqa: F401 (a fixture)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("answers_documented")]

API = "/api/v1"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def bearer(user) -> dict:
    return {"Authorization": f"Bearer {token_issue(user=user, name='t')[1]}"}


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def thread(zhytomyr, indiana):
    return thread_create(by=zhytomyr, subject="Draft memorandum", users=[indiana])


def upload(client, thread, user, *files, body="The draft, as agreed."):
    return client.post(
        f"{API}/threads/{thread.pk}/messages/with-files",
        {"body": body, "files": list(files)},
        headers=bearer(user),
    )


def test_a_participant_posts_a_file_and_the_other_downloads_it(
    client, media, thread, zhytomyr, indiana
):
    response = upload(client, thread, zhytomyr, SimpleUploadedFile("draft.pdf", PDF))
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["attachments"][0]["original_name"] == "draft.pdf"
    attachment = Attachment.objects.get()
    download = client.get(f"{API}/attachments/{attachment.pk}/download", headers=bearer(indiana))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF


def test_a_file_that_is_not_what_it_claims_is_refused(client, media, thread, zhytomyr):
    fake = SimpleUploadedFile("draft.pdf", b"<html>not a pdf</html>")
    response = upload(client, thread, zhytomyr, fake)
    assert response.status_code == 400
    assert "draft.pdf" in response.json()["message"]
    assert not Attachment.objects.exists()
    assert not thread.messages.exists()


def test_outsiders_neither_post_nor_download(client, media, thread, zhytomyr, chernihiv):
    assert upload(client, thread, chernihiv, SimpleUploadedFile("x.pdf", PDF)).status_code == 404
    upload(client, thread, zhytomyr, SimpleUploadedFile("draft.pdf", PDF))
    attachment = Attachment.objects.get()
    response = client.get(f"{API}/attachments/{attachment.pk}/download", headers=bearer(chernihiv))
    assert response.status_code == 404


def test_a_message_needs_a_file(client, media, thread, zhytomyr):
    response = client.post(
        f"{API}/threads/{thread.pk}/messages/with-files",
        {"body": "no file"},
        headers=bearer(zhytomyr),
    )
    assert 400 <= response.status_code < 500
    assert response.json()["message"]
