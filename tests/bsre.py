"""A stand-in for BSrE's Esign Client Service (the e-seal API of Indonesia's
government CA), run as its own process on loopback by the tests and benchmarks.
It imports nothing of the app's: it stands in for an outside service.

    python tests/bsre.py PORT DIR [--username U --password P] [--processes N] [--seed S]
        [--seal-p12 PATH --seal-p12-password PW] [--tsa-url URL --tsa-username U --tsa-password P]

In ``DIR`` (reusing what exists) it keeps its own PKI: ``root.pem`` (what the app's
``BSRE_TRUST_ROOTS`` names), the seal certificate "Segel Uji BSrE" (EC P-256), an RSA
time-stamping authority under the same root, and ``other-root.pem`` with a seal
certificate of its own (the "wrong signer" fault). It prints ``ready`` when it answers.

Its own certificates name no OCSP responder or CRL. To seal like a BSrE whose
certificates do, ``--seal-p12`` seals with that PKCS#12's key and chain instead of
"Segel Uji BSrE", and ``--tsa-url`` timestamps through that RFC 3161 TSA (pyHanko's
HTTP client, with HTTP Basic credentials when given) instead of its own; then
``BSRE_TRUST_ROOTS`` names that PKI's root, not ``root.pem``.

API (HTTP Basic auth on every ``/api`` call; wrong or missing → 401 ``{"message"}``):

- ``POST /api/v2/seal/get/totp`` ``{"idSubscriber", "totp", "data": "1"}`` → 200
  ``{"message": "OK", "totp": next, "expires": ISO 8601 +07:00, "result": true}``; the
  old code stops working at once. A wrong or expired code → 400 ``{"message", "result":
  false, "error": "INVALID_TOTP"}``; an unknown subscriber → 400 ``UNKNOWN_SUBSCRIBER``.
- ``POST /api/v2/seal/pdf`` ``{"idSubscriber", "totp", "signatureProperties":
  [{"tampilan": "INVISIBLE", "location", "reason", "contactInfo"}], "file": [base64, …]}``
  → 200 ``{"time": ms, "file": [base64, …]}`` in the same order: each file sealed in an
  incremental update (PAdES B-T: invisible field, SHA-256, the seal chain embedded, a
  signature timestamp from its own TSA), the PDF version kept (no PDF 2.0 declaration).
  The code is checked as above and not consumed. All or nothing: a file that is not a
  readable PDF → 400 ``{"error": "INVALID_FILE", "message", "index"}``.

Control (no auth, loopback only):

- ``POST /_control/subscriber`` ``{"id", "lifetime": 300}`` → ``{"totp", "expires"}``,
  the first code "out of band" (creates or resets the subscriber);
- ``POST /_control/config`` any of ``latency``, ``fail_rate`` (500), ``unavailable_rate``
  (503), ``timeout_after_seal_rate`` with ``hang`` (seal, hold the connection, close it
  unanswered), ``outage``, ``auth_fail``, ``corrupt`` (``different``, ``wrong_signer``,
  ``truncated``, ``no_timestamp``, ``pdf2``) with ``corrupt_calls``, ``code_lifetime``,
  ``clock_offset`` (seconds added to the stand-in's clock: the ``expires`` it reports, the
  ``Date`` header, the seal's signing time and its own TSA's time — not an outside TSA's),
  ``refuse`` (a message: every seal call answers 400 ``{"error": "REJECTED", "message"}``
  with ``{totp}`` in it replaced by the code the call sent — a server that quotes what it
  was given), ``seed``; ``POST /_control/reset_config`` restores the defaults;
- ``GET /_control/stats`` → counts: ``api_calls``, ``seal_calls``, ``files_sealed`` (also
  those of a call left unanswered), ``totp_refreshes``, ``codes_rejected``,
  ``answered_400/401/500/503``, ``timeouts_after_seal``, ``corrupted_calls``, and
  ``seal_cpu_seconds`` (the handler thread's CPU plus the pool workers') and
  ``seal_wall_seconds``; ``POST /_control/reset_stats``.

A ``VISIBLE`` signature is refused (400 ``INVALID_REQUEST``): the stand-in seals invisibly.

As a module, :func:`start` runs it on a free port and returns a :class:`StandIn`.
"""

