from django.urls import path

from jobs import views

app_name = "jobs"

urlpatterns = [
    path("", views.index, name="index"),
    path("<uuid:pk>/", views.detail, name="detail"),
    path("<uuid:pk>/kemajuan/", views.progress, name="progress"),
    path("<uuid:pk>/unduh/", views.download, name="download"),
]
