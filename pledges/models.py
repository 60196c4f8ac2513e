"""The pact (*Pakta Integritas Netralitas ASN*): its versioned text, the
signatures given on it, and the signed PDF of each signature.

A signature stores the exact text the signer was shown, its SHA-256 and the
number of the text format it was built with (``pledges.pact_text``), so a pact
can be proven years later whatever happens to the templates or the code. Signatures,
their PDFs and pact versions in use are immutable in the database itself
(``netralitas.lib.dbguard``).
"""

import datetime
import hashlib

from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from netralitas.lib.text import CleanTextMixin
from netralitas.lib.tokens import group_code, new_code
from pledges import pact_text
from roster.identity import Identifier

ELECTION_PLACEHOLDER = "{pemilihan}"
VERIFICATION_CODE_LENGTH = 10


class PactTemplate(CleanTextMixin, models.Model):
    """One version of the pact's wording. ``{pemilihan}`` in any part is replaced by
    the election's name. Frozen as soon as a signature uses it."""

    code = models.SlugField(_("kode"), max_length=60, help_text=_("Sama untuk semua versi dari satu pakta."))
    version = models.PositiveIntegerField(_("versi"), default=1)
    title = models.CharField(_("judul"), max_length=250)
    intro = models.CharField(_("pembuka identitas"), max_length=250, default="Saya yang bertanda tangan di bawah ini:")
    opening = models.TextField(_("kalimat pembuka"), help_text=_("Mis. “Dengan ini menyatakan bahwa saya:”."))
    points = models.TextField(
        _("butir pakta"), help_text=_("Satu butir per baris, berurutan. {pemilihan} diganti nama pemilihan.")
    )
    closing = models.TextField(_("kalimat penutup"))
    legal_basis = models.TextField(_("dasar hukum"), blank=True)
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)

    class Meta:
        verbose_name = _("versi pakta")
        verbose_name_plural = _("versi pakta")
        ordering = ["code", "-version"]
        constraints = [models.UniqueConstraint(fields=["code", "version"], name="pact_template_unique_version")]

    def __str__(self):
        return _("%(title)s (versi %(version)s)") % {"title": self.title, "version": self.version}

    @property
    def is_frozen(self):
        return self.pk is not None and self.signatures.exists()

    def point_list(self):
        return [line.strip() for line in self.points.splitlines() if line.strip()]

    def render(self, election):
        """The pact's text for one election, as the signer reads it."""

        def fill(text):
            return text.replace(ELECTION_PLACEHOLDER, election.name)

        return {
            "title": fill(self.title),
            "intro": fill(self.intro),
            "opening": fill(self.opening),
            "points": [fill(point) for point in self.point_list()],
            "closing": fill(self.closing),
        }

    def new_version(self):
        """An unsaved copy numbered after the highest version of this pact."""
        latest = PactTemplate.objects.filter(code=self.code).aggregate(models.Max("version"))["version__max"] or 0
        return PactTemplate(
            code=self.code,
            version=latest + 1,
            title=self.title,
            intro=self.intro,
            opening=self.opening,
            points=self.points,
            closing=self.closing,
            legal_basis=self.legal_basis,
        )


def sha256_hex(data):
    if isinstance(data, str):
        data = data.encode("utf-8")
    return hashlib.sha256(data).hexdigest()


def new_verification_code():
    return new_code(VERIFICATION_CODE_LENGTH)


class SignatureQuerySet(models.QuerySet):
    def visible_to(self, user):
        from ceremonies.models import Invitation

        return self.filter(invitation__in=Invitation.objects.visible_to(user))


