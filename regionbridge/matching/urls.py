from django.urls import include, path

from regionbridge.matching import views

app_name = "matching"

# Pages of needs and offers (views.py); imports and the taxonomy have their own module.
urlpatterns: list = [
    path("", views.post_list, name="list"),
    path("needs/new/", views.post_new, {"kind": "need"}, name="new_need"),
    path("offers/new/", views.post_new, {"kind": "offer"}, name="new_offer"),
    path("overview/", views.overview, name="overview"),
    path("<int:pk>/", views.post_detail, name="detail"),
    path("<int:pk>/edit/", views.post_edit, name="edit"),
    path("<int:pk>/status/", views.post_status, name="status"),
    path("<int:pk>/connect/<int:other>/", views.post_connect, name="connect"),
    path("", include("regionbridge.matching.import_urls")),
]