import base64
import binascii
import concurrent.futures
import datetime
import io
import json
import multiprocessing
import os
import random
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import traceback
import urllib.error
import urllib.request
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

USERNAME, PASSWORD = "netralitas-uji", "rahasia-esign-uji"
WIB = datetime.timezone(datetime.timedelta(hours=7))
SEAL_NAME = "Segel Uji BSrE"
CORRUPT_MODES = ("different", "wrong_signer", "truncated", "no_timestamp", "pdf2")
KEY_USAGES = (
    "digital_signature content_commitment key_encipherment data_encipherment key_agreement key_cert_sign crl_sign"
    " encipher_only decipher_only"
).split()
BYTES_RESERVED = 12 * 1024  # the CMS: two EC certificates, the TSA's RSA chain, the token
DEFAULTS = {
    "latency": 0.0,
    "fail_rate": 0.0,
    "unavailable_rate": 0.0,
    "timeout_after_seal_rate": 0.0,
    "hang": 30.0,
    "outage": False,
    "auth_fail": False,
    "corrupt": None,
    "corrupt_calls": 1,
    "code_lifetime": None,
    "clock_offset": 0.0,
    "refuse": None,
}
STAT_NAMES = (
    "api_calls",
    "seal_calls",
    "files_sealed",
    "totp_refreshes",
    "codes_rejected",
    "answered_400",
    "answered_401",
    "answered_500",
    "answered_503",
    "timeouts_after_seal",
    "corrupted_calls",
    "seal_cpu_seconds",
    "seal_wall_seconds",
)


# --- the PKI in DIR ---------------------------------------------------------------


