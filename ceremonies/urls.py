from django.urls import path

from ceremonies import views

app_name = "ceremonies"

urlpatterns = [
    path("", views.index, name="index"),
    path("baru/", views.ceremony_edit, name="create"),
    path("<id:pk>/", views.ceremony_detail, name="detail"),
    path("<id:pk>/ubah/", views.ceremony_edit, name="edit"),
    path("<id:pk>/undang/", views.invite, name="invite"),
    path("<id:pk>/status/<str:status>/", views.set_status, name="set_status"),
    path("<id:pk>/tutup/", views.close_confirm, name="close_confirm"),
    path("<id:pk>/papan/", views.board, name="board"),
    path("<id:pk>/papan/angka/", views.board_data, name="board_data"),
    path("<id:pk>/belum/", views.unsigned, name="unsigned"),
    path("<id:pk>/belum/ingatkan/wa/<id:invitation>/", views.remind_whatsapp, name="remind_whatsapp"),
    path("<id:pk>/belum/ingatkan/wa-unit/", views.remind_unit_message, name="remind_unit_message"),
    path("<id:pk>/belum/ingatkan/lembar/", views.remind_sheet, name="remind_sheet"),
    path("<id:pk>/belum/ingatkan/email/", views.remind_email, name="remind_email"),
    path("<id:pk>/poster.pdf", views.poster, name="poster"),
    path("<id:pk>/tautan.pdf", views.link_sheets, name="link_sheets"),
    path("<id:pk>/undangan.<str:fmt>", views.invitations_export, name="invitations_export"),
]
