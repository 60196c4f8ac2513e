"""Settings from the environment: typed, and loud on a value they cannot read."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from netralitas.lib.env import env_bool, env_int, env_list, env_str


def test_str_required_or_default(monkeypatch):
    monkeypatch.delenv("NTL_TEST", raising=False)
    assert env_str("NTL_TEST", "bawaan") == "bawaan"
    with pytest.raises(ImproperlyConfigured, match="NTL_TEST is required"):
        env_str("NTL_TEST")
    monkeypatch.setenv("NTL_TEST", "nilai")
    assert env_str("NTL_TEST") == "nilai"
    monkeypatch.setenv("NTL_TEST", "")
    assert env_str("NTL_TEST", "bawaan") == "", "an empty value is a value, not a missing one"


@pytest.mark.parametrize(
    "raw, value",
    [("1", True), ("true", True), (" Yes ", True), ("on", True), ("0", False), ("off", False), ("", False)],
)
def test_bool_spellings(monkeypatch, raw, value):
    monkeypatch.setenv("NTL_TEST", raw)
    assert env_bool("NTL_TEST", not value) is value


def test_bool_refuses_a_typo(monkeypatch):
    monkeypatch.setenv("NTL_TEST", "ya")
    with pytest.raises(ImproperlyConfigured, match="NTL_TEST must be a boolean"):
        env_bool("NTL_TEST")
    monkeypatch.delenv("NTL_TEST")
    assert env_bool("NTL_TEST", True) is True


def test_int(monkeypatch):
    monkeypatch.setenv("NTL_TEST", "60")
    assert env_int("NTL_TEST", 0) == 60
    monkeypatch.setenv("NTL_TEST", "6O")
    with pytest.raises(ImproperlyConfigured, match="NTL_TEST must be an integer"):
        env_int("NTL_TEST", 0)


def test_list_drops_blanks(monkeypatch):
    monkeypatch.setenv("NTL_TEST", " a.go.id, ,b.go.id ,")
    assert env_list("NTL_TEST") == ["a.go.id", "b.go.id"]
    monkeypatch.delenv("NTL_TEST")
    assert env_list("NTL_TEST", ["x"]) == ["x"]
