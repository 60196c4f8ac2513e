"""The project's own system checks."""

from django.conf import settings
from django.core.checks import Error, Tags, register
from django.utils.translation import gettext as _


@register(Tags.security, deploy=True)
def development_secret_key(app_configs, **kwargs):
    """A server must never run on the key `make run` left in the data folder."""
    if not getattr(settings, "SECRET_KEY_FROM_DEV_FILE", False):
        return []
    return [
        Error(
            _("SECRET_KEY tidak diatur: aplikasi memakai kunci pengembangan `make run` (%(file)s).")
            % {"file": settings.DATA_DIR / "dev-secret-key"},
            hint=_("Di produksi atur SECRET_KEY (acak, 50 karakter atau lebih); lihat README, “Produksi”."),
            id="netralitas.E001",
        )
    ]
