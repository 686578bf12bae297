from django.urls import path

from regionbridge.messaging import views

app_name = "messaging"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("new/", views.thread_create, name="create"),
    path("new/recipients/", views.recipients, name="recipients"),
    path("search/", views.search, name="search"),
    path("stream/", views.inbox_stream, name="inbox_stream"),
    path("<int:pk>/", views.thread_detail, name="thread"),
    path("<int:pk>/post/", views.message_post, name="post"),
    path("<int:pk>/stream/", views.stream, name="stream"),
    path("<int:pk>/participants/", views.participant_add, name="participant_add"),
    path("messages/<int:pk>/edit/", views.message_edit, name="edit"),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment"),
    path("held/", views.held_replies, name="held"),
    path("held/<int:held_id>/confirm/", views.held_reply_confirm, name="held_confirm"),
    path("held/<int:held_id>/discard/", views.held_reply_discard, name="held_discard"),
]
