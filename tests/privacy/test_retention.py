"""The retention schedule (issue 23 item 3): ``manage.py apply_retention`` destroys expired
pacts through the one guarded path — a tombstone per pact, a sealed berita acara, no row and
no file left behind — erases expired contacts, reduces expired device data; ``--dry-run``
lists exactly that and changes nothing; the guards still refuse everything else."""

import datetime
import io
import re

import pdfplumber
import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage, storages
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from audit.models import AuditEvent
from ceremonies.models import Ceremony, Invitation
from netralitas.lib.dates import tanggal
from pledges.models import (
    ArchivalTimestamp,
    DestroyedPact,
    Destruction,
    FileDeletion,
    PactDocument,
    ReducedDevice,
    Signature,
    StorageFinding,
    sha256_hex,
)
from pledges.pdf.certificates import trust_roots
from privacy import retention
from privacy.models import RetentionPolicy
from roster.models import Employee
from tests import factories, stored

pytestmark = pytest.mark.django_db

OLD = datetime.datetime(2019, 4, 10, 3, 0, tzinfo=datetime.UTC)  # an apel before Pemilu 2019
CHROME = "Mozilla/5.0 (Linux; Android 13) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Mobile Safari/537.36"
FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0"


def archival_stamp(document):
    """An archival timestamp of ``document``, as ``add_archival_timestamps`` leaves one."""
    data = b"%PDF-1.7 stempel waktu arsip " + document.sha256.encode()
    name = default_storage.save(document.file.name.removesuffix(".pdf") + "-lta.pdf", ContentFile(data))
    return ArchivalTimestamp.objects.create(
        document=document, file=name, sha256=sha256_hex(data), size=len(data), stamped_at=OLD, expires_at=OLD
    )


class Scene:
    """Agency A: a pact of Pemilu 2019 (expired: 2019 + 5 years), with its PDF, an archival
    timestamp and a storage finding; a pact of Pilkada 2024 signed in 2025 from a phone
    (device expired, pact kept) and one signed today (nothing expired). Contacts: a person
    whose last apel closed 100 days ago (erased), one 30 days ago (kept), one with an old
    closed apel and an open one (kept), one never invited (kept). Agency B: one expired pact."""

    def __init__(self, world, sign):
        world.certify()
        self.world = world
        a, b = world.agency_a, world.agency_b
        now = timezone.now()
        pemilu = factories.election(
            name="Pemilihan Umum Tahun 2019", short_name="Pemilu 2019", kind="pemilu",
            voting_date=datetime.date(2019, 4, 17),
        )  # fmt: skip
        old_a = factories.ceremony(a, election=pemilu, starts_at=OLD, title="Apel Pemilu 2019")
        old_b = factories.ceremony(b, election=pemilu, starts_at=OLD, title="Apel Pemilu 2019 Bandung")
        self.old = sign(old_a.invitations.create(employee=world.employees_a[0], unit=world.unit_a), pdf=True, now=OLD)
        self.old.document.refresh_from_db()
        self.stamp = archival_stamp(self.old.document)
        StorageFinding.objects.create(document=self.old.document, state="altered", found_during="download")
        self.old_b = sign(old_b.invitations.create(employee=world.employees_b[0], unit=world.unit_b), pdf=True, now=OLD)
        for ceremony in (old_a, old_b):
            Ceremony.objects.filter(pk=ceremony.pk).update(
                status=Ceremony.Status.CLOSED, signing_closes_at=OLD + datetime.timedelta(days=1)
            )
        # Pilkada 2024 (the world's ceremony): one signed in 2025 from a phone, one today.
        from pledges.services import signature_create

        phone = world.invitations_a[1]
        self.phone, _ = signature_create(
            invitation=phone, shown=factories.shown(phone), image_png=factories.signature_png(), method="link",
            ip_address="203.0.113.77", user_agent=CHROME, now=now - datetime.timedelta(days=400),
        )  # fmt: skip
        laptop = world.invitations_a[2]
        self.laptop, _ = signature_create(
            invitation=laptop, shown=factories.shown(laptop), image_png=factories.signature_png(), method="link",
            ip_address="2001:db8:abcd:12::1", user_agent=FIREFOX, now=now - datetime.timedelta(days=500),
        )  # fmt: skip
        self.today = sign(world.invitations_a[3], pdf=True)
        # Contacts: each on their own closed apel, or with an open one.
        self.gone, self.recent, self.busy, self.never = (
            factories.employee(a, phone="6281234567890", email=f"orang{n}@contoh.go.id") for n in range(4)
        )
        closed_100 = factories.ceremony(
            a, status=Ceremony.Status.CLOSED, starts_at=now - datetime.timedelta(days=101),
            signing_closes_at=now - datetime.timedelta(days=100),
        )  # fmt: skip
        closed_30 = factories.ceremony(
            a, status=Ceremony.Status.CLOSED, starts_at=now - datetime.timedelta(days=31),
            signing_closes_at=now - datetime.timedelta(days=30),
        )  # fmt: skip
        open_now = factories.ceremony(a, status=Ceremony.Status.OPEN)
        Invitation.objects.create(ceremony=closed_100, employee=self.gone)
        Invitation.objects.create(ceremony=closed_30, employee=self.recent)
        Invitation.objects.create(ceremony=closed_100, employee=self.busy)
        Invitation.objects.create(ceremony=open_now, employee=self.busy)


