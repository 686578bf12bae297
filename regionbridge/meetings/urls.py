from django.urls import path

from regionbridge.meetings import action_views, feed_views, planner_views, views

app_name = "meetings"

urlpatterns = [
    path("", views.meeting_list, name="list"),
    path("new/", views.meeting_new, name="new"),
    path("<int:pk>/", views.meeting_detail, name="detail"),
    path("<int:pk>/edit/", views.meeting_edit, name="edit"),
    path("<int:pk>/cancel/", views.meeting_cancel, name="cancel"),
    path("<int:pk>/answer/", views.meeting_answer, name="answer"),
    path("<int:pk>/minutes/", views.meeting_minutes, name="minutes"),
    path("<int:pk>/decisions/", views.decision_add, name="decision_add"),
    path("<int:pk>/actions/new/", action_views.action_new, name="action_new"),
    path("<int:pk>/invitation.ics", feed_views.invitation_file, name="invitation_file"),
    path("actions/", action_views.action_list, name="actions"),
    path("actions/<int:pk>/", action_views.action_detail, name="action"),
    path(
        "actions/from-message/<int:message_pk>/",
        action_views.action_from_message,
        name="action_from_message",
    ),
    path("planner/", planner_views.planner, name="planner"),
    path("calendar/", feed_views.feed_manage, name="feed_manage"),
    path("calendar/<str:token>.ics", feed_views.feed, name="feed"),
]
