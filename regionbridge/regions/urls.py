from django.urls import path

from regionbridge.regions import views

app_name = "regions"
urlpatterns = [
    path("", views.region_index, name="index"),
    path("<str:code>/", views.region_detail, name="detail"),
]