@pytest.fixture
def scene(world, sign):
    return Scene(world, sign)


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    """``manage.py apply_retention`` with its after-commit work done, as in production
    (the test's own transaction never commits): ``(stdout, stderr)``."""

    def run(*args):
        out, err = io.StringIO(), io.StringIO()
        with django_capture_on_commit_callbacks(execute=True):
            call_command("apply_retention", *args, stdout=out, stderr=err)
        return out.getvalue(), err.getvalue()

    return run


def items(output):
    return sorted(line.strip() for line in output.splitlines() if line.strip().startswith("- "))


def snapshot():
    """Every row of every table retention touches, and every stored file with its hash."""
    tables = (Signature, PactDocument, ArchivalTimestamp, StorageFinding, Destruction, DestroyedPact, ReducedDevice,
              FileDeletion, Employee, RetentionPolicy)  # fmt: skip
    rows = {model.__name__: sorted(map(repr, model.objects.values_list())) for model in tables}
    return rows, stored.hashes()


def test_dry_run_lists_exactly_what_the_run_then_does_and_changes_nothing(run, scene):
    before = snapshot()
    dry, _err = run("--dry-run")
    assert "Uji coba (--dry-run): tidak ada yang diubah." in dry
    assert snapshot() == before

    listed = items(dry)
    rule = "JRA 5 tahun sesudah tahun pemilihan 2019 (Pemilu 2019): disimpan sampai 31 Desember 2024"
    assert [line for line in listed if line.startswith("- pakta ")] == sorted(
        f"- pakta {signature.display_code}, SHA-256 PDF {signature.document.sha256} — {rule}"
        for signature in (scene.old, scene.old_b)
    )
    contacts = [line for line in listed if line.startswith("- kontak")]
    assert len(contacts) == 1 and contacts[0].startswith(f"- kontak pegawai #{scene.gone.pk} (")
    assert scene.gone.nip not in dry  # masked: the cron's log holds no full NIP
    assert [line for line in listed if line.startswith("- perangkat")] == sorted(
        [
            f"- perangkat pakta {scene.phone.display_code} menjadi 203.0.113.0, Chrome",
            f"- perangkat pakta {scene.laptop.display_code} menjadi 2001:db8:abcd::, Firefox",
        ]
    )

    real, err = run()
    assert err == ""
    assert items(real) == listed
    assert Destruction.objects.count() == 2  # one per agency
    assert RetentionPolicy.objects.count() == 2  # the defaults that ruled, recorded


