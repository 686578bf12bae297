from django.urls import path

from regionbridge.partnerships import public, views

app_name = "partnerships"
urlpatterns = [
    path("", views.partnership_list, name="list"),
    path("new/", views.partnership_create, name="create"),
    path("reviews/", views.review_queue, name="reviews"),
    path("<int:pk>/", views.partnership_detail, name="detail"),
    path("<int:pk>/edit/", views.partnership_edit, name="edit"),
    path("<int:pk>/events/new/", views.event_create, name="event_create"),
    path("<int:pk>/documents/new/", views.document_create, name="document_create"),
    path("<int:pk>/activities/new/", views.activity_create, name="activity_create"),
    path("documents/<int:pk>/", views.document_detail, name="document"),
    path("documents/<int:pk>/upload/", views.document_upload, name="document_upload"),
    path("documents/<int:pk>/submit/", views.document_submit, name="document_submit"),
    path("documents/<int:pk>/review/", views.document_review, name="document_review"),
    path("documents/<int:pk>/sign/", views.document_sign, name="document_sign"),
    path("versions/<int:pk>/download/", views.version_download, name="version_download"),
]

public_urlpatterns = [
    path("", public.registry, name="index"),
    path("<str:code>/", public.region, name="region"),
]