class Signature(models.Model):
    """One employee's signature at one ceremony. Written once, never changed."""

    class Method(models.TextChoices):
        LINK = "link", _("Tautan pribadi")
        APEL = "apel", _("QR apel dengan NIP dan kode")
        KIOSK = "kiosk", _("Kios apel dengan NIP dan kode")

    invitation = models.OneToOneField(
        "ceremonies.Invitation", on_delete=models.PROTECT, related_name="signature", verbose_name=_("undangan")
    )
    pact_template = models.ForeignKey(
        PactTemplate, on_delete=models.PROTECT, related_name="signatures", verbose_name=_("versi pakta")
    )
    signer = models.JSONField(_("identitas penanda tangan"))
    pact = models.JSONField(_("isi pakta"))
    text_format = models.PositiveSmallIntegerField(
        _("format teks"), help_text=_("Versi format identitas dan teks (pledges.pact_text) saat ditandatangani.")
    )
    ceremony_snapshot = models.JSONField(
        _("apel saat ditandatangani"),
        null=True,
        blank=True,
        help_text=_(
            "Judul apel dan nama singkat pemilihan saat ditandatangani; kosong untuk tanda tangan yang dibuat "
            "sebelum keduanya dicatat."
        ),
    )
    text = models.TextField(_("teks yang ditandatangani"))
    text_sha256 = models.CharField(_("SHA-256 teks"), max_length=64)
    image = models.BinaryField(_("gambar tanda tangan (PNG)"))
    image_sha256 = models.CharField(_("SHA-256 gambar"), max_length=64)
    signed_at = models.DateTimeField(_("waktu tanda tangan"))
    ip_address = models.GenericIPAddressField(_("alamat IP"), null=True, blank=True)
    user_agent = models.CharField(_("peramban"), max_length=500, blank=True)
    method = models.CharField(_("cara masuk"), max_length=10, choices=Method.choices)
    verification_code = models.CharField(
        _("kode verifikasi"), max_length=16, unique=True, default=new_verification_code, editable=False
    )
    # Idempotent submit (docs/architecture.md, "Signing when the network fails"): the id the
    # signer's device minted before any network call; the same id again is the same signature.
    submission_id = models.UUIDField(
        _("ID kiriman"),
        null=True,
        blank=True,
        unique=True,
        help_text=_("Dibuat oleh perangkat penanda tangan sebelum dikirim; kosong untuk tanda tangan sebelumnya."),
    )
    claimed_at = models.DateTimeField(
        _("waktu menurut perangkat"),
        null=True,
        blank=True,
        help_text=_(
            "Waktu saat tombol ditekan menurut jam perangkat — hanya klaim; waktu tanda tangan adalah waktu server."
        ),
    )
    arrived_late = models.BooleanField(
        _("tiba setelah penandatanganan ditutup"),
        default=False,
        help_text=_("Diterima dalam masa tenggang yang ditetapkan operator untuk apel ini."),
    )
    kiosk_name = models.CharField(_("nama kios"), max_length=80, blank=True)

    objects = SignatureQuerySet.as_manager()

    class Meta:
        verbose_name = _("tanda tangan")
        verbose_name_plural = _("tanda tangan")
        ordering = ["-signed_at"]

    def __str__(self):
        return f"{self.signer.get('name', '')} — {self.verification_code}"

    def get_absolute_url(self):
        return reverse("pledges:verify", args=[self.verification_code])

    @classmethod
    def from_draft(cls, invitation, draft, *, image_png, method, signed_at, ip_address=None, user_agent="", **arrival):
        """An unsaved signature of ``invitation`` sealing ``draft`` (``pact_text.Draft``,
        what the signer was shown): its identity block and text frozen, with their hashes,
        and the apel's title and election as they are now (shown on the verification page;
        not part of the signed text, whose hash stays what it was). ``arrival``: how the
        submission came — ``submission_id``, ``claimed_at``, ``arrived_late``, ``kiosk_name``."""
        ceremony = invitation.ceremony
        return cls(
            invitation=invitation,
            pact_template=ceremony.pact_template,
            signer=draft.signer,
            pact=draft.pact,
            text_format=draft.text_format,
            # str(): a new ceremony's default title is a lazy translation.
            ceremony_snapshot={"title": str(ceremony.title), "election": str(ceremony.election.short_name)},
            text=draft.text,
            text_sha256=draft.sha256,
            image=image_png,
            image_sha256=sha256_hex(image_png),
            signed_at=signed_at,
            ip_address=ip_address,
            user_agent=user_agent,
            method=method,
            **arrival,
        )

    @property
    def public_url(self):
        return settings.PUBLIC_BASE_URL + self.get_absolute_url()

    @property
    def identifier(self):
        return Identifier.of_signer(self.signer)

    @property
    def display_code(self):
        return group_code(self.verification_code)

    def identity(self):
        """The identity block as signed, in the signature's own format (a format this
        code does not know is shown in today's layout; ``is_intact`` says no)."""
        text_format = pact_text.get(self.text_format) or pact_text.current()
        return text_format.identity(self.signer)

    def public_identity(self):
        """The rows of the identity block the public verification page shows (masked)."""
        return [row for row in self.identity() if row.public is not None]

    def is_intact(self):
        """True when the stored text, image and identity still match their hashes,
        the text rebuilt with the format the signature was made with."""
        text_format = pact_text.get(self.text_format)
        return (
            text_format is not None
            and sha256_hex(self.text) == self.text_sha256
            and text_format.text(self.signer, self.pact) == self.text
            and sha256_hex(bytes(self.image)) == self.image_sha256
        )


