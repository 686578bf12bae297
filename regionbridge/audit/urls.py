from django.urls import path

from regionbridge.audit import views

app_name = "audit"
urlpatterns = [path("", views.audit_log, name="index")]
