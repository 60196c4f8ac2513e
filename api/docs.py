"""The API's documentation page: Swagger UI from drf-spectacular-sidecar's vendored
files (served as static files, nothing from a CDN), started by a script of its own
rather than inline, so that it runs under the site's Content Security Policy."""

from drf_spectacular.views import SpectacularSwaggerSplitView


class Documentation(SpectacularSwaggerSplitView):
    template_name = "api/docs.html"
