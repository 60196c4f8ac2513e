"""Each person's data on request (UU PDP): one ZIP of every record Netralitas holds about
one employee — ``data.json``, a readable summary ``ringkasan.pdf`` in Indonesian, their
drawn signatures and their signed pacts — and nothing about anyone else.

The same package is made three ways: by an operator (a background job, from the
employee's page), by the signer from their personal link, and by
``manage.py personal_data NIP FILE.zip``. What is left out, and why, the package says
itself (``NOT_INCLUDED``): the personal link and personal code (secrets that open the
signing page), and which staff member did what (their data, not the employee's).
"""

import io
import json
import zipfile

from django.conf import settings
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from audit.models import AuditEvent
from ceremonies.models import Invitation, Reminder
from jobs.engine import start_for
from jobs.kinds import kind
from jobs.work import JobError, Outcome, temporary_output
from netralitas.lib.dates import timestamp, waktu
from netralitas.lib.pdf.canvas import SERIF, SERIF_BOLD, draw_lines, new_canvas, wrap
from pledges import evidence
from pledges.models import DestroyedPact, Signature
from roster.identity import format_nip
from roster.models import Employee

FORMAT = 1  # the layout of data.json; a change that removes or renames a key is a new number
NOT_INCLUDED = (
    "Tautan pribadi dan kode pribadi tidak disertakan: keduanya rahasia pembuka halaman penandatanganan.",
    "Nama petugas yang mengirim pengingat atau mencatat kejadian tidak disertakan: itu data pribadi mereka.",
)
CORRECTIONS = (
    "Data kepegawaian yang salah dapat diperbaiki oleh pengelola kepegawaian instansi; perbaikannya tercatat "
    "di jejak audit. Pakta yang sudah ditandatangani tidak diubah: ia bukti apa yang ditandatangani saat itu."
)


# What apps above this one add about a person: ``{key in data.json: function(employee) -> data}``
# (``section``). The privacy app adds the agency's retention schedule.
SECTIONS = {}


def section(key):
    """Register ``function(employee)`` as the package's ``key``."""

    def register(function):
        SECTIONS[key] = function
        return function

    return register


def employee_by_identifier(value):
    """The employee whose NIP, NI PPPK or NIK is ``value`` (spaces allowed), or ``None``."""
    digits = "".join(filter(str.isdigit, value or ""))
    if not digits:
        return None
    return Employee.objects.select_related("agency", "unit").filter(Q(nip=digits) | Q(nik=digits)).first()


def collect(employee):
    """Every record about ``employee``, as plain data (what ``data.json`` holds, its times
    still aware datetimes: :func:`as_json` writes them sortable, :func:`summary_pdf` as
    officials write them), and the files that go beside it: ``(data, files)`` with
    ``files`` a list of ``(name, bytes)``. In Indonesian whatever the page's language:
    the package is a document."""
    with translation.override(settings.LANGUAGE_CODE):
        return _collect(employee)


def _collect(employee):
    invitations = list(
        Invitation.objects.filter(employee=employee)
        .select_related("ceremony__election", "unit")
        .order_by("ceremony__starts_at", "pk")
    )
    signatures = {
        signature.invitation_id: signature
        for signature in Signature.objects.filter(invitation__in=invitations).select_related("document")
    }
    reminders = Reminder.objects.filter(invitation__in=invitations).order_by("sent_at", "pk")
    # A pact destroyed per the retention schedule leaves its tombstone (no personal data).
    tombstones = {tomb.invitation_id: tomb for tomb in DestroyedPact.objects.filter(invitation__in=invitations)}
    files, records = [], []
    for invitation in invitations:
        ceremony = invitation.ceremony
        record = {
            "apel": ceremony.title,
            "pemilihan": ceremony.election.name,
            "waktu_apel": ceremony.starts_at,
            "tempat": ceremony.place,
            "unit_kerja_saat_diundang": invitation.unit.name if invitation.unit else "",
            "diundang_pada": invitation.created_at,
            "tanda_tangan": None,
            "pakta_dimusnahkan": None,
        }
        signature = signatures.get(invitation.pk)
        if signature is not None:
            record["tanda_tangan"] = _signature_record(signature, files)
        tomb = tombstones.get(invitation.pk)
        if tomb is not None:
            record["pakta_dimusnahkan"] = {
                "kode_verifikasi": tomb.display_code,
                "sha256_pdf": tomb.pdf_sha256,
                "ditandatangani_pada": tomb.signed_at,
                "dimusnahkan_pada": tomb.destroyed_at,
                "aturan": tomb.rule,
            }
        records.append(record)
    by_invitation = {invitation.pk: invitation.ceremony.title for invitation in invitations}
    data = {
        "format": FORMAT,
        "dibuat_pada": timezone.now(),
        "pengendali_data": employee.agency.name,
        "kontak_pelindungan_data": {"nama": employee.agency.privacy_officer, "email": employee.agency.privacy_email},
        "pegawai": {
            "nama": employee.name,
            "jenis": str(employee.get_employment_type_display()),
            "nip_atau_ni_pppk": employee.nip or "",
            "nik": employee.nik or "",
            "pangkat_golongan": employee.rank,
            "jabatan": employee.position,
            "unit_kerja": employee.unit.name if employee.unit else "",
            "instansi": employee.agency.name,
            "nomor_hp": employee.phone,
            "email": employee.email,
            "aktif": employee.is_active,
            "dicatat_pada": employee.created_at,
            "terakhir_diubah_pada": employee.updated_at,
        },
        "undangan": records,
        "pengingat": [
            {
                "apel": by_invitation[reminder.invitation_id],
                "saluran": str(reminder.get_channel_display()),
                "waktu": reminder.sent_at,
            }
            for reminder in reminders
        ],
        "jejak_audit": [
            {
                "waktu": event.at,
                "tindakan": str(event.get_action_display()),
                "tentang": event.object_type,
                "uraian": event.description,
            }
            for event in _trail(employee, invitations, signatures.values())
        ],
        "perbaikan": CORRECTIONS,
        "tidak_disertakan": list(NOT_INCLUDED),
    }
    for key, function in SECTIONS.items():
        data[key] = function(employee)
    return data, files