def pact_document_path(instance, filename):
    signature = instance.signature
    ceremony = signature.invitation.ceremony
    return f"pacts/{ceremony.agency_id}/{ceremony.pk}/{signature.verification_code}.pdf"


class StoredPdf(models.Model):
    """A PDF written once to storage with its SHA-256 and size recorded."""

    class FileState(models.TextChoices):
        INTACT = "intact", _("utuh")
        MISSING = "missing", _("hilang dari penyimpanan")
        ALTERED = "altered", _("berubah (SHA-256 tidak cocok)")

    sha256 = models.CharField(_("SHA-256 PDF"), max_length=64)
    size = models.PositiveIntegerField(_("ukuran (byte)"))
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)

    class Meta:
        abstract = True

    def __str__(self):
        return self.file.name

    def file_state(self):
        """Whether the stored file is there and still has its recorded SHA-256."""
        digest = hashlib.sha256()
        try:
            with self.file.open("rb") as handle:
                for chunk in iter(lambda: handle.read(65536), b""):
                    digest.update(chunk)
        except (OSError, SuspiciousOperation):  # gone, or a name no storage would give
            return self.FileState.MISSING
        return self.FileState.INTACT if digest.hexdigest() == self.sha256 else self.FileState.ALTERED

    def is_intact(self):
        """True when the stored file still has the SHA-256 recorded when it was made."""
        return self.file_state() == self.FileState.INTACT


class PactDocument(StoredPdf):
    """The signed PDF/A of a signature: written once, its SHA-256 recorded."""

    class SealLevel(models.TextChoices):
        B_B = "B-B", _("PAdES B-B (tanpa stempel waktu)")
        B_T = "B-T", _("PAdES B-T (dengan stempel waktu)")
        B_LT = "B-LT", _("PAdES B-LT (stempel waktu, rantai dan data pencabutan)")

    signature = models.OneToOneField(
        Signature, on_delete=models.PROTECT, related_name="document", verbose_name=_("tanda tangan")
    )
    file = models.FileField(_("berkas PDF"), upload_to=pact_document_path, max_length=255)
    seal_level = models.CharField(_("tingkat segel"), max_length=8, choices=SealLevel.choices, default=SealLevel.B_B)
    timestamp_expires_at = models.DateTimeField(
        _("sertifikat stempel waktu berlaku sampai"),
        null=True,
        blank=True,
        help_text=_("Sertifikat TSA dari stempel waktu pada segel; kosong untuk segel tanpa stempel waktu (B-B)."),
    )

    class SealedBy(models.TextChoices):
        CERTIFICATE = "certificate", _("sertifikat instansi")
        BSRE = "bsre", _("BSrE")

    sealed_by = models.CharField(
        _("disegel oleh"), max_length=20, choices=SealedBy.choices, default=SealedBy.CERTIFICATE
    )
    pdfa = models.BooleanField(
        _("tetap PDF/A-2"),
        default=True,
        help_text=_("Tidak: layanan segel mengubah penanda PDF/A-2 berkas; isinya tetap seperti yang ditandatangani."),
    )

    class Meta:
        verbose_name = _("PDF pakta")
        verbose_name_plural = _("PDF pakta")

    def latest_archival_timestamp(self):
        return self.archival_timestamps.order_by("-stamped_at", "-pk").first()


