"""``manage.py create_api_token AGENCY_ID NAME``: the token printed once, stored hashed,
recorded in the trail; every bad argument one Indonesian sentence."""

import io

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from api.models import ApiToken, token_hash
from audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def create(*arguments):
    out, err = io.StringIO(), io.StringIO()
    call_command("create_api_token", *arguments, stdout=out, stderr=err)
    return out.getvalue().strip(), err.getvalue()


def test_an_agency_token_printed_once_and_stored_hashed(client, world):
    secret, said = create(str(world.agency_a.pk), "Dasbor BKD")
    token = ApiToken.objects.get()
    assert token.agency == world.agency_a and token.name == "Dasbor BKD"
    assert token.token_sha256 == token_hash(secret) and secret not in str(token.__dict__)
    assert "tidak ditampilkan lagi" in said and secret not in said
    days = (token.expires_at - timezone.now()).days
    assert settings.API_TOKEN_DAYS - 1 <= days <= settings.API_TOKEN_DAYS
    assert AuditEvent.objects.filter(username="manage.py create_api_token", agency=world.agency_a).exists()
    response = client.get(reverse("api:ceremonies"), HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert [row["id"] for row in response.json()["results"]] == [world.ceremony_a.pk]


def test_days_and_an_auditor_token(client, world):
    secret, _said = create(str(world.agency_b.pk), "Inspektorat", "--hari", "7", "--auditor", "auditor_ab")
    token = ApiToken.objects.get()
    assert token.auditor == world.auditor_ab.staff_profile and token.agency is None
    assert 6 <= (token.expires_at - timezone.now()).days <= 7
    response = client.get(reverse("api:ceremonies"), HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert {row["id"] for row in response.json()["results"]} == {world.ceremony_a.pk, world.ceremony_b.pk}


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["abc", "x"], "ID_INSTANSI harus angka"),
        (["²", "x"], "ID_INSTANSI harus angka"),
        (["99999999", "x"], "Tidak ada instansi dengan id 99999999."),
        ([None, "x", "--hari", "0"], "--hari harus angka 1 sampai 3650."),
        ([None, "x", "--hari", "tujuh"], "--hari harus angka 1 sampai 3650."),
        ([None, "x", "--auditor", "operator_a"], "Tidak ada auditor aktif dengan nama pengguna “operator_a”."),
        (["b", "x", "--auditor", "auditor_a"], "Auditor auditor_a tidak mengawasi instansi"),
        ([None, "\u202eatreS"], "Nama token tidak dapat dipakai"),
        ([None, "X" * 101], "Nama token tidak dapat dipakai"),
    ],
)
def test_a_bad_argument_gets_one_sentence_and_nothing_is_made(world, arguments, message):
    agency, *rest = arguments
    agency = {None: str(world.agency_a.pk), "b": str(world.agency_b.pk)}.get(agency, agency)
    with pytest.raises(CommandError, match=message):
        create(agency, *rest)
    assert not ApiToken.objects.exists()


def test_missing_arguments_are_one_sentence(world):
    with pytest.raises(CommandError, match=r"^ID_INSTANSI dan NAMA wajib diisi\. Pemakaian: python manage.py"):
        create(str(world.agency_a.pk))
    with pytest.raises(CommandError, match="Argumen tidak dikenal: lagi"):
        create(str(world.agency_a.pk), "x", "lagi")
