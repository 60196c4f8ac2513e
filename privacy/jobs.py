"""The breach register's background work: the list of the persons an incident touched
(xlsx), and the notification letters — one to the authority, one to each person — as
one PDF in Indonesian, drawn with ReportLab (an agency may have tens of thousands)."""

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jobs.kinds import kind
from jobs.work import JobError, Outcome, table_file, temporary_output
from netralitas.lib.dates import tanggal, waktu
from netralitas.lib.pdf.canvas import SERIF, SERIF_BOLD, draw_lines, new_canvas, wrap
from privacy.models import Breach
from roster.contact import local_phone

AFFECTED_COLUMNS = ("NIP / NI PPPK / NIK", "Nama", "Unit kerja", "Nomor HP", "Email")


def _breach(job):
    breach = Breach.objects.select_related("agency", "ceremony").filter(pk=job.params.get("breach")).first()
    if breach is None or breach.agency_id != job.agency_id:
        raise JobError(_("Catatan kegagalan ini tidak ada lagi."))
    return breach


@kind("breach_affected", gettext_lazy("Daftar orang terdampak kegagalan pelindungan data"))
def breach_affected(job, progress):
    breach = _breach(job)
    people = breach.affected()
    progress.stage(_("Menulis daftar"), total=people.count())
    rows = (
        (employee.nip or employee.nik or "", employee.name, employee.unit.name if employee.unit else "",
         local_phone(employee.phone), employee.email)
        for employee in people.iterator(chunk_size=2000)
    )  # fmt: skip
    filename = f"terdampak-{breach.pk}-{timezone.localdate():%Y%m%d}"
    return table_file(progress, "xlsx", filename, list(AFFECTED_COLUMNS), rows, sheet="Terdampak")


@kind("breach_letters", gettext_lazy("Surat pemberitahuan kegagalan pelindungan data"))
def breach_letters(job, progress):
    breach = _breach(job)
    people = breach.affected()
    count = people.count()
    progress.stage(_("Menulis surat"), total=count + 1)
    with temporary_output(".pdf") as path:
        pdf = new_canvas(path, title=f"Pemberitahuan: {breach.title}", author=breach.agency.name)
        _letter(pdf, breach, to_authority=True)
        progress.step()
        for employee in people.iterator(chunk_size=2000):
            _letter(pdf, breach, person=employee)
            progress.step()
        pdf.save()
        return Outcome(
            path=path,
            filename=f"surat-pemberitahuan-{breach.pk}-{timezone.localdate():%Y%m%d}.pdf",
            content_type="application/pdf",
            result={"letters": count + 1},
        )


LEFT, TOP, WIDTH = 70, 770, 455


def _letter(pdf, breach, *, to_authority=False, person=None):
    """One page: a letter in Indonesian, as the templates of the register say."""
    agency = breach.agency
    zone = agency.time_zone
    y = draw_lines(pdf, [agency.name.upper()], LEFT, TOP, font=SERIF_BOLD, size=12, leading=16)
    y = draw_lines(pdf, [f"{agency.place_name}, {tanggal(timezone.now(), zone)}"], LEFT, y - 10, font=SERIF,
                   size=10.5, leading=14)  # fmt: skip
    if to_authority:
        recipient = ["Kepada Yth.", "Lembaga Pelindungan Data Pribadi", "di tempat"]
        subject = "Perihal: Pemberitahuan kegagalan pelindungan data pribadi"
        opening = (
            f"Dengan ini {agency.name}, selaku pengendali data pribadi, memberitahukan kegagalan pelindungan "
            "data pribadi sebagaimana dimaksud Pasal 46 Undang-Undang Nomor 27 Tahun 2022 tentang Pelindungan "
            "Data Pribadi, dengan keterangan berikut."
        )
    else:
        recipient = ["Kepada Yth.", person.name, person.unit.name if person.unit else agency.name]
        subject = "Perihal: Pemberitahuan kegagalan pelindungan data pribadi Anda"
        opening = (
            f"Dengan ini {agency.name} memberitahukan bahwa terjadi kegagalan pelindungan data pribadi yang "
            "menyangkut data pribadi Anda, sebagaimana diwajibkan Pasal 46 Undang-Undang Nomor 27 Tahun 2022 "
            "tentang Pelindungan Data Pribadi."
        )
    y = draw_lines(pdf, recipient, LEFT, y - 14, font=SERIF, size=10.5, leading=14)
    y = draw_lines(pdf, [subject], LEFT, y - 10, font=SERIF_BOLD, size=10.5, leading=14)
    y = draw_lines(pdf, wrap(opening, SERIF, 10.5, WIDTH), LEFT, y - 10, font=SERIF, size=10.5, leading=14)
    facts = [
        ("Kejadian", breach.title),
        ("Diketahui pada", waktu(breach.detected_at, zone)),
        ("Yang terjadi", breach.description),
        ("Data pribadi yang terdampak", breach.data_kinds),
        ("Langkah penanganan dan pemulihan", breach.measures or "sedang dilakukan"),
    ]
    if to_authority:
        facts.append(("Jumlah orang terdampak", str(breach.affected().count())))
    contact = " · ".join(part for part in (agency.privacy_officer, agency.privacy_email) if part)
    facts.append(("Kontak", contact or f"Bagian kepegawaian atau sekretariat {agency.name}"))
    for label, text in facts:
        y = draw_lines(pdf, [label], LEFT, y - 8, font=SERIF_BOLD, size=10.5, leading=14)
        y = draw_lines(pdf, wrap(text, SERIF, 10.5, WIDTH, max_lines=12), LEFT, y, font=SERIF, size=10.5, leading=14)
    draw_lines(pdf, [agency.name], LEFT, max(y - 30, 80), font=SERIF, size=10.5, leading=14)
    pdf.showPage()
