from django.urls import include, path

app_name = "matching"

# Pages of needs and offers (views.py); imports and the taxonomy have their own module.
urlpatterns: list = [
    path("", include("regionbridge.matching.import_urls")),
]
