from django.contrib import admin
from django.urls import include, path

from regionbridge.api.api import api
from regionbridge.core import urls as core_urls
from regionbridge.desk.views import home
from regionbridge.partnerships.urls import public_urlpatterns

urlpatterns = [
    # `/` keeps core's name (core:home): the desk for signed-in people, else the public front page.
    path("", include(([path("", home, name="home"), *core_urls.urlpatterns], "core"))),
    path("accounts/", include("regionbridge.accounts.urls")),
    path("two-factor/", include("regionbridge.twofactor.urls")),
    path("regions/", include("regionbridge.regions.urls")),
    path("directory/", include("regionbridge.organizations.urls")),
    path("audit/", include("regionbridge.audit.urls")),
    path("partnerships/", include("regionbridge.partnerships.urls")),
    path("messages/", include("regionbridge.messaging.urls")),
    path("meetings/", include("regionbridge.meetings.urls")),
    path("oversight/", include("regionbridge.oversight.urls")),
    path("matching/", include("regionbridge.matching.urls")),
    path("institutions/", include("regionbridge.institutions.urls")),
    path("notifications/", include("regionbridge.outbox.urls")),
    path("public/", include((public_urlpatterns, "public"))),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
]

handler404 = "regionbridge.core.views.not_found"
handler403 = "regionbridge.core.views.forbidden"
handler500 = "regionbridge.core.views.server_error"
