from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from netralitas import monitoring, views
from netralitas.lib import converters

converters.register()  # <id:pk> in the apps' URLs

admin.site.site_header = _("Netralitas — administrasi")
admin.site.site_title = _("Netralitas")

urlpatterns = [
    path("akun/", include("roster.account_urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("healthz", views.healthz, name="healthz"),
    path("healthz/status", monitoring.status, name="healthz_status"),
    path("admin/", admin.site.urls),
    path("", include("pledges.urls")),
    path("", include("roster.urls")),
    path("apel/", include("ceremonies.urls")),
    path("inspektorat/", include("inspektorat.urls")),
    path("berkas/", include("jobs.urls")),
    path("api/v1/", include("api.urls")),
    path("pemusnahan/", include("privacy.urls")),
]

handler400 = "netralitas.views.bad_request"
handler403 = "netralitas.views.permission_denied"
handler404 = "netralitas.views.not_found"
handler500 = "netralitas.views.server_error"
