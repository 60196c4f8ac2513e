"""``/api/v1/``: the read API, its OpenAPI 3 document and its documentation page.
Other parts link here by these names (the webhooks' payloads among them)."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView

from api import docs, views

app_name = "api"

urlpatterns = [
    path("ceremonies/", views.CeremonyList.as_view(), name="ceremonies"),
    path("ceremonies/<id:pk>/", views.CeremonyDetail.as_view(), name="ceremony"),
    path("ceremonies/<id:pk>/progress/", views.CeremonyProgress.as_view(), name="ceremony_progress"),
    path("ceremonies/<id:pk>/recaps/", views.RecapList.as_view(), name="ceremony_recaps"),
    path("ceremonies/<id:pk>/recaps/<uuid:job>/file/", views.RecapFile.as_view(), name="ceremony_recap_file"),
    path("invitations/", views.InvitationList.as_view(), name="invitations"),
    path("signatures/", views.SignatureList.as_view(), name="signatures"),
    path("signatures/<id:pk>/", views.SignatureDetail.as_view(), name="signature"),
    path("signatures/<id:pk>/pdf/", views.SignaturePdf.as_view(), name="signature_pdf"),
    path("openapi.json", SpectacularAPIView.as_view(), name="openapi"),
    path("docs/", docs.Documentation.as_view(url_name="api:openapi"), name="docs"),
]