def archival_timestamp_path(instance, filename):
    return f"{instance.document.file.name.removesuffix('.pdf')}-lta.pdf"


class ArchivalTimestamp(StoredPdf):
    """A document timestamp (PAdES B-LTA) added to a stored pact before the previous
    timestamp's certificate expires: a new file that contains the previous one
    unchanged (an incremental update); the sealed original is never touched."""

    document = models.ForeignKey(
        PactDocument, on_delete=models.PROTECT, related_name="archival_timestamps", verbose_name=_("PDF pakta")
    )
    file = models.FileField(_("berkas PDF"), upload_to=archival_timestamp_path, max_length=255)
    stamped_at = models.DateTimeField(_("waktu stempel"))
    expires_at = models.DateTimeField(_("sertifikat stempel waktu berlaku sampai"))

    class Meta:
        verbose_name = _("stempel waktu arsip")
        verbose_name_plural = _("stempel waktu arsip")
        ordering = ["document", "stamped_at"]


class StorageFinding(models.Model):
    """A signed PDF found missing or altered when it was about to be handed out or
    checked (``pledges.evidence``): open until a later check finds the file intact
    again. The operator's apel page and live board count the open ones — a cheap
    count, never a hash of every PDF."""

    class During(models.TextChoices):
        DOWNLOAD = "download", _("unduhan PDF")
        ZIP = "zip", _("ZIP Inspektorat")
        VERIFICATION = "verification", _("halaman verifikasi")
        CHECK = "check_storage", _("manage.py check_storage")

    document = models.ForeignKey(
        PactDocument, on_delete=models.PROTECT, related_name="findings", verbose_name=_("PDF pakta")
    )
    state = models.CharField(
        _("keadaan"),
        max_length=10,
        choices=[
            (StoredPdf.FileState.MISSING, StoredPdf.FileState.MISSING.label),
            (StoredPdf.FileState.ALTERED, StoredPdf.FileState.ALTERED.label),
        ],
    )
    found_at = models.DateTimeField(_("ditemukan"), auto_now_add=True)
    found_during = models.CharField(_("ditemukan saat"), max_length=20, choices=During.choices)
    cleared_at = models.DateTimeField(_("utuh lagi"), null=True, blank=True)

    class Meta:
        verbose_name = _("temuan penyimpanan")
        verbose_name_plural = _("temuan penyimpanan")
        ordering = ["-found_at"]
        constraints = [
            # One open finding per PDF: two requests finding the same file at once record it once.
            models.UniqueConstraint(
                fields=["document"], condition=models.Q(cleared_at__isnull=True), name="storagefinding_one_open"
            )
        ]

    def __str__(self):
        return f"{self.document} — {self.get_state_display()}"


def kiosk_token_hash(token):
    return hashlib.sha256(token.encode()).hexdigest()


class Kiosk(CleanTextMixin, models.Model):
    """A tablet or laptop an operator turned into a signing kiosk for one apel: signers
    without a phone sign there with NIP and personal code. Its own session (a cookie
    holding a random token; only the token's SHA-256 is stored), able to do nothing but
    sign for that apel; revoked from the apel page, and over after ``IDLE`` unused."""

    IDLE = datetime.timedelta(minutes=30)

    ceremony = models.ForeignKey(
        "ceremonies.Ceremony", on_delete=models.CASCADE, related_name="kiosks", verbose_name=_("apel")
    )
    name = models.CharField(_("nama kios"), max_length=80, help_text=_("Mis. “Meja 1 — Aula”."))
    token_sha256 = models.CharField(_("SHA-256 token kios"), max_length=64, unique=True, editable=False)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", editable=False
    )
    started_at = models.DateTimeField(_("dimulai"), auto_now_add=True)
    last_seen_at = models.DateTimeField(_("terakhir dipakai"))
    revoked_at = models.DateTimeField(_("dicabut"), null=True, blank=True)

    class Meta:
        verbose_name = _("kios apel")
        verbose_name_plural = _("kios apel")
        ordering = ["-started_at"]

    def __str__(self):
        return self.name

    def is_active(self, now):
        return self.revoked_at is None and now < self.last_seen_at + self.IDLE