def test_a_destruction_leaves_no_row_and_no_file_but_the_tombstone_and_the_berita_acara(run, scene):
    old = scene.old
    document = old.document
    files = {document.file.name, scene.stamp.file.name}
    assert files <= set(stored.names())
    pdf_sha = document.sha256

    run()

    assert not Signature.objects.filter(pk=old.pk).exists()
    assert not PactDocument.objects.filter(pk=document.pk).exists()
    assert not ArchivalTimestamp.objects.filter(pk=scene.stamp.pk).exists()
    assert not StorageFinding.objects.filter(document_id=document.pk).exists()
    assert not files & set(stored.names())
    assert not FileDeletion.objects.filter(deleted_at__isnull=True).exists()

    tomb = DestroyedPact.objects.get(verification_code=old.verification_code)
    destruction = tomb.destruction
    assert destruction.agency == scene.world.agency_a
    assert (tomb.signature_key, tomb.invitation_id, tomb.pdf_sha256) == (old.pk, old.invitation_id, pdf_sha)
    assert (tomb.signed_at, tomb.ceremony_at, tomb.election_date) == (old.signed_at, OLD, datetime.date(2019, 4, 17))
    assert "JRA 5 tahun" in tomb.rule
    assert (destruction.pacts, destruction.contacts, destruction.devices) == (1, 1, 2)
    assert stored.read(destruction.file.name) and sha256_hex(stored.read(destruction.file.name)) == destruction.sha256
    # The other pacts are all there, untouched but for the reduced devices.
    assert set(Signature.objects.values_list("pk", flat=True)) == {scene.phone.pk, scene.laptop.pk, scene.today.pk}
    assert Signature.objects.get(pk=scene.today.pk).is_intact()
    assert AuditEvent.objects.filter(object_type="destruction", object_id=str(destruction.pk)).exists()


def test_contacts_are_erased_only_for_people_whose_last_apel_closed_long_enough_ago(run, scene):
    run()
    people = (scene.gone, scene.recent, scene.busy, scene.never)
    contacts = {e.pk: (e.phone, e.email) for e in Employee.objects.filter(pk__in=[p.pk for p in people])}
    assert contacts[scene.gone.pk] == ("", "")
    for kept in (scene.recent, scene.busy, scene.never):
        assert contacts[kept.pk] == (kept.phone, kept.email)


def test_a_shorter_contact_rule_of_the_agency_is_followed(run, scene):
    policy = RetentionPolicy.for_agency(scene.world.agency_a)
    policy.contact_days = 20
    policy.save()
    run()
    assert Employee.objects.get(pk=scene.recent.pk).phone == ""
    assert Employee.objects.get(pk=scene.busy.pk).phone != ""  # an open apel keeps them


def test_device_address_and_browser_are_reduced_and_nothing_else(run, scene):
    before = {s.pk: s for s in Signature.objects.filter(pk__in=[scene.phone.pk, scene.laptop.pk, scene.today.pk])}
    run()
    after = {s.pk: s for s in Signature.objects.filter(pk__in=before)}
    assert (after[scene.phone.pk].ip_address, after[scene.phone.pk].user_agent) == ("203.0.113.0", "Chrome")
    assert (after[scene.laptop.pk].ip_address, after[scene.laptop.pk].user_agent) == ("2001:db8:abcd::", "Firefox")
    today = after[scene.today.pk]
    assert (today.ip_address, today.user_agent) == (
        before[scene.today.pk].ip_address,
        before[scene.today.pk].user_agent,
    )
    for pk, signature in after.items():
        assert signature.is_intact()
        assert (signature.text, signature.signed_at, signature.verification_code) == (
            before[pk].text, before[pk].signed_at, before[pk].verification_code
        )  # fmt: skip
    assert set(ReducedDevice.objects.values_list("signature_key", flat=True)) == {scene.phone.pk, scene.laptop.pk}