def _signature_record(signature, files):
    code = signature.display_code
    image_name = f"tanda-tangan/{code}.png"
    files.append((image_name, bytes(signature.image)))
    record = {
        "waktu": signature.signed_at,
        "kode_verifikasi": code,
        "cara": str(signature.get_method_display()),
        "identitas_yang_dibekukan": signature.signer,
        "teks_yang_ditandatangani": signature.text,
        "sha256_teks": signature.text_sha256,
        "gambar_tanda_tangan": image_name,
        "sha256_gambar": signature.image_sha256,
        "alamat_internet": signature.ip_address or "",
        "peramban": signature.user_agent,
        "waktu_menurut_perangkat": signature.claimed_at,
        "tiba_setelah_ditutup": signature.arrived_late,
        "kios": signature.kiosk_name,
        "pdf": None,
    }
    document = getattr(signature, "document", None)
    if document is not None:
        # Only the bytes that are the ones recorded: an altered pact is never handed out as theirs.
        data = evidence.read_stored(document).data
        pdf_name = f"pakta/{code}.pdf"
        record["pdf"] = {"berkas": pdf_name if data else None, "sha256": document.sha256}
        if data:
            files.append((pdf_name, data))
    return record


def _trail(employee, invitations, signatures):
    about = Q(object_type="employee", object_id=str(employee.pk))
    if invitations:
        about |= Q(object_type="invitation", object_id__in=[str(invitation.pk) for invitation in invitations])
    ids = [str(signature.pk) for signature in signatures]
    if ids:
        about |= Q(object_type="signature", object_id__in=ids)
    return AuditEvent.objects.filter(about).order_by("at", "pk")


def as_json(data, zone):
    """``data.json``: every time machine-readable and sortable in the agency's zone
    (``2024-09-26 09:15:02 WIB``, ``netralitas.lib.dates.timestamp``)."""
    return json.dumps(data, ensure_ascii=False, indent=2, default=lambda moment: timestamp(moment, zone))


def write_package(employee, target):
    """Write ``employee``'s package as a ZIP into ``target`` (a path or a binary file)."""
    data, files = collect(employee)
    zone = employee.agency.time_zone
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("data.json", as_json(data, zone))
        archive.writestr("ringkasan.pdf", summary_pdf(data, zone))
        for name, content in files:
            archive.writestr(name, content, compress_type=zipfile.ZIP_STORED)
    return data


def package_bytes(employee):
    buffer = io.BytesIO()
    write_package(employee, buffer)
    return buffer.getvalue()


def package_name(employee):
    return f"data-pribadi-{employee.pk}-{timezone.localdate():%Y%m%d}.zip"


