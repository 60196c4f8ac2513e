"""What the API says about each object — and, for people, exactly what the
Inspektorat's pages show: the name and the identity number as staff pages write it
(``roster.identity.Identifier``: ``19800101 200501 1 001``, a NIK as ``NIK …1234``).
No phone number, email, personal link or personal code ever: the Inspektorat's pages
show none, and a token reads for the agency's systems, not for one operator."""

from django.conf import settings
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from netralitas.lib.tokens import group_code
from roster.identity import Identifier

# An id no object has, to build a URL once and fill it in per row: a page of 50 rows
# would otherwise resolve URLs 150 times.
SLOT = "999999999999999999"


DATETIME = serializers.DateTimeField()  # ISO 8601 with the offset, as DRF writes every time


def absolute(request, name, *args):
    return request.build_absolute_uri(reverse(name, args=args))


def url_maker(context, name):
    """``maker(value)``: the absolute URL ``name`` for one value, reversed once per request."""
    cache = context.setdefault("_url_makers", {})
    if name not in cache:
        if name == "pledges:verify":
            template = settings.PUBLIC_BASE_URL + reverse(name, args=["ABCDEFGHJK"]).replace("ABCDEFGHJK", "{}")
        else:
            template = absolute(context["request"], name, int(SLOT)).replace(SLOT, "{}")
        cache[name] = template.format
    return cache[name]


class AgencySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    short_name = serializers.CharField()
    time_zone = serializers.CharField()


class CeremonySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    agency = AgencySerializer()
    title = serializers.CharField()
    election = serializers.CharField(source="election.short_name")
    starts_at = serializers.DateTimeField()
    place = serializers.CharField()
    leader = serializers.CharField()
    witnesses = serializers.ListField(child=serializers.CharField(), source="witness_list")
    status = serializers.CharField()
    signing_opens_at = serializers.DateTimeField(allow_null=True)
    signing_closes_at = serializers.DateTimeField(allow_null=True)
    invited = serializers.IntegerField(source="invited_count")
    signed = serializers.IntegerField(source="signed_count")
    links = serializers.SerializerMethodField()

    @extend_schema_field(
        {
            "type": "object",
            "properties": {
                name: {"type": "string", "format": "uri"}
                for name in ("self", "progress", "invitations", "signatures", "recaps")
            },
        }
    )
    def get_links(self, ceremony):
        request = self.context["request"]
        pk = ceremony.pk
        return {
            "self": absolute(request, "api:ceremony", pk),
            "progress": absolute(request, "api:ceremony_progress", pk),
            "invitations": absolute(request, "api:invitations") + f"?ceremony={pk}",
            "signatures": absolute(request, "api:signatures") + f"?ceremony={pk}",
            "recaps": absolute(request, "api:ceremony_recaps", pk),
        }


class CeremonyDetailSerializer(CeremonySerializer):
    signing_state = serializers.CharField(source="signing_state_now")


class UnitProgressSerializer(serializers.Serializer):
    unit = serializers.IntegerField(source="unit_id", allow_null=True)
    name = serializers.CharField()
    invited = serializers.IntegerField()
    signed = serializers.IntegerField()
    unsigned = serializers.IntegerField()
    percent = serializers.IntegerField()


class TotalsSerializer(serializers.Serializer):
    invited = serializers.IntegerField()
    signed = serializers.IntegerField()
    unsigned = serializers.IntegerField()
    percent = serializers.IntegerField()


class ProgressSerializer(serializers.Serializer):
    ceremony = serializers.IntegerField()
    overall = TotalsSerializer()
    units = UnitProgressSerializer(many=True)


class InvitationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    ceremony = serializers.IntegerField(source="ceremony_id")
    name = serializers.CharField(source="employee.name")
    identity = serializers.SerializerMethodField()
    employment_type = serializers.CharField(source="employee.employment_type")
    rank = serializers.CharField(source="employee.rank")
    unit = serializers.IntegerField(source="unit_id", allow_null=True)
    unit_name = serializers.SerializerMethodField()
    signed = serializers.SerializerMethodField()
    signed_at = serializers.SerializerMethodField()
    signature = serializers.SerializerMethodField()
    pact_destroyed_at = serializers.SerializerMethodField()

    @extend_schema_field(OpenApiTypes.STR)
    def get_identity(self, invitation):
        return str(invitation.employee.identifier)

    @extend_schema_field(OpenApiTypes.STR)
    def get_unit_name(self, invitation):
        return invitation.unit.name if invitation.unit_id else ""

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_signed(self, invitation):
        return self.to_representation(invitation)["signed"]

    @extend_schema_field({"type": "string", "format": "date-time", "nullable": True})
    def get_signed_at(self, invitation):
        return self.to_representation(invitation)["signed_at"]

    @extend_schema_field({"type": "string", "format": "uri", "nullable": True})
    def get_signature(self, invitation):
        signature = _signature(invitation)
        return url_maker(self.context, "api:signature")(signature.pk) if signature else None

    @extend_schema_field({"type": "string", "format": "date-time", "nullable": True})
    def get_pact_destroyed_at(self, invitation):
        """When the retention schedule destroyed the pact signed with this invitation
        (``signed`` stays true, ``signature`` is null); null if it was not."""
        return self.to_representation(invitation)["pact_destroyed_at"]

    def to_representation(self, invitation):
        # As SignatureSerializer: the fields describe, one pass writes.
        employee, signature = invitation.employee, _signature(invitation)
        destroyed_at = getattr(invitation, "pact_destroyed_at", None)
        signed_at = signature.signed_at if signature else getattr(invitation, "destroyed_signed_at", None)
        return {
            "id": invitation.pk,
            "ceremony": invitation.ceremony_id,
            "name": employee.name,
            "identity": str(employee.identifier),
            "employment_type": employee.employment_type,
            "rank": employee.rank,
            "unit": invitation.unit_id,
            "unit_name": invitation.unit.name if invitation.unit_id else "",
            "signed": signed_at is not None,
            "signed_at": None if signed_at is None else DATETIME.to_representation(signed_at),
            "signature": None if signature is None else url_maker(self.context, "api:signature")(signature.pk),
            "pact_destroyed_at": None if destroyed_at is None else DATETIME.to_representation(destroyed_at),
        }


