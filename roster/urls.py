from django.urls import path

from roster import views

app_name = "roster"

urlpatterns = [
    path("instansi/<int:pk>/logo", views.logo, name="logo"),
    path("pegawai/", views.employees, name="employees"),
    path("unit/", views.units, name="units"),
]
