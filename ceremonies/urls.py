from django.urls import path

from ceremonies import views

app_name = "ceremonies"

urlpatterns = [
    path("", views.index, name="index"),
]
