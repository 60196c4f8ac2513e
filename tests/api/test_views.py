"""What the API answers: identities as the Inspektorat's pages write them, the cursor
through every page, filters, the signed PDF checked before it goes out, recap files,
the trail, each use recorded, the rate limit — and no 500 for hostile input."""

import datetime

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from api.models import ApiToken, TokenUse
from audit.models import AuditEvent
from ceremonies.models import Invitation
from roster.models import EmploymentType
from tests import factories, stored
from tests.api.conftest import bearer
from tests.inspektorat.conftest import bulk_sign, invite

pytestmark = pytest.mark.django_db


def get(client, token, name, *args, **query):
    return client.get(reverse(name, args=args), query, **bearer(token))


def test_identity_as_the_inspektorat_pages_show_it(client, matrix_world, tokens):
    world = matrix_world
    non_asn = factories.employee(
        world.agency_a, unit=world.unit_a, employment_type=EmploymentType.NON_ASN, nip=None, nik="3175010101900001"
    )
    Invitation.objects.create(ceremony=world.ceremony_a, employee=non_asn, unit=world.unit_a)
    rows = get(client, tokens["agency_a"], "api:invitations", ceremony=world.ceremony_a.pk).json()["results"]
    by_id = {row["id"]: row for row in rows}
    first = world.invitations_a[0]
    nip = first.employee.nip
    assert by_id[first.pk]["identity"] == f"{nip[:8]} {nip[8:14]} {nip[14]} {nip[15:]}"
    assert by_id[first.pk]["signed"] is True and by_id[first.pk]["signature"].endswith(
        f"/signatures/{world.signature_a.pk}/"
    )
    assert [row["identity"] for row in rows if row["name"] == non_asn.name] == ["NIK …0001"]
    text = str(rows)
    for invitation in world.invitations_a:  # no personal link, personal code, phone or email
        assert invitation.token not in text and invitation.code not in text
    signature = get(client, tokens["auditor_ab"], "api:signature", world.signature_a.pk).json()
    assert signature["name"] == world.signature_a.signer["name"]
    assert signature["identity"] == str(world.signature_a.identifier)
    assert signature["verification_code"] == world.signature_a.display_code
    assert signature["pdf"]["sha256"] == world.signature_a.document.sha256
    assert set(signature) >= {"signed_at", "ceremony", "invitation", "unit_name", "rank", "position", "url"}


def test_status_filter(client, matrix_world, tokens):
    world = matrix_world
    token = tokens["agency_a"]
    signed = get(client, token, "api:invitations", ceremony=world.ceremony_a.pk, status="sudah").json()["results"]
    unsigned = get(client, token, "api:invitations", ceremony=world.ceremony_a.pk, status="belum").json()["results"]
    assert [row["id"] for row in signed] == [world.invitations_a[0].pk]
    assert {row["id"] for row in unsigned} == {i.pk for i in world.invitations_a[1:]}


def test_progress_per_unit(client, matrix_world, tokens):
    world = matrix_world
    body = get(client, tokens["agency_a"], "api:ceremony_progress", world.ceremony_a.pk).json()
    assert body["overall"] == {"invited": 4, "signed": 1, "unsigned": 3, "percent": 25}
    units = {row["name"]: (row["invited"], row["signed"]) for row in body["units"]}
    assert units == {"Sekretariat Daerah": (3, 1), "Bagian Umum": (1, 0)}
    ceremony = get(client, tokens["agency_a"], "api:ceremony", world.ceremony_a.pk).json()
    assert (ceremony["invited"], ceremony["signed"]) == (4, 1)
    assert ceremony["signing_state"] == world.ceremony_a.signing_state()


def test_the_cursor_walks_every_signature_once(client, world, django_assert_max_num_queries):
    from tests.api.conftest import make_token

    token = make_token("Sinkron", agency=world.agency_a)
    invitations = invite(world.ceremony_a, 120, unit=world.unit_a)
    bulk_sign(invitations)
    url, seen, pages = reverse("api:signatures") + f"?ceremony={world.ceremony_a.pk}&page_size=25", [], 0
    while url:
        with django_assert_max_num_queries(8):
            body = client.get(url, **bearer(token)).json()
        seen += [row["id"] for row in body["results"]]
        url, pages = body["next"], pages + 1
    assert pages == 5 and len(seen) == 120 == len(set(seen)) and seen == sorted(seen)


@pytest.mark.parametrize(
    "query",
    [
        {"ceremony": "²"},
        {"ceremony": "\x00"},
        {"ceremony": "99999999999999999999"},
        {"ceremony": "-1"},
        {"status": "\u202e1"},
        {"cursor": "\x00"},
        {"cursor": "²"},
        {"cursor": "cD1hYmM="},  # p=abc: a position that is no id
        {"cursor": "cD05OTk5OTk5OTk5OTk5OTk5OTk5OTk5"},  # p=9999… past any id
        {"cursor": "bz0tMSZwPTE="},  # o=-1
        {"page_size": "\x00"},
        {"page_size": "99999999999999999999"},
    ],
)
def test_hostile_query_values_get_a_sentence(client, matrix_world, tokens, query):
    for name in ("api:invitations", "api:signatures", "api:ceremonies"):
        response = get(client, tokens["auditor_ab"], name, **query)
        assert response.status_code in (200, 400, 404), (name, query, response.status_code)
        if response.status_code != 200:
            assert response.json()["detail"], response.content
    recaps = get(
        client, tokens["auditor_ab"], "api:ceremony_recaps", matrix_world.ceremony_a.pk, cursor="cD1ub3QtYS10aW1l"
    )
    assert recaps.status_code == 404 and "Kursor" in recaps.json()["detail"]