# Retention (UU 43/2009 and UU PDP Pasal 44): the one way out for signed records. The
# database guards refuse every UPDATE and DELETE of a signature, its PDF and its archival
# timestamps except these: deleting a pact that has a tombstone (``DestroyedPact``) of a
# ``Destruction`` — on PostgreSQL only inside the transaction that opened that destruction
# (``retention.opened``) — and setting a signature's device address and browser to their
# reduced forms once a ``ReducedDevice`` names it. The three are append-only themselves,
# and a tombstone must tell the truth about the pact it buries (an INSERT trigger checks
# its code, the PDF's SHA-256 and the agency). The rules are the ``privacy`` app's.


def berita_acara_path(instance, filename):
    return f"berita-acara/{instance.agency_id}/{filename}"


class Destruction(StoredPdf):
    """One application of an agency's retention schedule (``manage.py apply_retention``)
    and its *berita acara pemusnahan*: the PDF listing what was destroyed, sealed by the
    agency. Written once, never changed."""

    agency = models.ForeignKey(
        "roster.Agency", on_delete=models.PROTECT, related_name="destructions", verbose_name=_("instansi")
    )
    number = models.CharField(_("nomor berita acara"), max_length=60, unique=True)
    file = models.FileField(_("berita acara (PDF)"), upload_to=berita_acara_path, max_length=255)
    pacts = models.PositiveIntegerField(_("pakta dimusnahkan"), default=0)
    contacts = models.PositiveIntegerField(_("kontak dihapus"), default=0)
    devices = models.PositiveIntegerField(_("perangkat disamarkan"), default=0)

    class Meta:
        verbose_name = _("pemusnahan arsip")
        verbose_name_plural = _("pemusnahan arsip")
        ordering = ["-created_at"]

    def __str__(self):
        return self.number


class DestroyedPact(models.Model):
    """The tombstone of a destroyed pact: enough to answer its verification code (that it
    existed, its PDF's SHA-256, when it was signed and destroyed, and why) and nothing
    personal. Written in the transaction that deletes the pact; never changed."""

    destruction = models.ForeignKey(
        Destruction, on_delete=models.PROTECT, related_name="destroyed_pacts", verbose_name=_("pemusnahan")
    )
    signature_key = models.BigIntegerField(_("id tanda tangan yang dimusnahkan"), unique=True)
    # Without a database constraint: the invitation may go later, the tombstone stays.
    invitation = models.ForeignKey(
        "ceremonies.Invitation",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        related_name="+",
        verbose_name=_("undangan"),
    )
    verification_code = models.CharField(_("kode verifikasi"), max_length=16, unique=True)
    pdf_sha256 = models.CharField(_("SHA-256 PDF"), max_length=64, blank=True)
    signed_at = models.DateTimeField(_("waktu tanda tangan"))
    ceremony_at = models.DateTimeField(_("waktu apel"))
    election_date = models.DateField(_("hari pemungutan suara"))
    rule = models.CharField(_("aturan retensi"), max_length=300)
    destroyed_at = models.DateTimeField(_("dimusnahkan pada"))

    class Meta:
        verbose_name = _("pakta yang dimusnahkan")
        verbose_name_plural = _("pakta yang dimusnahkan")
        ordering = ["-destroyed_at", "verification_code"]

    def __str__(self):
        return self.verification_code

    @property
    def display_code(self):
        return group_code(self.verification_code)


class ReducedDevice(models.Model):
    """A signature whose device address and browser were reduced (address to its /24 or
    /48 network, browser to its family) by a destruction. The database allows exactly that
    change, and only to a signature named here."""

    destruction = models.ForeignKey(
        Destruction, on_delete=models.PROTECT, related_name="reduced_devices", verbose_name=_("pemusnahan")
    )
    signature_key = models.BigIntegerField(_("id tanda tangan"), unique=True)

    class Meta:
        verbose_name = _("perangkat yang disamarkan")
        verbose_name_plural = _("perangkat yang disamarkan")

    def __str__(self):
        return str(self.signature_key)