def _ensure_pki(directory):
    """Create (once) the roots, seal certificates and TSA certificate in ``directory``."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    names = ("root", "seal", "tsa", "other-root", "other-seal")
    if all((directory / f"{name}.pem").exists() and (directory / f"{name}.key.pem").exists() for name in names):
        return
    from cryptography.hazmat.primitives.asymmetric import ec, rsa

    now = datetime.datetime.now(datetime.UTC).replace(microsecond=0)
    root_key = ec.generate_private_key(ec.SECP256R1())
    root = _certificate("Root CA Uji BSrE", root_key, None, root_key, now, ca=True)
    seal_key = ec.generate_private_key(ec.SECP256R1())
    seal = _certificate(SEAL_NAME, seal_key, root, root_key, now, usage="seal")
    tsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    tsa = _certificate("TSA Uji BSrE", tsa_key, root, root_key, now, usage="tsa")
    other_root_key = ec.generate_private_key(ec.SECP256R1())
    other_root = _certificate("Root CA Lain", other_root_key, None, other_root_key, now, ca=True)
    other_seal_key = ec.generate_private_key(ec.SECP256R1())
    other_seal = _certificate(SEAL_NAME, other_seal_key, other_root, other_root_key, now, usage="seal")
    made = {
        "root": (root, root_key),
        "seal": (seal, seal_key),
        "tsa": (tsa, tsa_key),
        "other-root": (other_root, other_root_key),
        "other-seal": (other_seal, other_seal_key),
    }
    from cryptography.hazmat.primitives import serialization

    for name, (certificate, key) in made.items():
        key_pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        # Written to a temporary name first: a reader never sees half a file.
        for path, data in (
            (directory / f"{name}.key.pem", key_pem),
            (directory / f"{name}.pem", certificate.public_bytes(serialization.Encoding.PEM)),
        ):
            temporary = path.with_suffix(f".{os.getpid()}.tmp")
            temporary.write_bytes(data)
            temporary.replace(path)


def _certificate(common_name, key, issuer, issuer_key, now, *, ca=False, usage=None):
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "ID"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Balai Sertifikasi Elektronik (uji)"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer.subject if issuer else subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=30))
        .not_valid_after(now + datetime.timedelta(days=3650 if ca else 3 * 365))
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()), critical=False)
    )
    uses = dict.fromkeys(KEY_USAGES, False)
    uses["digital_signature"] = True
    if ca:
        builder = builder.add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        uses.update(key_cert_sign=True, crl_sign=True)
    else:
        builder = builder.add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
    if usage == "seal":
        uses["content_commitment"] = True  # non-repudiation
    if usage == "tsa":
        builder = builder.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
    builder = builder.add_extension(x509.KeyUsage(**uses), critical=True)
    return builder.sign(issuer_key, hashes.SHA256())


# --- sealing, in the pool's worker processes ------------------------------------

_SEALERS = {}


def _load(directory, name):
    from asn1crypto import keys, pem, x509
    from cryptography.hazmat.primitives import serialization

    certificate = x509.Certificate.load(pem.unarmor((directory / f"{name}.pem").read_bytes())[2])
    key_pem = (directory / f"{name}.key.pem").read_bytes()
    loaded = serialization.load_pem_private_key(key_pem, password=None)
    info = keys.PrivateKeyInfo.load(
        loaded.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return certificate, info, loaded


def _init_worker(directory, outside=None):
    """Load the keys once per worker process (pyHanko would re-parse them per signature).
    ``outside``: the ``--seal-p12…`` and ``--tsa-…`` options, each used when given."""
    from cryptography.hazmat.primitives.asymmetric.ec import ECDSA
    from pyhanko.sign import signers
    from pyhanko.sign.general import get_pyca_cryptography_hash
    from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper
    from pyhanko.sign.timestamps.requests_client import RequestsHTTPTimeStamper
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    directory = Path(directory)

    class LoadedSigner(signers.SimpleSigner):
        def __init__(self, certificate, info, loaded, chain):
            super().__init__(certificate, info, SimpleCertificateStore.from_certs(chain))
            self.loaded = loaded

        def sign_raw(self, data, digest_algorithm):
            return self.loaded.sign(data, ECDSA(get_pyca_cryptography_hash(digest_algorithm)))

    class LoadedTimeStamper(DummyTimeStamper):
        def __init__(self, certificate, info, loaded, chain):
            super().__init__(certificate, info, certs_to_embed=SimpleCertificateStore.from_certs(chain))
            self.loaded = loaded

        def _sign_tst_info(self, tst_info_data, md_algorithm, dt):
            # DummyTimeStamper's own code with the key kept loaded (RSA validation is slow).
            from asn1crypto import cms, core
            from cryptography.hazmat.primitives import hashes
            from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
            from pyhanko.sign import general

            digest = hashes.Hash(get_pyca_cryptography_hash(md_algorithm))
            digest.update(tst_info_data)
            signed_attrs = cms.CMSAttributes(
                [
                    general.simple_cms_attribute("content_type", "tst_info"),
                    general.simple_cms_attribute("signing_time", cms.Time({"utc_time": core.UTCTime(dt)})),
                    general.simple_cms_attribute("signing_certificate", general.as_signing_certificate(self.tsa_cert)),
                    general.simple_cms_attribute("message_digest", digest.finalize()),
                ]
            )
            signature = self.loaded.sign(
                signed_attrs.dump(), PKCS1v15(), get_pyca_cryptography_hash(md_algorithm.upper())
            )
            return signature, signed_attrs

    root = _load(directory, "root")[0]
    other_root = _load(directory, "other-root")[0]
    _SEALERS["seal"] = LoadedSigner(*_load(directory, "seal"), [root])
    _SEALERS["other-seal"] = LoadedSigner(*_load(directory, "other-seal"), [other_root])
    _SEALERS["tsa"] = LoadedTimeStamper(*_load(directory, "tsa"), [root])
    outside = outside or {}
    if outside.get("seal_p12"):
        # Another PKI's seal certificate (one with OCSP and CRL addresses), with its chain.
        password = outside.get("seal_p12_password")
        _SEALERS["seal"] = signers.SimpleSigner.load_pkcs12(
            outside["seal_p12"], passphrase=password.encode() if password else None
        )
    if outside.get("tsa_url"):
        auth = None
        if outside.get("tsa_username"):
            auth = (outside["tsa_username"], outside.get("tsa_password") or "")
        _SEALERS["tsa"] = RequestsHTTPTimeStamper(outside["tsa_url"], timeout=10, auth=auth)


def _seal_job(data, properties, mode, clock_offset=0.0):
    """Seal one PDF (``clock_offset``: seconds the stand-in's clock is off). Returns
    ``("ok", bytes, cpu)``, ``("invalid", message, cpu)`` for a file that is no readable
    PDF, or ``("error", message, cpu)``: nothing is raised across the process boundary."""
    started = time.process_time()
    try:
        result = _seal(data, properties, mode, clock_offset)
    except _InvalidFile as invalid:
        return "invalid", str(invalid), time.process_time() - started
    except Exception as error:  # noqa: BLE001 - answered as a 500 by the parent
        return "error", f"{type(error).__name__}: {error}", time.process_time() - started
    return "ok", result, time.process_time() - started


class _InvalidFile(Exception):
    pass


def _seal(data, properties, mode, clock_offset=0.0):
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.pdf_utils.misc import PdfError
    from pyhanko.sign import fields, signers
    from pyhanko.sign.fields import SigSeedSubFilter

    try:
        writer = IncrementalPdfFileWriter(io.BytesIO(data), strict=False)
        writer.root["/Pages"]  # noqa: B018 - a PDF without a page tree is no PDF to seal
    except (PdfError, KeyError, ValueError, TypeError, IndexError) as error:
        raise _InvalidFile(f"{type(error).__name__}: {error}") from error

    keep_version = mode != "pdf2"
    now = None
    if clock_offset:
        now = datetime.datetime.now(datetime.UTC) + datetime.timedelta(seconds=float(clock_offset))

    class Signer(signers.PdfSigner):
        def register_extensions(self, pdf_out, *, md_algorithm):
            if keep_version:
                # PAdES's own extension only: pyHanko would declare PDF 2.0 and ISO/TS
                # 32002 for an ECDSA key, which a PDF/A-2 (PDF 1.7) must not claim.
                pdf_out.register_extension(signers.constants.ESIC_EXTENSION_1)
            else:
                super().register_extensions(pdf_out, md_algorithm=md_algorithm)

        def init_signing_session(self, pdf_out, existing_fields_only=False):
            session = super().init_signing_session(pdf_out, existing_fields_only)
            if now is not None:
                session.system_time = now  # the CMS signing time, on the stand-in's clock
            return session

    field_name = f"SegelBSrE_{uuid.uuid4().hex[:8]}"
    meta = signers.PdfSignatureMetadata(
        field_name=field_name,
        md_algorithm="sha256",
        subfilter=SigSeedSubFilter.PADES,
        location=properties.get("location") or None,
        reason=properties.get("reason") or None,
        contact_info=properties.get("contactInfo") or None,
    )
    timestamper = None if mode == "no_timestamp" else _SEALERS["tsa"]
    if hasattr(timestamper, "fixed_dt"):
        timestamper.fixed_dt = now  # its own TSA's time too (one seal at a time per worker)
    signer = Signer(
        meta,
        signer=_SEALERS["other-seal" if mode == "wrong_signer" else "seal"],
        timestamper=timestamper,
        new_field_spec=fields.SigFieldSpec(sig_field_name=field_name),
    )
    out = io.BytesIO()
    signer.sign_pdf(writer, output=out, bytes_reserved=BYTES_RESERVED)
    return out.getvalue()


def _other_pdf():
    """A small valid one-page PDF, not the one that was sent (the "different" fault)."""
    text = f"BT /F1 12 Tf 72 720 Td (Dokumen lain {uuid.uuid4().hex}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(text) + text + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def _warm_up():
    _seal(_other_pdf(), {}, None)
    return os.getpid()


# --- the server ---------------------------------------------------------------------


class _Refused(Exception):
    def __init__(self, status, body):
        super().__init__(body.get("message"))
        self.status, self.body = status, body


class State:
    def __init__(self, directory, processes, username, password, seed, outside=None):
        self.lock = threading.Lock()
        self.directory = Path(directory)
        self.outside = dict(outside or {})
        self.username, self.password = username, password
        self.config = dict(DEFAULTS)
        self.random = random.Random(seed)
        self.subscribers = {}  # id → {"code", "expires" (epoch), "lifetime"}
        self.stats = dict.fromkeys(STAT_NAMES, 0)
        self.corrupt_left = 0
        self.processes = processes
        self.pool = None
        self.pool_lock = threading.Lock()

    def start_pool(self):
        with self.pool_lock:
            if self.pool is not None:
                self.pool.shutdown(wait=False, cancel_futures=True)
            self.pool = concurrent.futures.ProcessPoolExecutor(
                max_workers=self.processes,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_init_worker,
                initargs=(str(self.directory), self.outside),
            )
            # Start every worker now, with pyHanko imported and one seal done.
            futures = [self.pool.submit(_warm_up) for _ in range(self.processes * 2)]
            for future in futures:
                future.result(timeout=120)

    def stop_pool(self):
        pool = self.pool
        if pool is None:
            return
        for process in list((getattr(pool, "_processes", None) or {}).values()):
            process.terminate()
        pool.shutdown(wait=False, cancel_futures=True)

    def now(self):
        """The stand-in's clock: ours plus ``clock_offset`` (BSrE's can be minutes off)."""
        return time.time() + float(self.config["clock_offset"])

    def count(self, name, amount=1):
        with self.lock:
            self.stats[name] += amount

    # The code chain -------------------------------------------------------------

    def issue(self, subscriber, now):
        lifetime = self.config["code_lifetime"]
        if lifetime is None:
            lifetime = subscriber["lifetime"]
        code = subscriber.get("code")
        while code == subscriber.get("code"):
            code = f"{secrets.randbelow(1_000_000):06d}"
        subscriber["code"], subscriber["expires"] = code, now + float(lifetime)
        return {"totp": code, "expires": _iso(subscriber["expires"])}

    def check_code(self, body, *, rotate):
        """The subscriber's code checked (and, for a refresh, replaced) under the lock."""
        subscriber_id, code = body.get("idSubscriber"), body.get("totp")
        with self.lock:
            subscriber = self.subscribers.get(subscriber_id)
            if subscriber is None:
                self.stats["codes_rejected"] += 1
                raise _Refused(
                    400,
                    {"message": "Subscriber tidak dikenal", "result": False, "error": "UNKNOWN_SUBSCRIBER"},
                )
            now = self.now()
            if not isinstance(code, str) or code != subscriber["code"] or now >= subscriber["expires"]:
                self.stats["codes_rejected"] += 1
                raise _Refused(
                    400,
                    {"message": "TOTP tidak valid atau kedaluwarsa", "result": False, "error": "INVALID_TOTP"},
                )
            if rotate:
                self.stats["totp_refreshes"] += 1
                return self.issue(subscriber, now)
            return None

    def take_corruption(self):
        with self.lock:
            mode = self.config["corrupt"]
            if not mode or self.corrupt_left <= 0:
                return None
            self.corrupt_left -= 1
            if self.corrupt_left == 0:
                self.config["corrupt"] = None
            self.stats["corrupted_calls"] += 1
            return mode

    def configure(self, changes):
        unknown = set(changes) - set(DEFAULTS) - {"seed"}
        if unknown:
            raise _Refused(400, {"message": f"unknown settings: {sorted(unknown)}"})
        if changes.get("corrupt") not in (None, *CORRUPT_MODES):
            raise _Refused(400, {"message": f"corrupt must be one of {CORRUPT_MODES} or null"})
        if not isinstance(changes.get("refuse") or "", str):
            raise _Refused(400, {"message": "refuse must be a message or null"})
        if not isinstance(changes.get("clock_offset", 0), int | float):
            raise _Refused(400, {"message": "clock_offset must be a number of seconds"})
        with self.lock:
            if "seed" in changes:
                self.random.seed(changes.pop("seed"))
            self.config.update(changes)
            if "corrupt" in changes or "corrupt_calls" in changes:
                self.corrupt_left = int(self.config["corrupt_calls"]) if self.config["corrupt"] else 0
            return dict(self.config, corrupt_left=self.corrupt_left)


