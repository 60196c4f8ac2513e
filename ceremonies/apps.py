from django.apps import AppConfig


class CeremoniesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "ceremonies"
