import pytest


@pytest.mark.django_db
def test_home_page_serves_ukrainian_by_default(client, reference):
    response = client.get("/")
    assert response.status_code == 200
    assert response["Content-Language"] == "uk"
