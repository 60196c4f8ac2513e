import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from netralitas.lib.tokens import CODE_ALPHABET, normalise_code
from pledges.models import VERIFICATION_CODE_LENGTH
from pledges.signature_image import MAX_DATA_URL_LENGTH, clean_signature_image
from roster.nip import normalise_nip

CLAIM_PLAUSIBLE = datetime.timedelta(days=365)


class ConsentCheckbox(forms.CheckboxInput):
    """The agreement box counts as ticked only when the browser sent what a ticked
    checkbox without a ``value`` attribute sends: ``on``. Django's own checkbox reads
    any other text ("0", "no", "tidak") as ticked; consent must not be guessed."""

    TICKED = "on"

    def value_from_datadict(self, data, files, name):
        return data.get(name) == self.TICKED


class SignForm(forms.Form):
    """The signing form: the drawn signature (a PNG data URL) and the agreement."""

    signature = forms.CharField(
        widget=forms.HiddenInput,
        required=False,
        max_length=MAX_DATA_URL_LENGTH,
        error_messages={"max_length": _("Gambar tanda tangan terlalu besar.")},
    )
    agree = forms.BooleanField(
        label=_("Saya telah membaca dan menyetujui seluruh isi pakta integritas ini."),
        widget=ConsentCheckbox,
        error_messages={"required": _("Centang pernyataan persetujuan sebelum menandatangani.")},
    )

    # What the page showed: its text format and the SHA-256 of its text. Written by the
    # template from the draft it rendered, never from what was posted before; missing or
    # malformed, the text counts as changed (``pledges.services.TextChanged``).
    text_format = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1, max_value=32767)
    text_sha256 = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)

    # Idempotent submit: the id the page minted before sending, and the device's clock at
    # that moment in milliseconds (a claim, recorded as one). Malformed, they are left out.
    submission_id = forms.UUIDField(widget=forms.HiddenInput, required=False)
    claimed_ms = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0, max_value=2**53)

    def clean_signature(self):
        png = clean_signature_image(self.cleaned_data.get("signature", ""))
        self.signature_png = png
        return self.cleaned_data["signature"]

    def clean(self):
        cleaned = super().clean()
        # A malformed hidden field is no error to show the signer: the text counts as changed.
        for name in ("text_format", "text_sha256", "submission_id", "claimed_ms"):
            self.errors.pop(name, None)
            cleaned.setdefault(name, None)
        return cleaned

    @property
    def claimed_at(self):
        """The device's claimed time of the submit, or ``None`` when missing or further
        than a year from the server's clock (no clock is that wrong; a forged value)."""
        ms = self.cleaned_data.get("claimed_ms")
        if ms is None:
            return None
        claimed = datetime.datetime.fromtimestamp(ms / 1000, tz=datetime.UTC)
        return claimed if abs(claimed - timezone.now()) < CLAIM_PLAUSIBLE else None

    @property
    def shown(self):
        """``(text format, SHA-256 of the text)`` the signing page showed."""
        return self.cleaned_data.get("text_format"), self.cleaned_data.get("text_sha256") or ""


class ApelLoginForm(forms.Form):
    """At the apel: NIP (or NIK for non-ASN) plus the personal code from the printed sheet."""

    nip = forms.CharField(
        label=_("NIP / NI PPPK / NIK"),
        max_length=40,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "autocapitalize": "off"}),
    )
    code = forms.CharField(
        label=_("Kode pribadi"),
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}),
    )

    def clean_nip(self):
        raw = self.cleaned_data["nip"]
        digits = "".join(ch for ch in raw if ch.isdigit())
        if not digits.isascii():
            raise ValidationError(_("Ketik NIP (atau NIK) dengan angka 0–9 biasa, tanpa angka Arab atau lebar penuh."))
        if len(digits) == 16:
            return digits  # a NIK
        try:
            return normalise_nip(raw)
        except ValidationError as exc:
            raise ValidationError(_("Periksa NIP Anda: 18 digit angka (NIK untuk non-ASN: 16 digit).")) from exc

    def clean_code(self):
        return normalise_code(self.cleaned_data["code"])


class VerifyLookupForm(forms.Form):
    """The code typed off a printed pact: ten letters and digits of the codes'
    alphabet, written with or without the dash and in any case."""

    code = forms.CharField(label=_("Kode verifikasi"), max_length=30)

    def clean_code(self):
        code = normalise_code(self.cleaned_data["code"])
        if len(code) != VERIFICATION_CODE_LENGTH or not set(code) <= set(CODE_ALPHABET):
            raise ValidationError(
                _(
                    "Kode verifikasi terdiri dari 10 huruf dan angka, mis. AB3K9-XY7QP (tanpa huruf O, I, L, U "
                    "dan angka 0, 1). Periksa kembali kode di bagian bawah pakta."
                ),
                code="format",
            )
        return code