def _iso(epoch):
    return datetime.datetime.fromtimestamp(epoch, WIB).isoformat(timespec="seconds")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    state = None

    def log_message(self, *args):
        pass

    def date_time_string(self, timestamp=None):
        # The Date header send_response writes, on the stand-in's (possibly wrong) clock.
        return super().date_time_string(self.state.now() if timestamp is None else timestamp)

    def _answer(self, status, body):
        # Counted before the answer goes out: a client reading the stats right after its
        # answer must find it counted.
        key = f"answered_{status}"
        if key in self.state.stats:
            self.state.count(key)
        content = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(content)))
        if status == 401:
            self.send_header("WWW-Authenticate", 'Basic realm="esign"')
        self.end_headers()
        self.wfile.write(content)

    def _body(self):
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            raise _Refused(400, {"message": "Badan permintaan bukan JSON", "error": "INVALID_REQUEST"}) from None
        if not isinstance(body, dict):
            raise _Refused(400, {"message": "Badan permintaan harus objek JSON", "error": "INVALID_REQUEST"})
        return body

    def do_GET(self):
        self._dispatch("GET")

    def do_POST(self):
        self._dispatch("POST")

    def _dispatch(self, method):
        try:
            if self.path.startswith("/_control/"):
                if self.client_address[0] not in ("127.0.0.1", "::1"):
                    raise _Refused(403, {"message": "control is loopback only"})
                return self._control(method)
            if self.path.startswith("/api/"):
                return self._api(method)
            raise _Refused(404, {"message": "Tidak ditemukan"})
        except _Refused as refused:
            self._answer(refused.status, refused.body)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        except Exception as error:  # noqa: BLE001 - a stand-in's bug answers 500, never kills it
            traceback.print_exc(file=sys.stderr)
            try:
                self._answer(500, {"message": f"Kesalahan internal: {type(error).__name__}: {error}"})
            except OSError:
                self.close_connection = True

    def _control(self, method):
        state = self.state
        if method == "GET" and self.path == "/_control/stats":
            with state.lock:
                stats = dict(state.stats)
            stats["seal_cpu_seconds"] = round(stats["seal_cpu_seconds"], 6)
            stats["seal_wall_seconds"] = round(stats["seal_wall_seconds"], 6)
            stats["processes"] = state.processes
            return self._answer(200, stats)
        if method != "POST":
            raise _Refused(405, {"message": "method not allowed"})
        body = self._body()
        if self.path == "/_control/subscriber":
            if not isinstance(body.get("id"), str) or not body["id"]:
                raise _Refused(400, {"message": "id is required"})
            with state.lock:
                lifetime = body.get("lifetime")
                if lifetime is None:
                    lifetime = state.config["code_lifetime"] or 300
                subscriber = state.subscribers[body["id"]] = {"code": None, "expires": 0, "lifetime": float(lifetime)}
                issued = state.issue(subscriber, state.now())
            return self._answer(200, issued)
        if self.path == "/_control/config":
            return self._answer(200, state.configure(body))
        if self.path == "/_control/reset_config":
            with state.lock:
                state.config = dict(DEFAULTS)
                state.corrupt_left = 0
            return self._answer(200, dict(DEFAULTS))
        if self.path == "/_control/reset_stats":
            with state.lock:
                state.stats = dict.fromkeys(STAT_NAMES, 0)
            return self._answer(200, {"ok": True})
        raise _Refused(404, {"message": "Tidak ditemukan"})

    def _authorized(self):
        expected = "Basic " + base64.b64encode(f"{self.state.username}:{self.state.password}".encode()).decode()
        given = self.headers.get("Authorization") or ""
        return secrets.compare_digest(given.encode(), expected.encode())

    def _api(self, method):
        state = self.state
        state.count("api_calls")
        body = self._body()  # read before answering: the connection stays usable
        with state.lock:
            config = dict(state.config)
            fail = state.random.random() < config["fail_rate"]
            unavailable = state.random.random() < config["unavailable_rate"]
            hang = state.random.random() < config["timeout_after_seal_rate"]
        if config["latency"]:
            time.sleep(float(config["latency"]))
        if config["outage"] or unavailable:
            raise _Refused(503, {"message": "Layanan tidak tersedia"})
        if fail:
            raise _Refused(500, {"message": "Kesalahan internal server"})
        if config["auth_fail"] or not self._authorized():
            raise _Refused(401, {"message": "Autentikasi gagal"})
        if method != "POST":
            raise _Refused(405, {"message": "Metode tidak diizinkan"})
        if self.path == "/api/v2/seal/get/totp":
            issued = state.check_code(body, rotate=True)
            return self._answer(200, {"message": "OK", **issued, "result": True})
        if self.path == "/api/v2/seal/pdf":
            state.count("seal_calls")
            return self._seal(body, hang=config["hang"] if hang else None)
        raise _Refused(404, {"message": "Tidak ditemukan"})

    def _seal(self, body, *, hang):
        state = self.state
        files = body.get("file")
        if not isinstance(files, list) or not files or not all(isinstance(item, str) for item in files):
            raise _Refused(400, {"message": "file harus daftar base64 yang tidak kosong", "error": "INVALID_REQUEST"})
        properties = body.get("signatureProperties") or [{}]
        if not isinstance(properties, list) or len(properties) not in (1, len(files)):
            raise _Refused(
                400,
                {"message": "signatureProperties: satu untuk semua, atau satu per file", "error": "INVALID_REQUEST"},
            )
        for item in properties:
            texts = ("location", "reason", "contactInfo")
            if not isinstance(item, dict) or not all(isinstance(item.get(key) or "", str) for key in texts):
                raise _Refused(400, {"message": "signatureProperties tidak valid", "error": "INVALID_REQUEST"})
            if (item.get("tampilan") or "INVISIBLE") != "INVISIBLE":
                raise _Refused(
                    400, {"message": "Stand-in ini hanya membuat segel INVISIBLE", "error": "INVALID_REQUEST"}
                )
        with state.lock:
            refuse = state.config["refuse"]
        if refuse:
            raise _Refused(400, {"error": "REJECTED", "message": refuse.replace("{totp}", str(body.get("totp")))})
        state.check_code(body, rotate=False)
        started_wall, started_cpu = time.monotonic(), time.thread_time()
        datas = []
        for index, item in enumerate(files):
            try:
                datas.append(base64.b64decode(item, validate=True))
            except (binascii.Error, ValueError):
                raise _Refused(
                    400, {"message": f"Berkas ke-{index + 1} bukan base64", "error": "INVALID_FILE", "index": index}
                ) from None
        mode = state.take_corruption()
        if mode == "different":
            # Another file's seal in this one's place (the order mixed up), or, for a
            # single file, a document nobody sent.
            inputs = datas[1:] + datas[:1] if len(datas) > 1 else [_other_pdf()]
        else:
            inputs = datas
        each = [properties[0 if len(properties) == 1 else index] for index in range(len(inputs))]
        with state.lock:
            clock_offset = state.config["clock_offset"]
        results = self._run_pool(inputs, each, mode, clock_offset)
        cpu = sum(result[2] for result in results)
        for index, (kind, value, _cpu) in enumerate(results):
            if kind == "invalid":
                state.count("seal_cpu_seconds", cpu + time.thread_time() - started_cpu)
                raise _Refused(
                    400,
                    {"message": f"Berkas ke-{index + 1} bukan PDF yang dapat dibaca: {value}", "error": "INVALID_FILE"}
                    | {"index": index},
                )
            if kind == "error":
                state.count("seal_cpu_seconds", cpu + time.thread_time() - started_cpu)
                raise _Refused(500, {"message": f"Gagal menyegel berkas ke-{index + 1}: {value}"})
        sealed = [value for _kind, value, _cpu in results]
        if mode == "truncated":
            # Cut inside the appended update: the file still starts with what was sent.
            sealed = [
                data[: len(sent) + (len(data) - len(sent)) // 2] for data, sent in zip(sealed, datas, strict=True)
            ]
        answer = {
            "time": round((time.monotonic() - started_wall) * 1000),
            "file": [base64.b64encode(data).decode("ascii") for data in sealed],
        }
        with state.lock:
            state.stats["files_sealed"] += len(sealed)
            state.stats["seal_cpu_seconds"] += cpu + time.thread_time() - started_cpu
            state.stats["seal_wall_seconds"] += time.monotonic() - started_wall
        if hang is not None:
            state.count("timeouts_after_seal")
            time.sleep(float(hang))
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        self._answer(200, answer)

    def _run_pool(self, inputs, properties, mode, clock_offset):
        state = self.state
        for attempt in (1, 2):
            pool = state.pool
            try:
                futures = [
                    pool.submit(_seal_job, data, props, mode, clock_offset)
                    for data, props in zip(inputs, properties, strict=True)
                ]
                return [future.result() for future in futures]
            except concurrent.futures.process.BrokenProcessPool:
                if attempt == 2:
                    raise
                with state.pool_lock:
                    broken = state.pool is pool
                if broken:
                    state.start_pool()
        raise AssertionError("unreachable")


OUTSIDE_OPTIONS = ("seal_p12", "seal_p12_password", "tsa_url", "tsa_username", "tsa_password")


def serve(
    port, directory, *, username=USERNAME, password=PASSWORD, processes=1, seed=1, watch_stdin=False, outside=None
):
    _ensure_pki(directory)
    state = State(directory, processes, username, password, seed, outside)
    state.start_pool()
    Handler.state = state
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    server.request_queue_size = 256

    def stop(*_args):
        state.stop_pool()
        os._exit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    if watch_stdin:
        # Started by a test session: end with it, even if it is killed.
        threading.Thread(target=lambda: (sys.stdin.read(), stop()), daemon=True).start()
    print("ready", flush=True)
    server.serve_forever()


def main(argv):
    port, directory = int(argv[0]), Path(argv[1])
    options = dict(zip(argv[2::2], argv[3::2], strict=False))
    serve(
        port,
        directory,
        username=options.get("--username", USERNAME),
        password=options.get("--password", PASSWORD),
        processes=int(options.get("--processes", 1)),
        seed=int(options.get("--seed", 1)),
        watch_stdin=options.get("--watch-stdin") == "1",
        outside={name: options[_flag(name)] for name in OUTSIDE_OPTIONS if _flag(name) in options},
    )


def _flag(name):
    return "--" + name.replace("_", "-")


# --- the tests' helper ----------------------------------------------------------------


class StandIn:
    """A running stand-in: its address, credentials, trust roots and control calls."""

    def __init__(self, process, url, directory, username, password):
        self.process, self.url, self.directory = process, url, Path(directory)
        self.username, self.password = username, password
        self.root_pem = self.directory / "root.pem"
        self.other_root_pem = self.directory / "other-root.pem"

    def _control(self, path, body=None, timeout=30):
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.url + path, data=data, method="GET" if data is None else "POST")
        request.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return json.loads(response.read())

    def subscriber(self, id, lifetime=300):  # noqa: A002 - the API's name
        """Create or reset the subscriber ``id``; its first code (what BSrE gives out of band)."""
        return self._control("/_control/subscriber", {"id": id, "lifetime": lifetime})["totp"]

    def configure(self, **settings):
        return self._control("/_control/config", settings)

    def reset_config(self):
        return self._control("/_control/reset_config", {})

    def stats(self):
        return self._control("/_control/stats")

    def reset_stats(self):
        return self._control("/_control/reset_stats", {})

    def close(self):
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.kill(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)


