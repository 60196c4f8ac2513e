"""The stand-in for BSrE's Esign Client Service (tests/bsre.py), tested on its own so
that the app's tests can trust it: its auth, its code chain, its seals (read back with
pyHanko against its root) and every fault it offers. No database."""

import base64
import datetime
import io
import re
import time
from email.utils import parsedate_to_datetime

import pikepdf
import pytest
import requests
from pyhanko.keys import load_cert_from_pemder
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.general import NonexistentAttributeError, find_unique_cms_attribute
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

TOTP = "/api/v2/seal/get/totp"
SEAL = "/api/v2/seal/pdf"
PROPERTIES = [{"tampilan": "INVISIBLE", "location": "Bukittinggi", "reason": "Segel pakta", "contactInfo": "uji"}]


@pytest.fixture
def standin(bsre_standin):
    bsre_standin.reset_config()
    yield bsre_standin
    bsre_standin.reset_config()


def sample_pdf(title):
    """A small PDF/A-2-like document (PDF 1.7, XMP ``pdfaid``), different per title."""
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(595, 842))
    font = pdf.make_indirect(pikepdf.Dictionary(Type="/Font", Subtype="/Type1", BaseFont="/Helvetica"))
    page = pdf.pages[0]
    page.Resources = pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font))
    page.Contents = pdf.make_stream(f"BT /F1 12 Tf 72 720 Td ({title}) Tj ET".encode())
    with pdf.open_metadata(set_pikepdf_as_editor=False) as meta:
        meta["pdfaid:part"] = "2"
        meta["pdfaid:conformance"] = "U"
        meta["dc:title"] = title
    out = io.BytesIO()
    pdf.save(out, min_version="1.7", fix_metadata_version=False)
    return out.getvalue()


def call(standin, path, body, *, auth=True, timeout=30):
    credentials = (standin.username, standin.password) if auth else None
    return requests.post(standin.url + path, json=body, auth=credentials, timeout=timeout)


def seal(standin, subscriber, code, files, **kwargs):
    body = {
        "idSubscriber": subscriber,
        "totp": code,
        "signatureProperties": PROPERTIES,
        "file": [base64.b64encode(data).decode() for data in files],
    }
    return call(standin, SEAL, body, **kwargs)


def sealed_files(response):
    assert response.status_code == 200, response.text
    return [base64.b64decode(item) for item in response.json()["file"]]


def validate(data, root_pem):
    reader = PdfFileReader(io.BytesIO(data))
    (signature,) = reader.embedded_signatures
    context = ValidationContext(trust_roots=[load_cert_from_pemder(str(root_pem))])
    return signature, validate_pdf_signature(signature, context)


def timestamp_token(signature):
    try:
        return find_unique_cms_attribute(signature.signer_info["unsigned_attrs"], "signature_time_stamp_token")
    except NonexistentAttributeError:
        return None


def catalog(data):
    with pikepdf.open(io.BytesIO(data)) as pdf:
        extensions = pdf.Root.get("/Extensions")
        return pdf.pdf_version, str(pdf.Root.get("/Version", "")), sorted(extensions.keys()) if extensions else []


def test_every_api_call_wants_the_credentials(standin):
    code = standin.subscriber("auth")
    body = {"idSubscriber": "auth", "totp": code, "data": "1"}
    before = standin.stats()["answered_401"]

    missing = call(standin, TOTP, body, auth=False)
    wrong = requests.post(standin.url + SEAL, json=body, auth=(standin.username, "salah"), timeout=10)

    for response in (missing, wrong):
        assert response.status_code == 401
        assert response.json()["message"]
    assert standin.stats()["answered_401"] == before + 2
    assert call(standin, TOTP, body).status_code == 200, "the refused calls did not use the code"


