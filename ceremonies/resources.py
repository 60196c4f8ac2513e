"""The invitation list of one ceremony as a spreadsheet (xlsx/csv)."""

from django.utils.translation import gettext_lazy as _
from import_export import fields, resources

from ceremonies.models import Invitation
from netralitas.lib.dates import timestamp
from netralitas.lib.spreadsheet import FormulaSafeExportMixin


class InvitationResource(FormulaSafeExportMixin, resources.ModelResource):
    identifier = fields.Field(column_name=_("NIP / NIK"))
    name = fields.Field(attribute="employee__name", column_name=_("Nama"))
    employment_type = fields.Field(column_name=_("Jenis"))
    rank = fields.Field(attribute="employee__rank", column_name=_("Pangkat/Golongan"))
    position = fields.Field(attribute="employee__position", column_name=_("Jabatan"))
    unit = fields.Field(attribute="unit__name", column_name=_("Unit Kerja"))
    status = fields.Field(column_name=_("Status"))
    signed_at = fields.Field(column_name=_("Waktu tanda tangan"))
    verification_code = fields.Field(column_name=_("Kode verifikasi"))
    code = fields.Field(attribute="code", column_name=_("Kode pribadi"))
    link = fields.Field(column_name=_("Tautan pribadi"))

    class Meta:
        model = Invitation
        fields = (
            "identifier",
            "name",
            "employment_type",
            "rank",
            "position",
            "unit",
            "status",
            "signed_at",
            "verification_code",
            "code",
            "link",
        )
        export_order = fields

    def __init__(self, ceremony, **kwargs):
        super().__init__(**kwargs)
        self.ceremony = ceremony
        self.tz_name = ceremony.agency.time_zone

    def get_queryset(self):
        return (
            Invitation.objects.filter(ceremony=self.ceremony)
            .select_related("employee", "unit", "signature")
            .defer("signature__image", "signature__text", "signature__pact", "signature__signer")
            .order_by("unit__name", "employee__name")
        )

    def dehydrate_identifier(self, invitation):
        return invitation.employee.identifier.number

    def dehydrate_employment_type(self, invitation):
        return invitation.employee.get_employment_type_display()

    def _signature(self, invitation):
        return getattr(invitation, "signature", None)

    def dehydrate_status(self, invitation):
        return str(_("Sudah") if self._signature(invitation) else _("Belum"))

    def dehydrate_signed_at(self, invitation):
        signature = self._signature(invitation)
        if not signature:
            return ""
        return timestamp(signature.signed_at, self.tz_name)

    def dehydrate_verification_code(self, invitation):
        signature = self._signature(invitation)
        return signature.display_code if signature else ""

    def dehydrate_link(self, invitation):
        return invitation.public_url