@pytest.mark.parametrize(
    ("agent", "family"),
    [
        (CHROME, "Chrome"),
        (FIREFOX, "Firefox"),
        ("Mozilla/5.0 (Windows NT 10.0) AppleWebKit/537.36 Chrome/120.0 Safari/537.36 Edg/120.0", "Edge"),
        ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0) AppleWebKit/605.1.15 Version/17.0 Mobile Safari/604.1", "Safari"),
        ("Mozilla/5.0 (Linux; Android 13) SamsungBrowser/23.0 Chrome/115.0 Mobile Safari/537.36", "Samsung Internet"),
        ("curl/8.5.0", "lainnya"),
        ("", ""),
    ],
)
def test_the_database_accepts_exactly_the_browser_family_the_code_computes(world, sign, agent, family):
    """The guard computes the family itself: the code's reduction must be the guard's."""
    world.certify()
    from pledges.services import signature_create

    invitation = world.invitations_a[0]
    signature, _ = signature_create(
        invitation=invitation, shown=factories.shown(invitation), image_png=factories.signature_png(), method="link",
        ip_address="198.51.100.9", user_agent=agent, now=timezone.now() - datetime.timedelta(days=400),
    )  # fmt: skip
    assert retention.browser_family(agent) == family
    plan = retention.plan(world.agency_a)
    expected = [(signature.pk, "198.51.100.0", family)]
    assert [(d.signature_id, d.ip_address, d.user_agent) for d in plan.devices] == expected
    retention.carry_out(plan)
    signature.refresh_from_db()
    assert (signature.ip_address, signature.user_agent) == ("198.51.100.0", family)


def test_the_berita_acara_reads_back_and_its_seal_validates(run, scene):
    run()
    destruction = Destruction.objects.get(agency=scene.world.agency_a)
    data = stored.read(destruction.file.name)
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        text = re.sub(r"\s+", " ", " ".join(page.extract_text() for page in pdf.pages))
    for expected in (
        "BERITA ACARA PEMUSNAHAN ARSIP DAN DATA PRIBADI",
        f"Nomor: {destruction.number}",
        "Undang-Undang Nomor 43 Tahun 2009 tentang Kearsipan",
        "Undang-Undang Nomor 27 Tahun 2022 tentang Pelindungan Data Pribadi, Pasal 44",
        scene.old.display_code,
        scene.old.document.sha256[:40],
        tanggal(scene.old.signed_at, "Asia/Jakarta"),
        tanggal(destruction.created_at, scene.world.agency_a.time_zone),
        "Nomor HP dan email dihapus : 1 pegawai",
        "Perangkat disamarkan : 2 tanda tangan",
        "PEMERINTAH KOTA",  # the letterhead
    ):
        assert expected in text.replace(" :", " :"), expected
    assert scene.old_b.display_code not in text  # agency B's pact is in B's berita acara
    for employee in scene.world.employees_a:
        assert employee.name not in text and employee.nip not in text
    reader = PdfFileReader(io.BytesIO(data))
    (embedded,) = reader.embedded_signatures
    status = validate_pdf_signature(embedded, ValidationContext(trust_roots=trust_roots(scene.world.agency_a)))
    assert status.intact and status.valid and status.coverage.name == "ENTIRE_FILE"


def test_the_verification_page_of_a_destroyed_pact_says_so_with_its_hash_and_nothing_personal(run, client, scene):
    code, sha, name, nip = (
        scene.old.verification_code,
        scene.old.document.sha256,
        scene.old.signer["name"],
        scene.old.signer["id_number"],
    )
    run()
    response = client.get(reverse("pledges:verify", args=[code]))
    assert response.status_code == 200
    page = response.content.decode()
    destruction = DestroyedPact.objects.get(verification_code=code).destruction
    assert "Pakta ini sudah dimusnahkan." in page
    assert sha in page
    assert "jadwal retensi arsip" in page
    assert destruction.created_at.astimezone(scene.world.agency_a.tzinfo).strftime("%Y") in page
    assert name not in page and nip[:8] not in page
    lookup = client.get(reverse("pledges:verify_lookup"), {"code": scene.old.display_code})
    assert lookup.status_code == 302 and lookup["Location"] == reverse("pledges:verify", args=[code])


