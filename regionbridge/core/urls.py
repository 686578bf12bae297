from django.urls import path

from regionbridge.core import views

app_name = "core"
# "core:home" (`/`) is routed in the project's urls.py: signed-in people get their desk there.
urlpatterns = [
    path("language/", views.set_language, name="set_language"),
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
]
