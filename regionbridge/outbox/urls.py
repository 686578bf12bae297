from django.urls import path

from regionbridge.outbox import views

app_name = "outbox"
urlpatterns = [
    path("", views.notification_list, name="notifications"),
    path("read/", views.notifications_read, name="notifications_read"),
]