def test_a_second_run_finds_nothing_and_changes_nothing(run, scene):
    run()
    before = snapshot()
    out, _err = run()
    assert out.count("tidak ada yang kedaluwarsa") == 2
    assert snapshot() == before


def test_a_file_that_could_not_be_deleted_is_kept_listed_and_deleted_by_the_next_run(run, scene, monkeypatch):
    name = scene.old.document.file.name
    storage_class = type(storages["default"])

    def broken(self, name):
        raise OSError("disk hilang")

    with monkeypatch.context() as patch:
        patch.setattr(storage_class, "delete", broken)
        run()
    assert not Signature.objects.filter(pk=scene.old.pk).exists()  # the rows went all together
    assert name in stored.names()
    failed = FileDeletion.objects.get(name=name)
    assert (failed.deleted_at, failed.attempts, failed.error) == (None, 1, "disk hilang")
    dry, _err = run("--dry-run")
    assert f"Berkas yang belum terhapus akan dicoba lagi: {name}" in dry
    out, _err = run()
    assert "Berkas tertunda: 3 terhapus, 0 masih gagal." in out  # agency A's PDF and stamp, B's PDF
    assert name not in stored.names()
    assert FileDeletion.objects.get(name=name).deleted_at is not None


def test_an_agency_that_cannot_seal_loses_nothing_and_is_named(run, scene):
    from pledges.pdf.certificates import certificate_path

    certificate_path(scene.world.agency_b).unlink()
    with pytest.raises(CommandError, match=f"Jadwal retensi tidak dapat diterapkan untuk: {scene.world.agency_b.name}"):
        run()
    assert Signature.objects.filter(pk=scene.old_b.pk).exists()
    assert scene.old_b.document.file.name in stored.names()
    assert not Destruction.objects.filter(agency=scene.world.agency_b).exists()
    assert not any(name.startswith(f"berita-acara/{scene.world.agency_b.pk}/") for name in stored.names())
    assert not Signature.objects.filter(pk=scene.old.pk).exists()  # agency A went ahead


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--bogus"], "Argumen tidak dikenal. Pemakaian: python manage.py apply_retention [--dry-run] [--agency ID]"),
        (["--agency", "abc"], "--agency harus id instansi (angka), bukan abc."),
        (["--agency", "987654"], "Tidak ada instansi dengan id 987654."),
    ],
)
def test_bad_arguments_are_answered_in_indonesian(db, args, message):
    with pytest.raises(CommandError) as caught:
        call_command("apply_retention", *args)
    assert str(caught.value) == message


# The guards: the one way out is narrow.


