from django.urls import path, re_path

from inspektorat import downloads, views

app_name = "inspektorat"

urlpatterns = [
    path("", views.index, name="index"),
    path("apel/<id:pk>/", views.ceremony, name="ceremony"),
    path("apel/<id:pk>/pakta.zip", downloads.ceremony_zip, name="ceremony_zip"),
    path("apel/<id:pk>/unit/<id:unit_pk>/pakta.zip", downloads.unit_zip, name="unit_zip"),
    path("apel/<id:pk>/rekap.pdf", downloads.recap_pdf, name="recap_pdf"),
    re_path(r"^apel/(?P<pk>[0-9]{1,18})/rekap\.(?P<file_format>xlsx|csv)$", downloads.recap_table, name="recap_table"),
    path("pakta/<id:pk>.pdf", downloads.pact_pdf, name="pact_pdf"),
    path("jejak/", views.trail, name="trail"),
    re_path(r"^jejak\.(?P<file_format>csv|xlsx)$", views.trail_export, name="trail_export"),
]