def summary_pdf(data, zone):
    """``ringkasan.pdf``: what ``data.json`` holds, readable, in Indonesian (documents are),
    every time as officials write it in the agency's ``zone``: "7 Desember 2026 pukul
    10.15 WIB"."""
    when = lambda moment: waktu(moment, zone)  # noqa: E731
    buffer = io.BytesIO()
    with translation.override(settings.LANGUAGE_CODE):
        pdf = new_canvas(buffer, title="Ringkasan data pribadi", author=data["pengendali_data"])
        page = _Page(pdf)
        person = data["pegawai"]
        page.heading("RINGKASAN DATA PRIBADI")
        page.text(f"Dibuat {when(data['dibuat_pada'])} oleh {data['pengendali_data']} (pengendali data).")
        page.text("Isi lengkapnya ada di data.json; pakta bertanda tangan di folder pakta/.")
        page.heading("Data kepegawaian")
        for label, key in (
            ("Nama", "nama"), ("Jenis", "jenis"), ("NIP / NI PPPK", "nip_atau_ni_pppk"), ("NIK", "nik"),
            ("Pangkat/Golongan", "pangkat_golongan"), ("Jabatan", "jabatan"), ("Unit kerja", "unit_kerja"),
            ("Instansi", "instansi"), ("Nomor HP", "nomor_hp"), ("Email", "email"),
        ):  # fmt: skip
            value = format_nip(person[key]) if key == "nip_atau_ni_pppk" else person[key]  # as on documents
            page.text(f"{label}: {value or '–'}")
        page.heading(f"Undangan apel ({len(data['undangan'])})")
        for record in data["undangan"]:
            signed, destroyed = record["tanda_tangan"], record["pakta_dimusnahkan"]
            if signed:
                status = f"ditandatangani {when(signed['waktu'])}, kode {signed['kode_verifikasi']}"
            elif destroyed:
                status = (
                    f"ditandatangani {when(destroyed['ditandatangani_pada'])}, kode {destroyed['kode_verifikasi']}; "
                    f"pakta dimusnahkan {when(destroyed['dimusnahkan_pada'])} sesuai jadwal retensi "
                    f"({destroyed['aturan']}), tersisa catatan tanpa data pribadi"
                )
            else:
                status = "belum ditandatangani"
            page.text(f"{record['apel']} ({when(record['waktu_apel'])}): {status}.")
        page.heading(f"Pengingat ({len(data['pengingat'])})")
        for reminder in data["pengingat"]:
            page.text(f"{when(reminder['waktu'])} — {reminder['saluran']} — {reminder['apel']}")
        page.heading(f"Jejak audit ({len(data['jejak_audit'])})")
        for event in data["jejak_audit"]:
            page.text(f"{when(event['waktu'])} — {event['tindakan']}: {event['uraian']}")
        if data.get("jadwal_retensi"):
            page.heading("Jadwal retensi")
            for line in data["jadwal_retensi"]:
                page.text(line)
        page.heading("Perbaikan data")
        page.text(data["perbaikan"])
        page.heading("Tidak disertakan")
        for line in data["tidak_disertakan"]:
            page.text(line)
        contact = data["kontak_pelindungan_data"]
        page.heading("Kontak pelindungan data pribadi")
        page.text(" · ".join(part for part in (contact["nama"], contact["email"]) if part) or data["pengendali_data"])
        pdf.save()
    return buffer.getvalue()


class _Page:
    """Flowing lines down A4 pages, a new page when one is full."""

    LEFT, TOP, BOTTOM, WIDTH = 56, 800, 56, 483

    def __init__(self, pdf):
        self.pdf, self.y = pdf, self.TOP

    def _lines(self, lines, font, size, leading, before=0):
        self.y -= before
        for line in lines:
            if self.y < self.BOTTOM:
                self.pdf.showPage()
                self.y = self.TOP
            self.y = draw_lines(self.pdf, [line], self.LEFT, self.y, font=font, size=size, leading=leading)

    def heading(self, text):
        self._lines(wrap(text, SERIF_BOLD, 11, self.WIDTH), SERIF_BOLD, 11, 15, before=8)

    def text(self, text):
        self._lines(wrap(text, SERIF, 9.5, self.WIDTH), SERIF, 9.5, 12.5)


def start_personal_data(request, employee):
    return start_for(
        request,
        kind=personal_data,
        title=_("Data pribadi %(name)s") % {"name": employee.name},
        agency=employee.agency,
        params={"employee": employee.pk},
    )


@kind("personal_data", gettext_lazy("Data pribadi satu pegawai (UU PDP)"))
def personal_data(job, progress):
    employee = Employee.objects.select_related("agency", "unit").filter(pk=job.params.get("employee")).first()
    if employee is None or employee.agency_id != job.agency_id:
        raise JobError(_("Pegawai ini tidak ada lagi."))
    progress.stage(_("Mengumpulkan data"), total=1)
    with temporary_output(".zip") as path:
        data = write_package(employee, path)
        progress.step()
        return Outcome(
            path=path,
            filename=package_name(employee),
            content_type="application/zip",
            result={"invitations": len(data["undangan"]), "events": len(data["jejak_audit"])},
        )