def refused(sql, params=()):
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def opened(destruction):
    """What the retention path does on PostgreSQL: this transaction carries out ``destruction``."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('netralitas.retention', %s, true)", [str(destruction.pk)])


def test_after_a_destruction_the_guards_still_refuse_everything_else(run, scene):
    run()
    destruction = Destruction.objects.get(agency=scene.world.agency_a)
    opened(destruction)  # even with the opening still set
    tomb = DestroyedPact.objects.get(destruction=destruction)
    phone = scene.phone.pk
    for sql, params in (
        ("DELETE FROM pledges_signature WHERE id = %s", [scene.today.pk]),
        ("DELETE FROM pledges_pactdocument WHERE signature_id = %s", [scene.today.pk]),
        ("UPDATE pledges_signature SET text = 'diubah' WHERE id = %s", [phone]),
        ("UPDATE pledges_signature SET ip_address = '203.0.113.99' WHERE id = %s", [phone]),
        ("UPDATE pledges_signature SET user_agent = 'Firefox' WHERE id = %s", [phone]),
        (
            "UPDATE pledges_signature SET ip_address = '203.0.113.0', signed_at = signed_at WHERE id = %s",
            [scene.today.pk],
        ),
        ("UPDATE pledges_signature SET method = 'apel' WHERE id = %s", [phone]),
        ("DELETE FROM pledges_signature WHERE id = %s", [phone]),
        ("UPDATE pledges_pactdocument SET sha256 = 'x' WHERE signature_id = %s", [scene.today.pk]),
        ("DELETE FROM pledges_destroyedpact WHERE id = %s", [tomb.pk]),
        ("UPDATE pledges_destroyedpact SET pdf_sha256 = 'x' WHERE id = %s", [tomb.pk]),
        ("DELETE FROM pledges_destruction WHERE id = %s", [destruction.pk]),
        ("UPDATE pledges_destruction SET pacts = 0 WHERE id = %s", [destruction.pk]),
        ("DELETE FROM pledges_reduceddevice WHERE signature_key = %s", [phone]),
        ("DELETE FROM audit_auditevent", []),
    ):
        refused(sql, params)
    assert Signature.objects.get(pk=phone).ip_address == "203.0.113.0"


def test_a_pact_goes_only_with_a_true_tombstone_of_its_own_agency(scene):
    """What plain SQL would have to do: a tombstone that names the pact's code and its PDF's
    hash, under a destruction of the pact's own agency (and, on PostgreSQL, in the
    transaction that opened that destruction) — all of it written, visible, never erased."""
    today = scene.today
    document = today.document
    a, b = scene.world.agency_a, scene.world.agency_b
    mine = Destruction.objects.create(agency=a, number="PMS/uji/1", file="x.pdf", sha256="0" * 64, size=1)
    theirs = Destruction.objects.create(agency=b, number="PMS/uji/2", file="y.pdf", sha256="0" * 64, size=1)
    tomb_sql = (
        "INSERT INTO pledges_destroyedpact (destruction_id, signature_key, invitation_id, verification_code, "
        "pdf_sha256, signed_at, ceremony_at, election_date, rule, destroyed_at) "
        "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, 'uji', %s)"
    )
    now = timezone.now()

    def tomb(destruction, code=today.verification_code, sha=document.sha256):
        return [destruction.pk, today.pk, today.invitation_id, code, sha, now, now, datetime.date(2024, 11, 27), now]

    # Without a tombstone, with the opening: refused.
    opened(mine)
    refused("DELETE FROM pledges_signature WHERE id = %s", [today.pk])
    # A false tombstone is refused: another hash, another code, another agency.
    refused(tomb_sql, tomb(mine, sha="f" * 64))
    refused(tomb_sql, tomb(mine, code="AAAAAAAAAA"))
    opened(theirs)
    refused(tomb_sql, tomb(theirs))
    if connection.vendor == "postgresql":
        # Not in the transaction that opened the destruction: refused.
        opened(theirs)
        refused(tomb_sql, tomb(mine))
    opened(mine)
    with connection.cursor() as cursor:
        cursor.execute(tomb_sql, tomb(mine))
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('netralitas.retention', '', true)")
        refused("DELETE FROM pledges_pactdocument WHERE id = %s", [document.pk])
        opened(mine)
    # The PDF may only go after its archival timestamps; the pact after its PDF (PROTECT).
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM pledges_pactdocument WHERE id = %s", [document.pk])
        cursor.execute("DELETE FROM pledges_signature WHERE id = %s", [today.pk])
    assert not Signature.objects.filter(pk=today.pk).exists()
    assert DestroyedPact.objects.filter(verification_code=today.verification_code, destruction=mine).exists()
    refused("DELETE FROM pledges_destroyedpact WHERE destruction_id = %s", [mine.pk])


def test_the_personal_data_package_names_the_tombstone_and_the_retention_rules(run, scene):
    from pledges import personal_data

    employee = scene.old.invitation.employee
    code, sha = scene.old.display_code, scene.old.document.sha256
    run()
    data, files = personal_data.collect(employee)
    (record,) = [r for r in data["undangan"] if r["apel"] == "Apel Pemilu 2019"]
    assert record["tanda_tangan"] is None
    destroyed = record["pakta_dimusnahkan"]
    assert (destroyed["kode_verifikasi"], destroyed["sha256_pdf"]) == (code, sha)
    assert "JRA 5 tahun" in destroyed["aturan"]
    assert data["jadwal_retensi"] == RetentionPolicy.of(employee.agency).rules()
    assert any("90 hari" in line for line in data["jadwal_retensi"])
    assert not any(code in name for name, _content in files)  # its PDF and drawing are gone
    summary = personal_data.summary_pdf(data, employee.agency.time_zone)
    with pdfplumber.open(io.BytesIO(summary)) as pdf:
        text = re.sub(r"\s+", " ", " ".join(page.extract_text() for page in pdf.pages))
    assert "pakta dimusnahkan" in text and "Jadwal retensi" in text


def test_the_berita_acara_is_handed_to_staff_of_its_agency_intact_and_recorded(run, client, scene):
    run()
    world = scene.world
    destruction = Destruction.objects.get(agency=world.agency_a)
    url = reverse("privacy:berita_acara", args=[destruction.pk])
    client.force_login(world.auditor_a)
    listing = client.get(reverse("privacy:destructions"))
    assert destruction.number in listing.content.decode()
    assert Destruction.objects.get(agency=world.agency_b).number not in listing.content.decode()
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == stored.read(destruction.file.name)
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.DOWNLOAD, object_type="destruction", object_id=str(destruction.pk),
        username="auditor_a",
    ).exists()  # fmt: skip
    client.force_login(world.operator_b)
    assert client.get(url).status_code == 404
    stored.flip_one_byte(destruction.file.name)
    client.force_login(world.operator_a)
    altered = client.get(url)
    assert altered.status_code == 404 and "SHA-256 tidak cocok" in altered.content.decode()


@pytest.mark.django_db
def test_the_sqlite_reduction_trigger_names_every_other_column_of_a_signature():
    """On SQLite the retention opening lists the columns that must not change by name: a
    column added to ``Signature`` later must be added there too, or it could be changed
    through the opening (on PostgreSQL the whole row is compared)."""
    if connection.vendor != "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("SELECT prosrc FROM pg_proc WHERE proname = 'guard_signature_immutable'")
            (source,) = cursor.fetchone()
        assert "(to_jsonb(NEW) - 'ip_address' - 'user_agent') = (to_jsonb(OLD) - 'ip_address' - 'user_agent')" in source
        return
    from netralitas.lib import dbguard

    with connection.cursor() as cursor:
        triggers = dict(dbguard.sqlite_all_triggers(cursor))
    sql = triggers["guard_signature_immutable_update"]
    columns = [field.column for field in Signature._meta.concrete_fields]
    unguarded = [c for c in columns if c not in ("ip_address", "user_agent") and f"NEW.{c} IS OLD.{c}" not in sql]
    assert unguarded == []


def test_an_agency_sealing_through_bsre_gets_its_berita_acara_sealed_by_bsre(run, scene, bsre_standin, settings):
    from tests.pledges.test_bsre import set_up, validate

    bsre_standin.reset_config()
    settings.BSRE_URL, settings.BSRE_TRUST_ROOTS = bsre_standin.url, [str(bsre_standin.root_pem)]
    settings.BSRE_USERNAME, settings.BSRE_PASSWORD = bsre_standin.username, bsre_standin.password
    agency = scene.world.agency_b  # its old pact was sealed with its certificate; it seals through BSrE now
    set_up(agency, bsre_standin)
    out, err = run("--agency", str(agency.pk))
    assert not err, err
    destruction = Destruction.objects.get(agency=agency)
    status = validate(stored.read(destruction.file.name), bsre_standin.root_pem)
    assert status.bottom_line and status.timestamp_validity is not None
    assert not Signature.objects.filter(pk=scene.old_b.pk).exists()