def start(directory, *, processes=1, username=USERNAME, password=PASSWORD, seed=1, timeout=120, **outside):
    """Start the stand-in on a free loopback port; returns when it answers. ``outside``:
    ``seal_p12``, ``seal_p12_password``, ``tsa_url``, ``tsa_username``, ``tsa_password``
    (the command line's ``--seal-p12`` …)."""
    from tests.ports import free_port  # here: run as a script, this file has no package

    unknown = set(outside) - set(OUTSIDE_OPTIONS)
    if unknown:
        raise TypeError(f"unknown options: {sorted(unknown)}")
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    port = free_port()
    log = (directory / "bsre.log").open("ab")
    process = subprocess.Popen(
        [
            sys.executable,
            str(Path(__file__).resolve()),
            str(port),
            str(directory),
            "--username",
            username,
            "--password",
            password,
            "--processes",
            str(processes),
            "--seed",
            str(seed),
            "--watch-stdin",
            "1",
            *[part for name in OUTSIDE_OPTIONS if outside.get(name) for part in (_flag(name), str(outside[name]))],
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=log,
        text=True,
    )
    log.close()
    standin = StandIn(process, f"http://127.0.0.1:{port}", directory, username, password)
    ready = process.stdout.readline().strip()
    if ready != "ready":
        standin.close()
        raise RuntimeError(f"the BSrE stand-in did not start; see {directory / 'bsre.log'}")
    deadline = time.monotonic() + timeout
    while True:
        try:
            standin.stats()
            return standin
        except (urllib.error.URLError, OSError):
            if time.monotonic() > deadline:
                standin.close()
                raise
            time.sleep(0.05)


if __name__ == "__main__":
    main(sys.argv[1:])
