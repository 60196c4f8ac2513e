from django.urls import path

from roster import views

app_name = "roster"

urlpatterns = [
    path("", views.home, name="home"),
    path("instansi/<id:pk>/logo", views.logo, name="logo"),
    path("pegawai/", views.employees, name="employees"),
    path("pegawai/baru/", views.employee_edit, name="employee_add"),
    path("pegawai/<id:pk>/", views.employee_edit, name="employee_edit"),
    path("pegawai/impor/", views.roster_import, name="import"),
    path("pegawai/impor/<uuid:pk>/simpan/", views.roster_import_confirm, name="import_confirm"),
    path("pegawai/ekspor.<str:fmt>", views.roster_export, name="export"),
    path("pegawai/templat.xlsx", views.roster_template, name="template"),
    path("unit/", views.units, name="units"),
    path("unit/<id:pk>/", views.unit_edit, name="unit_edit"),
]
