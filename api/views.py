"""The read API (``/api/v1/``): ceremonies and their progress per unit, invitations
with their signing status, signatures, the signed PDFs and the recap files.

Every view reads through ``api.scope`` (what the token may see; 404 otherwise),
answers GET/HEAD/OPTIONS only, pages lists with a cursor (``api.pagination``), and
records each use (``TokenUse``); a PDF or recap handed out is also in the trail, as
on the Inspektorat's pages."""

import datetime
import io

from django.db import connection, transaction
from django.http import FileResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, OpenApiTypes, extend_schema, extend_schema_view
from rest_framework import exceptions, generics
from rest_framework.response import Response
from rest_framework.views import APIView

from api import scope
from api.errors import refuse
from api.models import ApiToken, TokenUse
from api.pagination import IdCursorPagination, RecapCursorPagination
from api.serializers import (
    CeremonyDetailSerializer,
    CeremonySerializer,
    InvitationSerializer,
    ProgressSerializer,
    RecapSerializer,
    SignatureSerializer,
)
from audit.log import describe, record_for
from audit.models import AuditEvent
from inspektorat.downloads import DOWNLOADED_PACT
from inspektorat.queries import agency_units
from netralitas.lib.http import client_ip
from pledges import evidence
from pledges.documents import pact_file_name
from pledges.models import PactDocument, StorageFinding

# ``last_used_at`` is written at most this often per token: one conditional UPDATE,
# not a lock on the token's row for every page of a long listing.
LAST_USED_EVERY = datetime.timedelta(minutes=1)
VIA_API = _("%(what)s — melalui %(token)s")
DOWNLOADED_FILE = _("Mengunduh berkas %(file)s (“%(title)s”)")
BAD_CEREMONY = _("Parameter ceremony harus id apel (angka).")
BAD_STATUS = _("Parameter status harus “sudah” atau “belum”.")
UNKNOWN_CEREMONY = _("Apel tidak ditemukan.")
PDF_MISSING = _("PDF pakta kode %(code)s tidak ada di penyimpanan; tidak diberikan. Pulihkan dari cadangan.")
PDF_ALTERED = _("PDF pakta kode %(code)s berubah sejak disegel (SHA-256 berbeda); tidak diberikan.")
NO_PDF_YET = _("PDF pakta ini belum dibuat.")
FILE_GONE = _("Berkas ini sudah tidak tersedia.")

CEREMONY_PARAMETER = OpenApiParameter(
    "ceremony", OpenApiTypes.INT, description=_("Hanya undangan atau tanda tangan apel ini (id apel).")
)
STATUS_PARAMETER = OpenApiParameter(
    "status", OpenApiTypes.STR, enum=["sudah", "belum"], description=_("Sudah atau belum menandatangani.")
)
# ``<id:pk>`` (netralitas.lib.converters) is an integer of at most 18 digits.
ID = OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH, description=_("Id, seperti pada halaman."))
JOB = OpenApiParameter("job", OpenApiTypes.UUID, OpenApiParameter.PATH, description=_("Id berkas rekap."))


def documented(summary, description, **kwargs):
    """The operation's Indonesian summary and description in the OpenAPI document."""
    return extend_schema_view(get=extend_schema(summary=summary, description=description, **kwargs))


class ApiView(APIView):
    """What every API view shares: each request made with a token is recorded."""

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        token = request.auth if isinstance(getattr(request, "auth", None), ApiToken) else None
        if token is not None:
            note_use(token, request, response.status_code)
        response.setdefault("Cache-Control", "no-store")
        return response


def note_use(token, request, status):
    """One ``TokenUse`` row per request. On PostgreSQL its commit does not wait for the
    WAL to reach the disk (``synchronous_commit = off`` for that transaction only): a
    crash may lose the last fraction of a second of the use log — never a signature,
    a PDF or the trail — and a page no longer pays for a disk flush."""
    now = timezone.now()
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit = off")
        TokenUse.objects.create(
            token=token,
            method=request.method[:10],
            path=request.path[:300],
            status=status,
            ip_address=client_ip(request),
        )
    if token.last_used_at is None or token.last_used_at < now - LAST_USED_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)


def record_download(request, action_target, message, **params):
    token = request.auth
    record_for(
        token.user,
        client_ip(request),
        AuditEvent.Action.DOWNLOAD,
        action_target,
        VIA_API,
        actor_name=token.label(),
        what=describe(message, **params),
        token=token.label(),
    )


