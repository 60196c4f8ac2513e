"""Who may read every API URL: every URL × every kind of token × two agencies.

An agency's token reads its agency; an auditor's token what the auditor supervises;
another agency's object is a 404, exactly like a missing one. An expired or revoked
token, a malformed header, no token at all, or a staff session without a token: 401
with an Indonesian sentence. Only GET, HEAD and OPTIONS are answered."""

import pytest
from django.urls import reverse

from tests.api.conftest import bearer
from tests.test_access import ROUTES

pytestmark = pytest.mark.django_db

API_ROUTES = [route for route in ROUTES if route.kind == "api"]
# token kind -> the sides (agencies) it reads; None: refused whatever the URL.
READS = {
    "agency_a": {"a"},
    "agency_b": {"b"},
    "auditor_a": {"a"},
    "auditor_ab": {"a", "b"},
    "expired": None,
    "revoked": None,
    "no token": None,
    "malformed": None,
    "session": None,  # an auditor signed in to the pages, no token
}


def ask(client, url, kind, tokens, world, method="get"):
    client.logout()
    headers = {}
    if kind == "session":
        client.force_login(world.auditor_ab)
    elif kind == "malformed":
        headers = {"HTTP_AUTHORIZATION": "Bearer ntr_00000000_" + "A" * 43}
    elif kind != "no token":
        headers = bearer(tokens[kind])
    response = getattr(client, method)(url, **headers)
    if hasattr(response, "streaming_content"):
        b"".join(response.streaming_content)
    return response


@pytest.mark.parametrize("route", API_ROUTES, ids=lambda route: route.name)
def test_api_access_matrix(client, matrix_world, tokens, route):
    world = matrix_world
    sides = ("a", "b") if route.args else ("a",)
    wrong = {}
    for side in sides:
        url = reverse(route.name, args=route.args(world, side) if route.args else None)
        for kind, reads in READS.items():
            response = ask(client, url, kind, tokens, world)
            if reads is None:
                want = 401
            else:
                want = 200 if (not route.args or side in reads) else 404
            if response.status_code != want:
                wrong[(kind, side)] = f"got {response.status_code}, want {want}"
                continue
            if want != 200:
                assert response["Content-Type"] == "application/json"
                assert response.json()["detail"], response.content
            if want == 401:
                assert response["WWW-Authenticate"].startswith("Bearer")
            if want == 200:
                assert "no-store" in response.get("Cache-Control", ""), f"{url} may be cached"
    assert not wrong, f"{route.name}: {wrong}"


@pytest.mark.parametrize("route", API_ROUTES, ids=lambda route: route.name)
def test_the_api_only_reads(client, matrix_world, tokens, route):
    url = reverse(route.name, args=route.args(matrix_world, "a") if route.args else None)
    headers = bearer(tokens["agency_a"])
    for method in ("post", "put", "patch", "delete"):
        response = getattr(client, method)(url, **headers)
        assert response.status_code == 405, (method, url)
        assert response.json() == {"detail": "API ini hanya untuk dibaca: pakai GET."}
    assert client.head(url, **headers).status_code == 200
    assert client.options(url, **headers).status_code == 200


def test_lists_hold_only_what_the_token_reads(client, matrix_world, tokens):
    world = matrix_world
    seen = {}
    for kind in ("agency_a", "agency_b", "auditor_a", "auditor_ab"):
        ceremonies = client.get(reverse("api:ceremonies"), **bearer(tokens[kind])).json()["results"]
        invitations = client.get(reverse("api:invitations"), **bearer(tokens[kind])).json()["results"]
        signatures = client.get(reverse("api:signatures"), **bearer(tokens[kind])).json()["results"]
        seen[kind] = (
            {row["id"] for row in ceremonies},
            {row["id"] for row in invitations},
            {row["id"] for row in signatures},
        )
    a = ({world.ceremony_a.pk}, {i.pk for i in world.invitations_a}, {world.signature_a.pk})
    b = ({world.ceremony_b.pk}, {i.pk for i in world.invitations_b}, {world.signature_b.pk})
    assert seen["agency_a"] == a and seen["auditor_a"] == a
    assert seen["agency_b"] == b
    assert seen["auditor_ab"] == tuple(x | y for x, y in zip(a, b, strict=True))


def test_a_filter_naming_another_agencys_ceremony_is_a_404(client, matrix_world, tokens):
    for name in ("api:invitations", "api:signatures"):
        response = client.get(reverse(name), {"ceremony": matrix_world.ceremony_b.pk}, **bearer(tokens["agency_a"]))
        assert response.status_code == 404
        assert response.json() == {"detail": "Apel tidak ditemukan."}


def test_an_auditor_token_follows_the_supervision(client, matrix_world, tokens):
    """The auditor loses agency B, or the account: the token reads no more than they may."""
    world = matrix_world
    url = reverse("api:ceremony", args=[world.ceremony_b.pk])
    headers = bearer(tokens["auditor_ab"])
    assert client.get(url, **headers).status_code == 200
    world.auditor_ab.staff_profile.supervised_agencies.remove(world.agency_b)
    assert client.get(url, **headers).status_code == 404
    world.auditor_ab.is_active = False
    world.auditor_ab.save()
    response = client.get(reverse("api:ceremonies"), **headers)
    assert response.status_code == 401
    assert response.json() == {"detail": "Token API ini milik auditor yang tidak aktif lagi."}


@pytest.mark.parametrize(
    "header",
    [
        "Bearer",
        "Bearer ",
        "Token abc",
        "Basic dXNlcjpwYXNz",
        "Bearer \x00",
        "Bearer ntr_zzzzzzzz_" + "A" * 43,
        "Bearer " + "A" * 5000,
        "Bearer ²",
        "Bearer ntr_",
    ],
)
def test_hostile_authorization_headers_are_a_401(client, matrix_world, header):
    response = client.get(reverse("api:ceremonies"), HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert response.json()["detail"]


def test_a_right_prefix_with_a_wrong_secret_is_refused(client, matrix_world, tokens):
    token = tokens["agency_a"]
    forged = token.secret[:-4] + ("AAAA" if not token.secret.endswith("AAAA") else "BBBB")
    response = client.get(reverse("api:ceremonies"), HTTP_AUTHORIZATION=f"Bearer {forged}")
    assert response.status_code == 401
    assert response.json() == {"detail": "Token API tidak dikenal, sudah dicabut, atau sudah kedaluwarsa."}
