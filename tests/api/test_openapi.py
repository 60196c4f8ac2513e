"""The contract: ``/api/v1/openapi.json`` is a valid OpenAPI 3 document, and every
path in it answers a token of the agency (200) and another agency's token not at all
(404 for an object, nothing of the other agency in a list)."""

import re

import pytest
from django.urls import reverse
from openapi_schema_validator import OAS30ReadValidator
from openapi_spec_validator import validate

from tests.api.conftest import bearer

pytestmark = pytest.mark.django_db


def document(client):
    response = client.get(reverse("api:openapi"), HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    return response.json()


def test_the_document_is_valid_openapi_3(client, matrix_world):
    spec = document(client)
    assert spec["openapi"].startswith("3.")
    validate(spec)
    assert spec["components"]["securitySchemes"], "the bearer token is described"


def resolved(schema, spec):
    """``schema`` with every ``$ref`` to a component replaced by the component, and no
    property in an answer that the document does not name."""
    if isinstance(schema, dict):
        if "$ref" in schema:
            return resolved(spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]], spec)
        strict = {"additionalProperties": False} if "properties" in schema else {}
        return {**strict, **{key: resolved(value, spec) for key, value in schema.items()}}
    if isinstance(schema, list):
        return [resolved(value, spec) for value in schema]
    return schema


def fill(path, world, side):
    """A path of the document with agency ``side``'s objects."""
    values = {
        "ceremonies": str(getattr(world, f"ceremony_{side}").pk),
        "signatures": str(getattr(world, f"signature_{side}").pk),
        "recaps": str(getattr(world, f"job_{side}").pk),
    }

    def value(match):
        before = path[: match.start()].rstrip("/").rsplit("/", 1)[-1]
        return values[before]

    return re.sub(r"\{[^}]+\}", value, path)


def test_every_path_answers_its_agency_and_not_another(client, matrix_world, tokens):
    world = matrix_world
    spec = document(client)
    paths = spec["paths"]
    assert len(paths) == 9, sorted(paths)
    for path, operations in paths.items():
        assert set(operations) - {"parameters"} == {"get"}, f"{path} is read-only"
        own, other = fill(path, world, "a"), fill(path, world, "b")
        answer = client.get(own, **bearer(tokens["agency_a"]))
        assert answer.status_code == 200, (path, answer.content[:200])
        content = operations["get"]["responses"]["200"]["content"]
        if "application/json" in content:  # the answer is what the document says it is
            schema = resolved(content["application/json"]["schema"], spec)
            OAS30ReadValidator(schema).validate(answer.json())
        if "{" in path:
            refused = client.get(other, **bearer(tokens["agency_a"]))
            assert refused.status_code == 404, (path, refused.status_code)
            assert refused.json()["detail"]
        else:
            rows = answer.json()["results"]
            assert rows, path
            # A ceremony's own id, or the ceremony an invitation or signature belongs to.
            assert {row.get("ceremony", row["id"]) for row in rows} == {world.ceremony_a.pk}, path


def test_the_documentation_page_uses_vendored_files_only(client, matrix_world):
    page = client.get(reverse("api:docs"))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'lang="id"' in html
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources and all(source.startswith("/") for source in sources), sources
    script = client.get(reverse("api:docs"), {"script": ""})
    assert script.status_code == 200 and "SwaggerUIBundle" in script.content.decode()
    assert "/api/v1/openapi.json" in script.content.decode()
