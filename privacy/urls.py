from django.urls import path

from privacy import views

app_name = "privacy"

urlpatterns = [
    path("", views.destructions, name="destructions"),
    path("<id:pk>/berita-acara.pdf", views.berita_acara, name="berita_acara"),
]
