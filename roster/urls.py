from django.urls import path

from roster import views

app_name = "roster"

urlpatterns = [
    path("instansi/<int:pk>/logo", views.logo, name="logo"),
]