def test_the_pdf_is_the_sealed_file_and_is_recorded(client, matrix_world, tokens):
    world = matrix_world
    response = get(client, tokens["agency_a"], "api:signature_pdf", world.signature_a.pk)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == stored.read(world.signature_a.document.file.name)
    event = AuditEvent.objects.filter(action=AuditEvent.Action.DOWNLOAD).latest("pk")
    assert event.agency_id == world.agency_a.pk and event.user is None
    assert "token API ntr_" in event.username and "Dasbor A" in event.description
    assert world.signature_a.display_code in event.description


def test_an_altered_or_missing_pdf_is_refused_and_noted(client, matrix_world, tokens):
    world = matrix_world
    name = world.signature_a.document.file.name
    stored.flip_one_byte(name)
    altered = get(client, tokens["agency_a"], "api:signature_pdf", world.signature_a.pk)
    assert altered.status_code == 409 and "berubah" in altered.json()["detail"]
    stored.remove(name)
    missing = get(client, tokens["agency_a"], "api:signature_pdf", world.signature_a.pk)
    assert missing.status_code == 404 and "tidak ada di penyimpanan" in missing.json()["detail"]
    assert AuditEvent.objects.filter(action=AuditEvent.Action.EVIDENCE).count() == 2


def test_recaps_list_finished_files_and_download_them(client, matrix_world, tokens):
    world = matrix_world
    body = get(client, tokens["auditor_a"], "api:ceremony_recaps", world.ceremony_a.pk).json()
    assert [row["id"] for row in body["results"]] == [str(world.job_a.pk)]
    response = client.get(body["results"][0]["download_url"], **bearer(tokens["auditor_a"]))
    assert response.status_code == 200 and b"".join(response.streaming_content) == b"No,Nama\n1,Budi\n"
    event = AuditEvent.objects.filter(action=AuditEvent.Action.DOWNLOAD).latest("pk")
    assert event.user == world.auditor_a and "melalui token API" in event.description
    world.job_a.__class__.objects.filter(pk=world.job_a.pk).update(expires_at=timezone.now())
    assert get(client, tokens["auditor_a"], "api:ceremony_recaps", world.ceremony_a.pk).json()["results"] == []
    assert client.get(body["results"][0]["download_url"], **bearer(tokens["auditor_a"])).status_code == 404


def test_every_use_is_recorded(client, matrix_world, tokens):
    token = tokens["agency_a"]
    assert token.last_used_at is None
    get(client, token, "api:ceremonies")
    get(client, token, "api:ceremony", matrix_world.ceremony_b.pk)
    uses = list(TokenUse.objects.filter(token=token).order_by("pk").values_list("method", "path", "status"))
    assert uses == [
        ("GET", "/api/v1/ceremonies/", 200),
        ("GET", f"/api/v1/ceremonies/{matrix_world.ceremony_b.pk}/", 404),
    ]
    token.refresh_from_db()
    assert token.last_used_at is not None
    assert not TokenUse.objects.exclude(token=token).exists()


@override_settings(API_RATE_LIMIT="3/min")
def test_the_rate_limit_is_per_token(client, matrix_world, tokens):
    for _ in range(3):
        assert get(client, tokens["agency_a"], "api:ceremonies").status_code == 200
    refused = get(client, tokens["agency_a"], "api:ceremonies")
    assert refused.status_code == 429
    assert refused.json()["detail"].startswith("Terlalu banyak permintaan dengan token ini. Coba lagi dalam")
    assert int(refused["Retry-After"]) > 0
    assert get(client, tokens["agency_b"], "api:ceremonies").status_code == 200


def test_tokens_are_stored_hashed(matrix_world, tokens):
    token = ApiToken.objects.get(pk=tokens["agency_a"].pk)
    secret = tokens["agency_a"].secret
    assert secret.startswith(f"ntr_{token.prefix}_") and secret not in str(token.__dict__)
    assert token.expires_at - timezone.now() > datetime.timedelta(days=89)


def test_an_own_ceremony_without_rows_is_an_empty_page(client, matrix_world, tokens):
    empty = factories.ceremony(matrix_world.agency_a)
    for name in ("api:invitations", "api:signatures"):
        response = get(client, tokens["agency_a"], name, ceremony=empty.pk)
        assert response.status_code == 200 and response.json()["results"] == []
        assert get(client, tokens["agency_b"], name, ceremony=empty.pk).status_code == 404
