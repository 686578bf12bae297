from django.urls import path

from regionbridge.institutions import views

app_name = "institutions"
urlpatterns = [
    path("", views.institution_list, name="list"),
    path("new/", views.institution_create, name="create"),
    path("links/new/", views.link_create, name="link_create"),
    path("links/<int:pk>/activities/new/", views.link_activity_create, name="link_activity"),
]