def test_the_code_chain_rolls_and_an_old_code_is_refused(standin):
    first = standin.subscriber("chain")

    refreshed = call(standin, TOTP, {"idSubscriber": "chain", "totp": first, "data": "1"})
    again = call(standin, TOTP, {"idSubscriber": "chain", "totp": first, "data": "1"})
    unknown = call(standin, TOTP, {"idSubscriber": "nobody", "totp": first, "data": "1"})

    assert refreshed.status_code == 200
    answer = refreshed.json()
    assert answer["message"] == "OK" and answer["result"] is True
    assert re.fullmatch(r"\d{6}", answer["totp"]) and answer["totp"] != first
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+07:00", answer["expires"])
    assert again.status_code == 400
    assert again.json() == {"message": "TOTP tidak valid atau kedaluwarsa", "result": False, "error": "INVALID_TOTP"}
    assert unknown.status_code == 400 and unknown.json()["error"] == "UNKNOWN_SUBSCRIBER"
    following = call(standin, TOTP, {"idSubscriber": "chain", "totp": answer["totp"], "data": "1"})
    assert following.status_code == 200 and following.json()["totp"] != answer["totp"]


def test_an_expired_code_is_refused_for_a_refresh_and_a_seal(standin):
    code = standin.subscriber("expiring", lifetime=0.3)
    time.sleep(0.4)

    refresh = call(standin, TOTP, {"idSubscriber": "expiring", "totp": code, "data": "1"})
    sealing = seal(standin, "expiring", code, [sample_pdf("kedaluwarsa")])

    assert refresh.status_code == 400 and refresh.json()["error"] == "INVALID_TOTP"
    assert sealing.status_code == 400 and sealing.json()["error"] == "INVALID_TOTP"
    assert "file" not in sealing.json()


def test_two_files_sealed_in_one_call_each_pades_b_t_over_the_bytes_sent(standin):
    code = standin.subscriber("seal")
    sent = [sample_pdf("Pakta satu"), sample_pdf("Pakta dua")]
    before = standin.stats()

    response = seal(standin, "seal", code, sent)

    files = sealed_files(response)
    assert len(files) == 2 and isinstance(response.json()["time"], int)
    for original, data in zip(sent, files, strict=True):
        assert data.startswith(original) and len(data) > len(original)
        signature, status = validate(data, standin.root_pem)
        assert status.trusted and status.intact and status.valid
        assert status.coverage.name == "ENTIRE_FILE"
        assert "Segel Uji BSrE" in status.signing_cert.subject.human_friendly
        assert timestamp_token(signature) is not None
        assert status.timestamp_validity.intact and status.timestamp_validity.trusted
        assert catalog(data) == ("1.7", "", ["/ESIC"]), "the PDF version is kept: no PDF 2.0, no ISO 32002"
    assert files[0][len(sent[0]) :] != files[1][len(sent[1]) :]
    after = standin.stats()
    assert after["seal_calls"] == before["seal_calls"] + 1
    assert after["files_sealed"] == before["files_sealed"] + 2
    assert after["seal_cpu_seconds"] > before["seal_cpu_seconds"]
    still = call(standin, TOTP, {"idSubscriber": "seal", "totp": code, "data": "1"})
    assert still.status_code == 200, "sealing does not consume the code"


def test_one_unreadable_file_fails_the_whole_call(standin):
    code = standin.subscriber("invalid")

    response = seal(standin, "invalid", code, [sample_pdf("baik"), b"%PDF-1.7 bukan pdf"])

    assert response.status_code == 400
    assert response.json()["error"] == "INVALID_FILE" and response.json()["index"] == 1
    assert "file" not in response.json()


@pytest.mark.parametrize(
    ("fault", "status"),
    [
        ({"fail_rate": 1.0}, 500),
        ({"unavailable_rate": 1.0}, 503),
        ({"outage": True}, 503),
        ({"auth_fail": True}, 401),
    ],
)
def test_failures_answer_before_doing_anything(standin, fault, status):
    code = standin.subscriber("faults")
    standin.configure(**fault)
    before = standin.stats()

    responses = [
        call(standin, TOTP, {"idSubscriber": "faults", "totp": code, "data": "1"}),
        seal(standin, "faults", code, [sample_pdf("gagal")]),
    ]

    assert [response.status_code for response in responses] == [status, status]
    assert all(response.json()["message"] for response in responses)
    after = standin.stats()
    assert after[f"answered_{status}"] == before[f"answered_{status}"] + 2
    assert after["files_sealed"] == before["files_sealed"]
    standin.reset_config()
    assert call(standin, TOTP, {"idSubscriber": "faults", "totp": code, "data": "1"}).status_code == 200