def chosen_ceremony(request):
    """The ``?ceremony=`` of a list as an id (``None`` when absent), or a 400 for a
    value that is no id. Whether the token may see it is the list's own query
    (:class:`CeremonyListMixin`): no extra query per page."""
    value = request.query_params.get("ceremony")
    if value is None:
        return None
    if not (value.isascii() and value.isdigit() and len(value) <= 18):
        raise refuse(exceptions.ValidationError, [BAD_CEREMONY])
    return int(value)


class CeremonyListMixin:
    """A list filtered by ``?ceremony=``: the filter is part of the page's query (scoped
    to the token's agencies); only an empty page asks whether the ceremony is one the
    token may see at all — another agency's is a 404, like a missing one."""

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        ceremony_id = chosen_ceremony(self.request)
        if not page and ceremony_id is not None:
            if not scope.ceremonies(self.request.auth).filter(pk=ceremony_id).exists():
                raise refuse(exceptions.NotFound, UNKNOWN_CEREMONY)
        # The page's keys, then its rows (``api.scope``): the cost of a page stays that
        # of page 1 at any depth.
        return self.rows([key.pk for key in page])


@documented(
    _("Daftar apel"), _("Apel instansi yang dibaca token ini, dengan jumlah diundang dan sudah menandatangani.")
)
class CeremonyList(ApiView, generics.ListAPIView):
    """Apel of the token's agencies, with invited and signed counts."""

    serializer_class = CeremonySerializer
    pagination_class = IdCursorPagination

    def get_queryset(self):
        return scope.ceremonies(self.request.auth).select_related("agency", "election").with_progress()


@documented(
    _("Satu apel"), _("Apel beserta keadaan penandatanganan saat ini (dibuka, belum dibuka, ditutup)."), parameters=[ID]
)
class CeremonyDetail(ApiView, generics.RetrieveAPIView):
    """One apel, with whether signing is open now."""

    serializer_class = CeremonyDetailSerializer

    def get_object(self):
        ceremony = scope.ceremony(self.request.auth, self.kwargs["pk"])
        counts = scope.ceremonies(self.request.auth).filter(pk=ceremony.pk).with_progress()
        ceremony.invited_count, ceremony.signed_count = counts.values_list("invited_count", "signed_count").get()
        ceremony.signing_state_now = ceremony.signing_state()
        return ceremony


@documented(
    _("Kemajuan per unit"),
    _(
        "Diundang, sudah dan belum menandatangani per unit kerja dan seluruhnya — angka papan langsung "
        "dan halaman Inspektorat."
    ),
    parameters=[ID],
    responses=ProgressSerializer,
)
class CeremonyProgress(ApiView):
    """Invited, signed and unsigned per unit of the invitation, and overall — the
    numbers of the live board and the Inspektorat's apel page."""

    def get(self, request, pk):
        ceremony = scope.ceremony(request.auth, pk)
        totals, overall = ceremony.progress(units=list(agency_units(ceremony.agency)))
        return Response(ProgressSerializer({"ceremony": ceremony.pk, "overall": overall, "units": totals}).data)


@documented(
    _("Daftar undangan"),
    _(
        "Undangan dengan status tanda tangan; saring dengan ?ceremony= dan ?status=sudah|belum. "
        "Tanpa tautan atau kode pribadi."
    ),
    parameters=[CEREMONY_PARAMETER, STATUS_PARAMETER],
)
class InvitationList(CeremonyListMixin, ApiView, generics.ListAPIView):
    """Invitations with their signing status (``?ceremony=``, ``?status=sudah|belum``)."""

    serializer_class = InvitationSerializer
    pagination_class = IdCursorPagination

    rows = staticmethod(scope.invitation_rows)

    def get_queryset(self):
        invitations = scope.invitation_keys(self.request.auth, chosen_ceremony(self.request))
        status = self.request.query_params.get("status")
        if status is not None:
            if status not in ("sudah", "belum"):
                raise refuse(exceptions.ValidationError, [BAD_STATUS])
            # A pact the retention schedule destroyed was signed ("sudah").
            invitations = invitations.unsigned() if status == "belum" else invitations.signed()
        return invitations


