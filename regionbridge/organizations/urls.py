from django.urls import path

from regionbridge.organizations import views

app_name = "directory"
urlpatterns = [
    path("", views.directory, name="index"),
    path("people/<int:person_id>/", views.person_detail, name="person"),
    path("organizations/<int:organization_id>/", views.organization_detail, name="organization"),
]