def test_latency_is_added_to_every_call(standin):
    code = standin.subscriber("slow")
    standin.configure(latency=0.3)

    started = time.monotonic()
    response = call(standin, TOTP, {"idSubscriber": "slow", "totp": code, "data": "1"})

    assert response.status_code == 200 and time.monotonic() - started >= 0.3


def test_a_clock_offset_moves_the_date_header_the_expiry_and_the_seal_time(standin):
    code = standin.subscriber("clock", lifetime=300)
    standin.configure(clock_offset=-600)

    response = call(standin, TOTP, {"idSubscriber": "clock", "totp": code, "data": "1"})
    sealed = sealed_files(seal(standin, "clock", response.json()["totp"], [sample_pdf("jam")]))

    now = datetime.datetime.now(datetime.UTC)
    their_now = parsedate_to_datetime(response.headers["Date"])
    expires = datetime.datetime.fromisoformat(response.json()["expires"])
    assert abs((their_now - now).total_seconds() + 600) < 5
    assert abs((expires - their_now).total_seconds() - 300) < 2  # the lifetime, on its own clock
    signature, status = validate(sealed[0], standin.root_pem)
    assert status.bottom_line
    stamped_at = timestamp_token(signature)["content"]["encap_content_info"]["content"].parsed["gen_time"].native
    assert abs((stamped_at - now).total_seconds() + 600) < 30
    assert abs((status.signer_reported_dt - now).total_seconds() + 600) < 30
    standin.reset_config()
    assert abs((parsedate_to_datetime(call(standin, TOTP, {}).headers["Date"]) - now).total_seconds()) < 5


def test_a_timeout_after_sealing_leaves_the_outcome_unknown(standin):
    code = standin.subscriber("hang")
    standin.configure(timeout_after_seal_rate=1.0, hang=0.5)
    before = standin.stats()

    with pytest.raises(requests.exceptions.ReadTimeout):
        seal(standin, "hang", code, [sample_pdf("tergantung")], timeout=(5, 0.2))
    with pytest.raises(requests.exceptions.ConnectionError):
        seal(standin, "hang", code, [sample_pdf("ditutup")], timeout=10)

    after = standin.stats()
    assert after["timeouts_after_seal"] == before["timeouts_after_seal"] + 2
    assert after["files_sealed"] == before["files_sealed"] + 2, "the files were sealed all the same"


@pytest.mark.parametrize("mode", ["different", "wrong_signer", "truncated", "no_timestamp", "pdf2"])
def test_each_corruption_is_detectably_wrong_and_lasts_the_calls_asked(standin, mode):
    code = standin.subscriber("corrupt")
    sent = [sample_pdf("Pakta satu"), sample_pdf("Pakta dua")]
    standin.configure(corrupt=mode, corrupt_calls=1)

    corrupted = sealed_files(seal(standin, "corrupt", code, sent))
    healthy = sealed_files(seal(standin, "corrupt", code, sent))

    for original, data in zip(sent, healthy, strict=True):
        assert data.startswith(original) and validate(data, standin.root_pem)[1].trusted
    for original, data in zip(sent, corrupted, strict=True):
        if mode == "different":
            assert not data.startswith(original)
            assert validate(data, standin.root_pem)[1].trusted, "validly sealed, just not what was sent"
        elif mode == "wrong_signer":
            assert data.startswith(original)
            assert not validate(data, standin.root_pem)[1].trusted
            assert validate(data, standin.other_root_pem)[1].trusted
        elif mode == "truncated":
            assert data.startswith(original) and len(data) < len(healthy[0])
            assert not data.rstrip().endswith(b"%%EOF")
            with pytest.raises(Exception):  # noqa: B017, PT011 - any failure to read will do
                validate(data, standin.root_pem)
        elif mode == "no_timestamp":
            signature, status = validate(data, standin.root_pem)
            assert status.trusted and status.intact and data.startswith(original)
            assert timestamp_token(signature) is None and status.timestamp_validity is None
        elif mode == "pdf2":
            assert validate(data, standin.root_pem)[1].trusted and data.startswith(original)
            version, declared, extensions = catalog(data)
            assert declared == "/2.0" and "/ISO_" in extensions
