from django.urls import path

from regionbridge.oversight import briefing_views, ties_views, views

app_name = "oversight"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("regions/<str:code>/", views.region, name="region"),
    path("ties/", ties_views.ties_page, name="ties"),
    path("briefing/", briefing_views.briefing_page, name="briefing"),
    path("briefing.pdf", briefing_views.briefing_pdf, name="briefing_pdf"),
]
