from django.apps import AppConfig


class NetralitasConfig(AppConfig):
    name = "netralitas"

    def ready(self):
        from netralitas import checks  # noqa: F401 (registers the project's own system checks)