@documented(
    _("Daftar tanda tangan"),
    _(
        "Tanda tangan menurut urutan tersimpan; saring dengan ?ceremony=. Halaman terakhir memuat yang "
        "terbaru: simpan kursor next untuk mengambil yang baru."
    ),
    parameters=[CEREMONY_PARAMETER],
)
class SignatureList(CeremonyListMixin, ApiView, generics.ListAPIView):
    """Signatures (``?ceremony=``), in the order they were stored."""

    serializer_class = SignatureSerializer
    pagination_class = IdCursorPagination

    rows = staticmethod(scope.signature_rows)

    def get_queryset(self):
        return scope.signature_keys(self.request.auth, chosen_ceremony(self.request))


@documented(
    _("Satu tanda tangan"),
    _("Identitas seperti pada halaman staf, waktu, kode verifikasi dan PDF-nya."),
    parameters=[ID],
)
class SignatureDetail(ApiView, generics.RetrieveAPIView):
    serializer_class = SignatureSerializer

    def get_object(self):
        return scope.signature(self.request.auth, self.kwargs["pk"])


@documented(
    _("PDF pakta"),
    _("PDF/A yang disegel, diperiksa dengan SHA-256 yang tercatat sebelum diberikan; unduhan tercatat di jejak audit."),
)
class SignaturePdf(ApiView):
    """The signed PDF as it was sealed: read and checked against its recorded SHA-256
    (``pledges.evidence``) before it is handed out; a file gone or altered is refused
    and noted, as on the pages."""

    @extend_schema(
        parameters=[ID],
        responses={
            (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, description=_("PDF/A pakta yang disegel.")),
            404: OpenApiResponse(description=_("Tidak ditemukan, belum dibuat, atau hilang dari penyimpanan.")),
            409: OpenApiResponse(description=_("Berkas berubah sejak disegel.")),
        },
    )
    def get(self, request, pk):
        signature = scope.signature(request.auth, pk)
        document = (
            PactDocument.objects.filter(signature=signature).select_related("signature__invitation__ceremony").first()
        )
        if document is None:
            raise refuse(exceptions.NotFound, NO_PDF_YET)
        reading = evidence.check(
            document, StorageFinding.During.DOWNLOAD, request=request, actor_name=request.auth.label()
        )
        if reading.state == PactDocument.FileState.MISSING:
            raise refuse(exceptions.NotFound, PDF_MISSING % {"code": signature.display_code})
        if reading.state != PactDocument.FileState.INTACT:
            raise Conflict(PDF_ALTERED % {"code": signature.display_code})
        signer = signature.signer
        record_download(
            request,
            signature,
            DOWNLOADED_PACT,
            name=signer.get("name", ""),
            number=signer.get("id_number", ""),
            ceremony=signature.invitation.ceremony_id,
            code=signature.display_code,
        )
        response = FileResponse(
            io.BytesIO(reading.data),
            content_type="application/pdf",
            as_attachment=True,
            filename=pact_file_name(signer, signature.verification_code),
        )
        response["X-Content-Type-Options"] = "nosniff"
        return response


class Conflict(exceptions.APIException):
    status_code = 409
    ours = True


@documented(
    _("Berkas rekap apel"),
    _("Rekap PDF, xlsx dan csv yang sudah dibuat di halaman Inspektorat dan masih dapat diunduh."),
    parameters=[ID],
)
class RecapList(ApiView, generics.ListAPIView):
    """The apel's finished recap files (PDF, xlsx, csv), made on the Inspektorat's
    pages, while they may still be downloaded (``JOB_FILES_DAYS``)."""

    serializer_class = RecapSerializer
    pagination_class = RecapCursorPagination

    def get_queryset(self):
        self.ceremony = scope.ceremony(self.request.auth, self.kwargs["pk"])
        return scope.recaps(self.ceremony)

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["ceremony"] = getattr(self, "ceremony", None)
        return context


@documented(_("Unduh berkas rekap"), _("Satu berkas rekap; unduhan tercatat di jejak audit."))
class RecapFile(ApiView):
    """One recap file, recorded in the trail as on the job's page."""

    @extend_schema(parameters=[ID, JOB], responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
    def get(self, request, pk, job):
        ceremony = scope.ceremony(request.auth, pk)
        recap = scope.recaps(ceremony).filter(pk=job).first()
        if recap is None:
            raise exceptions.NotFound
        try:
            handle = recap.file.open("rb")
        except (FileNotFoundError, OSError):
            raise refuse(exceptions.NotFound, FILE_GONE) from None
        record_download(request, recap, DOWNLOADED_FILE, file=recap.filename, title=recap.title)
        response = FileResponse(
            handle, as_attachment=True, filename=recap.filename, content_type=recap.content_type or None
        )
        response["X-Content-Type-Options"] = "nosniff"
        return response
