from django.urls import path

from ceremonies import views

app_name = "ceremonies"

urlpatterns = [
    path("", views.index, name="index"),
    path("baru/", views.ceremony_edit, name="create"),
    path("<int:pk>/", views.ceremony_detail, name="detail"),
    path("<int:pk>/ubah/", views.ceremony_edit, name="edit"),
    path("<int:pk>/undang/", views.invite, name="invite"),
    path("<int:pk>/status/<str:status>/", views.set_status, name="set_status"),
    path("<int:pk>/papan/", views.board, name="board"),
    path("<int:pk>/papan/angka/", views.board_data, name="board_data"),
    path("<int:pk>/belum/", views.unsigned, name="unsigned"),
    path("<int:pk>/poster.pdf", views.poster, name="poster"),
    path("<int:pk>/tautan.pdf", views.link_sheets, name="link_sheets"),
    path("<int:pk>/undangan.<str:fmt>", views.invitations_export, name="invitations_export"),
]
