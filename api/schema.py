"""How the OpenAPI document describes the token (drf-spectacular's public extension)."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.BearerTokenAuthentication"
    name = "tokenApi"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "Token API (`ntr_…`), dibuat di admin atau dengan `manage.py create_api_token`.",
        }