class FileDeletion(models.Model):
    """A stored file a destruction removes once its transaction has committed; one that
    failed stays open (``deleted_at`` empty) and the next run tries again."""

    destruction = models.ForeignKey(
        Destruction, on_delete=models.PROTECT, related_name="file_deletions", verbose_name=_("pemusnahan")
    )
    name = models.CharField(_("nama berkas"), max_length=255)
    deleted_at = models.DateTimeField(_("dihapus pada"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("percobaan"), default=0)
    error = models.CharField(_("kesalahan terakhir"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("berkas yang dihapus")
        verbose_name_plural = _("berkas yang dihapus")

    def __str__(self):
        return self.name


# BSrE (``pledges.bsre``): agencies that seal through BSrE's Esign Client Service.


class BsreCode(models.Model):
    """An agency's rolling one-time code for BSrE's seal, and what the workers last
    learned of the service. The code is stored encrypted (``pledges.bsre.codes``) and
    never shown; each refresh replaces it and adds one to ``version``, so a worker
    holding an older version knows another refreshed it. ``refreshing_until`` is the one
    refresher's claim on the row."""

    class Problem(models.TextChoices):
        NONE = "", _("tidak ada")
        CHAIN = "chain", _("kode sekali pakai ditolak atau kedaluwarsa")
        AUTH = "auth", _("nama pengguna atau kata sandi BSrE ditolak")
        UNREACHABLE = "unreachable", _("BSrE tidak menjawab")

    agency = models.OneToOneField(
        "roster.Agency",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="bsre_code",
        verbose_name=_("instansi"),
    )
    encrypted_code = models.TextField(_("kode (terenkripsi)"))
    version = models.PositiveIntegerField(_("versi"), default=1)
    expires_at = models.DateTimeField(_("kode berlaku sampai"))
    refreshing_until = models.DateTimeField(_("sedang diperbarui sampai"), null=True, blank=True)
    refreshed_at = models.DateTimeField(_("terakhir diperbarui"), null=True, blank=True)
    refreshes = models.PositiveIntegerField(_("jumlah pembaruan"), default=0)
    answered_at = models.DateTimeField(_("terakhir dijawab BSrE"), null=True, blank=True)
    problem = models.CharField(_("masalah"), max_length=20, choices=Problem.choices, blank=True, default="")
    problem_since = models.DateTimeField(_("masalah sejak"), null=True, blank=True)
    keep_alive_at = models.DateTimeField(_("pembaruan berikutnya dijadwalkan"), null=True, blank=True)
    drain_at = models.DateTimeField(_("penyegelan berikutnya dijadwalkan"), null=True, blank=True)

    class Meta:
        verbose_name = _("kode segel BSrE")
        verbose_name_plural = _("kode segel BSrE")

    def __str__(self):
        return str(self.agency)


class BsreLease(models.Model):
    """A signature waiting for, or being sealed by, BSrE: which worker holds it until
    when, how often BSrE's answer for it failed the checks, and the last problem. Gone
    once its PDF is stored; a signature with ``gave_up_at`` waits for the operator
    (``manage.py render_missing_pdfs`` tries it again)."""

    signature = models.OneToOneField(
        Signature, on_delete=models.CASCADE, primary_key=True, related_name="bsre_lease", verbose_name=_("tanda tangan")
    )
    holder = models.CharField(_("pemegang"), max_length=32, blank=True)
    until = models.DateTimeField(_("dipegang sampai"))
    failures = models.PositiveSmallIntegerField(_("jawaban ditolak"), default=0)
    problem = models.CharField(_("masalah terakhir"), max_length=300, blank=True)
    gave_up_at = models.DateTimeField(_("dihentikan pada"), null=True, blank=True)

    class Meta:
        verbose_name = _("antrean segel BSrE")
        verbose_name_plural = _("antrean segel BSrE")
        indexes = [models.Index(fields=["until"], name="pledges_bsrelease_until")]

    def __str__(self):
        return str(self.signature_id)
