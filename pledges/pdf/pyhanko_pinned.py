"""B-B seals' CMS filled into a per-process template: a shortcut around pyHanko's
CMS building, kept here and only here.

Why: two B-B seals by one certificate differ only in the document digest (inside the
signed attributes) and the signature value, yet pyHanko builds and re-encodes the
signed attributes, the SignerInfo and the certificate set with asn1crypto for each.
So the first seal of a kind has pyHanko build two CMS (two digests, signing times a
day apart); their constant bytes become a :class:`CmsTemplate` only if everything but
the digest is equal and re-assembling gives back pyHanko's two CMS byte for byte.
Later seals are the template, the new digest and a new signature. What it buys,
measured against pyHanko's own CMS with the key kept loaded, is in
docs/performance.md, "Shortcuts around libraries (issue 19)".

What it leans on: it overrides pyHanko's ``Signer.async_sign`` (options it does not
know go to pyHanko untouched); it assumes the CMS layout pyHanko writes (a
ContentInfo holding a SignedData with one SignerInfo, fields in asn1crypto's order) and
the B-B options of :func:`_plain_options`. :data:`SIGNATURES` and :data:`FIELDS` name
each with its shape in the versions of :data:`VERIFIED_WITH`;
``tests/pledges/test_pyhanko_pinned.py`` fails by name when one changes.

How it stays safe: a template is used only for a B-B seal (no timestamp, no
revocation data, no CAdES attributes, not a dry run) with a mechanism it was verified
with (:data:`MECHANISMS`: ECDSA and RSA PKCS#1 v1.5, both with SHA-256). Anything else
— RSA-PSS, another digest, an unknown option — and any exception goes through
pyHanko's own ``async_sign``; the unexpected is logged once per process.

Upgrading pyHanko or asn1crypto: run ``tests/pledges/test_pyhanko_pinned.py`` and
``tests/pledges/test_pdf.py``; adapt this module or delete it (``KeptKeySigner`` then
derives from pyHanko's ``SimpleSigner``); re-measure (``make bench-pdf
BENCH_ARGS="--compare-shortcuts"``: it stays only while it buys ≥ 10 % of the CPU per
PDF) and update :data:`VERIFIED_WITH` and the tables below.
"""

import dataclasses
import datetime
import inspect
import logging
from dataclasses import dataclass

from asn1crypto import cms
from django.conf import settings
from pyhanko.sign import signers

logger = logging.getLogger(__name__)

VERIFIED_WITH = {"pyhanko": "0.38.0", "asn1crypto": "1.5.1"}
# (digest, signature mechanism) pairs a template was verified with.
MECHANISMS = {("sha256", "sha256_ecdsa"), ("sha256", "sha256_rsa")}
# pyHanko's methods this module overrides or calls, with their call signatures there.
SIGNATURES = {
    "async_sign": (
        "(self, data_digest: bytes, digest_algorithm: str, dry_run=False, use_pades=False, timestamper=None, "
        "signed_attr_settings: pyhanko.sign.signers.pdf_cms.PdfCMSSignedAttributes | None = None, "
        "is_pdf_sig=True, encap_content_info=None) -> asn1crypto.cms.ContentInfo"
    ),
    "async_sign_raw": "(self, data: bytes, digest_algorithm: str, dry_run=False) -> bytes",
    "get_signature_mechanism_for_digest": (
        "(self, digest_algorithm: str | None) -> asn1crypto.algos.SignedDigestAlgorithm"
    ),
}
# The structures whose fields (in this order) the template cuts and joins.
FIELDS = {
    "asn1crypto.cms.ContentInfo": ("content_type", "content"),
    "asn1crypto.cms.SignedData": (
        *("version", "digest_algorithms", "encap_content_info", "certificates", "crls", "signer_infos"),
    ),
    "asn1crypto.cms.SignerInfo": (
        *("version", "sid", "digest_algorithm", "signed_attrs", "signature_algorithm", "signature", "unsigned_attrs"),
    ),
    "pyhanko.sign.signers.pdf_cms.PdfCMSSignedAttributes": ("signing_time", "cades_signed_attrs", "adobe_revinfo_attr"),
}
# The options of pyHanko 0.38's async_sign, all of which a B-B seal may pass.
OPTIONS = ("dry_run", "use_pades", "timestamper", "signed_attr_settings", "is_pdf_sig", "encap_content_info")


class CmsTemplates:
    """Whether templates are used in this process, and what was logged."""

    def __init__(self):
        self.reset()

    def reset(self):
        """As in a new process: templates on, pyHanko not checked yet, nothing logged."""
        self.enabled = True  # False: pyHanko builds every CMS (benchmarks compare both)
        self._checked = False
        self._logged = False

    def usable(self):
        if not settings.SHORTCUTS_AROUND_LIBRARIES:
            return False
        if self.enabled and not self._checked:
            self._checked = True
            changed = changed_signatures()
            if changed:
                self.enabled = False
                logger.warning(
                    "pyHanko is not the version the CMS template was verified with (pledges/pdf/pyhanko_pinned.py): "
                    "%s. pyHanko builds every CMS.",
                    "; ".join(f"Signer.{name} is now {now}" for name, now in changed.items()),
                )
        return self.enabled

    def unexpected(self, error):
        if self._logged:
            logger.debug("CMS template failed again (%r); pyHanko builds the CMS.", error)
            return
        self._logged = True
        logger.warning(
            "CMS template failed (%r); pyHanko builds the CMS. Logged once per process: "
            "see pledges/pdf/pyhanko_pinned.py.",
            error,
            exc_info=error,
        )


cms_templates = CmsTemplates()


