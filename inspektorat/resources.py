"""Spreadsheet exports for the Inspektorat (xlsx and csv, through django-import-export).

Every text cell is formula-escaped (``FormulaSafeExportMixin``): names, units and
descriptions come from rosters and users, and a cell starting with ``=`` or ``+``
must never run in the auditor's Excel. Column titles are fixed Indonesian, like
the recap PDF, so that a file reads the same for everyone who receives it.
"""

from import_export import fields, resources

from audit.models import TRAIL_TIME_ZONE
from netralitas.lib.dates import timestamp
from netralitas.lib.spreadsheet import FormulaSafeExportMixin


class RecapResource(FormulaSafeExportMixin, resources.Resource):
    """The recap's table: one row per invitee, from ``inspektorat.queries.recap_rows``."""

    no = fields.Field(attribute="no", column_name="No")
    name = fields.Field(attribute="name", column_name="Nama")
    # Grouped as printed ("19800101 200501 1 001"): stays text in Excel, all 18 digits kept.
    nip = fields.Field(attribute="nip", column_name="NIP")
    unit = fields.Field(attribute="unit", column_name="Unit Kerja")
    employment_type = fields.Field(attribute="employment_type", column_name="Jenis Kepegawaian")
    rank = fields.Field(attribute="rank", column_name="Pangkat/Golongan")
    status = fields.Field(attribute="status", column_name="Status")
    signed_at = fields.Field(attribute="signed_at", column_name="Waktu tanda tangan")
    verification_code = fields.Field(attribute="verification_code", column_name="Kode verifikasi")

    class Meta:
        fields = (
            "no",
            "name",
            "nip",
            "unit",
            "employment_type",
            "rank",
            "status",
            "signed_at",
            "verification_code",
        )
        export_order = fields


class TrailResource(FormulaSafeExportMixin, resources.Resource):
    """The audit trail, times in WIB."""

    at = fields.Field(column_name="Waktu (WIB)")
    username = fields.Field(attribute="username", column_name="Pengguna")
    action = fields.Field(column_name="Tindakan")
    agency = fields.Field(column_name="Instansi")
    object_type = fields.Field(attribute="object_type", column_name="Jenis objek")
    object_id = fields.Field(attribute="object_id", column_name="Id objek")
    description = fields.Field(attribute="description", column_name="Keterangan")
    ip_address = fields.Field(attribute="ip_address", column_name="Alamat IP")

    class Meta:
        fields = ("at", "username", "action", "agency", "object_type", "object_id", "description", "ip_address")
        export_order = fields

    def dehydrate_at(self, event):
        return timestamp(event.at, TRAIL_TIME_ZONE)

    def dehydrate_action(self, event):
        return str(event.get_action_display())

    def dehydrate_agency(self, event):
        return event.agency.name if event.agency_id else ""
