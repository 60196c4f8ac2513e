"""Tokens of every kind over the two-agency world of ``tests/test_access.py``."""

import datetime

import pytest
from django.utils import timezone

from api.models import ApiToken
from tests.test_access import matrix_world  # noqa: F401 (a fixture)


def make_token(name, **scope):
    token = ApiToken(name=name, **scope)
    token.secret = token.issue()
    token.save()
    return token


@pytest.fixture
def tokens(matrix_world):  # noqa: F811
    world = matrix_world
    made = {
        "agency_a": make_token("Dasbor A", agency=world.agency_a),
        "agency_b": make_token("Dasbor B", agency=world.agency_b),
        "auditor_a": make_token("Inspektorat A", auditor=world.auditor_a.staff_profile),
        "auditor_ab": make_token("Inspektorat AB", auditor=world.auditor_ab.staff_profile),
        "expired": make_token("Kedaluwarsa", agency=world.agency_a),
        "revoked": make_token("Dicabut", agency=world.agency_a),
    }
    ApiToken.objects.filter(pk=made["expired"].pk).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    made["revoked"].revoke()
    world.tokens = made
    return made


def bearer(token):
    return {"HTTP_AUTHORIZATION": f"Bearer {token.secret}"} if token is not None else {}
