from django.urls import path, re_path

from pledges import kiosk, views

app_name = "pledges"

TOKEN = r"(?P<{}>[A-Za-z0-9_-]{{16,64}})"

urlpatterns = [
    re_path(rf"^t/{TOKEN.format('token')}/$", views.sign, name="sign"),
    path("t/sw.js", views.service_worker, name="service_worker"),
    path("kios/", kiosk.home, name="kiosk"),
    path("kios/tanda-tangan/", kiosk.sign, name="kiosk_sign"),
    path("apel/<id:pk>/kios/", kiosk.start, name="kiosk_start"),
    path("apel/<id:pk>/kios/<id:kiosk>/cabut/", kiosk.revoke, name="kiosk_revoke"),
    re_path(rf"^apel/{TOKEN.format('apel_token')}/$", views.apel, name="apel"),
    path("verifikasi/", views.verify_lookup, name="verify_lookup"),
    path("privasi/<int:agency_id>/", views.privacy, name="privacy"),
    re_path(rf"^t/{TOKEN.format('token')}/data-saya\.zip$", views.my_data, name="my_data"),
    path("pegawai/<id:pk>/data-pribadi/", views.employee_data, name="employee_data"),
    re_path(r"^v/(?P<code>[A-Za-z0-9-]{4,30})/$", views.verify, name="verify"),
    re_path(rf"^t/{TOKEN.format('token')}/pakta\.pdf$", views.document, name="document"),
    re_path(rf"^t/{TOKEN.format('token')}/pdf$", views.pdf_status, name="pdf_status"),
]
