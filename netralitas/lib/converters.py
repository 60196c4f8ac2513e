"""Path converters for the project's URLs."""

from django.urls import register_converter


class IdConverter:
    """A database id in a URL (``<id:pk>``): at most 18 digits. Django's ``int``
    takes any number of digits, and a longer one overflows the 64-bit id column —
    a 500 instead of the 404 any id that does not exist gets."""

    regex = "[0-9]{1,18}"

    def to_python(self, value):
        return int(value)

    def to_url(self, value):
        return str(value)


def register():
    register_converter(IdConverter, "id")