def _signature(invitation):
    try:
        return invitation.signature
    except invitation._meta.get_field("signature").related_model.DoesNotExist:
        return None


class PdfSerializer(serializers.Serializer):
    url = serializers.URLField()
    sha256 = serializers.CharField()
    size = serializers.IntegerField()
    seal_level = serializers.CharField()


class SignatureSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    ceremony = serializers.IntegerField(source="invitation.ceremony_id")
    invitation = serializers.IntegerField(source="invitation_id")
    name = serializers.SerializerMethodField()
    identity = serializers.SerializerMethodField()
    rank = serializers.SerializerMethodField()
    position = serializers.SerializerMethodField()
    unit_name = serializers.SerializerMethodField()
    signed_at = serializers.DateTimeField()
    method = serializers.CharField()
    verification_code = serializers.CharField(source="display_code")
    verification_url = serializers.CharField(source="public_url")
    pdf = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()

    @extend_schema_field(OpenApiTypes.STR)
    def get_name(self, signature):
        return signature.signer.get("name", "")

    @extend_schema_field(OpenApiTypes.STR)
    def get_identity(self, signature):
        return str(Identifier.of_signer(signature.signer))

    @extend_schema_field(OpenApiTypes.STR)
    def get_rank(self, signature):
        return signature.signer.get("rank", "")

    @extend_schema_field(OpenApiTypes.STR)
    def get_position(self, signature):
        return signature.signer.get("position", "")

    @extend_schema_field(OpenApiTypes.STR)
    def get_unit_name(self, signature):
        return signature.signer.get("unit", "")

    @extend_schema_field(PdfSerializer(allow_null=True))
    def get_pdf(self, signature):
        try:
            document = signature.document
        except signature._meta.get_field("document").related_model.DoesNotExist:
            return None  # the worker has not sealed it yet
        return {
            "url": absolute(self.context["request"], "api:signature_pdf", signature.pk),
            "sha256": document.sha256,
            "size": document.size,
            "seal_level": document.seal_level,
        }

    @extend_schema_field({"type": "string", "format": "uri"})
    def get_url(self, signature):
        return url_maker(self.context, "api:signature")(signature.pk)

    def to_representation(self, signature):
        # The declared fields describe the row (the OpenAPI document); the row itself is
        # written here, in one pass: DRF's field-by-field path costs more than the query.
        signer, context = signature.signer, self.context
        try:
            document = signature.document
        except signature._meta.get_field("document").related_model.DoesNotExist:
            document = None
        return {
            "id": signature.pk,
            "ceremony": signature.invitation.ceremony_id,
            "invitation": signature.invitation_id,
            "name": signer.get("name", ""),
            "identity": str(Identifier.of_signer(signer)),
            "rank": signer.get("rank", ""),
            "position": signer.get("position", ""),
            "unit_name": signer.get("unit", ""),
            "signed_at": DATETIME.to_representation(signature.signed_at),
            "method": signature.method,
            "verification_code": group_code(signature.verification_code),
            "verification_url": url_maker(context, "pledges:verify")(signature.verification_code),
            "pdf": None
            if document is None
            else {
                "url": url_maker(context, "api:signature_pdf")(signature.pk),
                "sha256": document.sha256,
                "size": document.size,
                "seal_level": document.seal_level,
            },
            "url": url_maker(context, "api:signature")(signature.pk),
        }


class RecapSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    format = serializers.SerializerMethodField()
    title = serializers.CharField()
    filename = serializers.CharField()
    content_type = serializers.CharField()
    size = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)
    expires_at = serializers.DateTimeField()
    download_url = serializers.SerializerMethodField()

    @extend_schema_field({"type": "string", "enum": ["pdf", "xlsx", "csv"]})
    def get_format(self, job):
        return job.params.get("format", "")

    @extend_schema_field({"type": "string", "format": "uri"})
    def get_download_url(self, job):
        return absolute(self.context["request"], "api:ceremony_recap_file", self.context["ceremony"].pk, job.pk)