def changed_signatures():
    """``{method: its signature now}`` for each of :data:`SIGNATURES` that changed."""
    changed = {}
    for name, expected in SIGNATURES.items():
        method = getattr(signers.Signer, name, None)
        actual = str(inspect.signature(method)) if method is not None else "gone"
        if actual != expected:
            changed[name] = actual
    return changed


class CmsTemplateSigner(signers.SimpleSigner):
    """pyHanko's SimpleSigner, whose B-B CMS after the first of a kind come from a
    :class:`CmsTemplate` (see the module)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.templates = {}  # (digest, mechanism, PAdES?, PDF?) → CmsTemplate, or None where none fits

    async def async_sign(self, data_digest, digest_algorithm, *args, **options):
        if not args and cms_templates.usable() and _plain_options(options):
            try:
                signed = await self._sign_from_template(data_digest, digest_algorithm, options)
            except Exception as error:  # any failure: pyHanko's own CMS (see the module)
                cms_templates.unexpected(error)
            else:
                if signed is not None:
                    return signed
        return await super().async_sign(data_digest, digest_algorithm, *args, **options)

    async def _sign_from_template(self, data_digest, digest_algorithm, options):
        mechanism = self.get_signature_mechanism_for_digest(digest_algorithm)["algorithm"].native
        if (digest_algorithm, mechanism) not in MECHANISMS:
            return None
        key = (digest_algorithm, mechanism, options.get("use_pades", False), options.get("is_pdf_sig", True))
        if key not in self.templates:
            self.templates[key] = None  # a first attempt that fails is not repeated for every seal
            self.templates[key] = await self._template(len(data_digest), digest_algorithm, options)
        template = self.templates[key]
        if template is None:
            return None
        attributes = template.attributes(data_digest)
        signature = await self.async_sign_raw(_der(0x31, attributes), digest_algorithm)
        return cms.ContentInfo.load(template.assemble(attributes, signature))

    async def _template(self, size, digest_algorithm, options):
        first_digest, second_digest = b"\x5a" * size, b"\xa5" * size
        sign = super().async_sign
        first = await sign(first_digest, digest_algorithm, **options)
        settings = options.get("signed_attr_settings")
        if settings is not None and settings.signing_time is not None:
            later = dataclasses.replace(settings, signing_time=settings.signing_time + datetime.timedelta(days=1))
            options = {**options, "signed_attr_settings": later}
        second = await sign(second_digest, digest_algorithm, **options)
        return CmsTemplate.from_examples(first, first_digest, second, second_digest)


def _plain_options(options):
    """A B-B seal's options: no dry run, timestamp, encapsulated content, revocation
    data or CAdES attributes, and nothing this module does not know."""
    settings = options.get("signed_attr_settings")
    return (
        set(options) <= set(OPTIONS)
        and not options.get("dry_run")
        and options.get("timestamper") is None
        and options.get("encap_content_info") is None
        and (settings is None or (settings.adobe_revinfo_attr is None and settings.cades_signed_attrs is None))
    )


def _der_length(length):
    if length < 0x80:
        return bytes([length])
    octets = length.to_bytes((length.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(octets)]) + octets


def _der(tag, content):
    return bytes([tag]) + _der_length(len(content)) + content


def _content(value):
    """The DER content octets of an asn1crypto value (its encoding minus the header)."""
    value.dump()
    return value.contents


@dataclass(frozen=True)
class CmsTemplate:
    """The constant parts of one signer's B-B CMS."""

    before_digest: bytes  # content of the signed attributes up to the document digest
    after_digest: bytes  # … and after it
    signer_info_head: bytes  # SignerInfo: version, sid, digest algorithm
    signer_info_tail: bytes  # SignerInfo: signature algorithm
    signed_data_head: bytes  # SignedData: version, digest algorithms, content info, certificates
    content_type: bytes  # ContentInfo: the signedData OID

    def attributes(self, digest):
        return self.before_digest + digest + self.after_digest

    def assemble(self, attributes, signature):
        signer_info = _der(
            0x30,
            self.signer_info_head + _der(0xA0, attributes) + self.signer_info_tail + _der(0x04, signature),
        )
        signed_data = _der(0x30, self.signed_data_head + _der(0x31, signer_info))
        return _der(0x30, self.content_type + _der(0xA0, signed_data))

    @classmethod
    def from_examples(cls, first, first_digest, second, second_digest):
        """A template from two CMS pyHanko made for two digests, or ``None`` when they
        differ in anything else or the template would not give back their bytes."""
        signed_data = first["content"]
        (signer_info,) = signed_data["signer_infos"]
        if signer_info["unsigned_attrs"].dump() or signed_data["crls"].dump():
            return None
        attributes = _content(signer_info["signed_attrs"])
        second_attributes = _content(second["content"]["signer_infos"][0]["signed_attrs"])
        if attributes.count(first_digest) != 1 or attributes.replace(first_digest, second_digest) != (
            second_attributes
        ):
            return None
        before, after = attributes.split(first_digest)
        template = cls(
            before_digest=before,
            after_digest=after,
            signer_info_head=b"".join(signer_info[name].dump() for name in ("version", "sid", "digest_algorithm")),
            signer_info_tail=signer_info["signature_algorithm"].dump(),
            signed_data_head=b"".join(
                signed_data[name].dump()
                for name in ("version", "digest_algorithms", "encap_content_info", "certificates")
            ),
            content_type=first["content_type"].dump(),
        )
        for example, digest in ((first, first_digest), (second, second_digest)):
            signature = example["content"]["signer_infos"][0]["signature"].native
            if template.assemble(template.attributes(digest), signature) != example.dump():
                return None
        return template
