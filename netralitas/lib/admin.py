"""Helpers for the Django admin pages of the apps."""

import re

from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import ValidationError

from netralitas.lib.forms import IdMultipleChoiceField
from netralitas.lib.text import hidden_characters

BIGINT = 2**63


class SafeAutocompleteSelect(AutocompleteSelect):
    """Django's autocomplete widget looks up the submitted value to show it again;
    a value that is no id (``²``, a NUL, a 20-digit number) made that lookup fail
    with a 500 instead of the form's "pick a valid choice"."""

    def optgroups(self, name, value, attr=None):
        pk = self.field.remote_field.model._meta.pk
        shown = []
        for item in value:
            try:
                number = pk.to_python(item)
            except ValidationError:
                continue
            if isinstance(number, int) and -BIGINT <= number < BIGINT:
                shown.append(item)
        return super().optgroups(name, shown, attr)


class SafeObjectIdMixin:
    """Mix into a ``ModelAdmin`` whose primary key is text, or another row (one-to-one): an
    id with a hidden character (a NUL) in the address is no object — PostgreSQL would
    refuse the lookup itself with an error — nor is a number no key can hold. (Number and
    uuid keys of their own are checked by Django.)"""

    def get_object(self, request, object_id, from_field=None):
        if hidden_characters(str(object_id)):
            return None
        if self.model._meta.pk.is_relation and not _fits_a_key(object_id):
            return None  # a one-to-one key: Django checks the number's form, not its size
        return super().get_object(request, object_id, from_field)


def _fits_a_key(object_id):
    """Whether a number in an admin address can be a 64-bit key (text is left to Django)."""
    text = str(object_id).strip()
    if not re.fullmatch(r"-?[0-9]+", text):
        return True
    return -BIGINT <= int(text) < BIGINT


class SafeChoicesAdminMixin(SafeObjectIdMixin):
    """Mix into a ``ModelAdmin``: ids typed into its choice fields are checked before
    any lookup (:class:`SafeAutocompleteSelect`, ``IdMultipleChoiceField`` for
    many-to-many fields)."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = SafeAutocompleteSelect(db_field, self.admin_site, using=kwargs.get("using"))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        kwargs.setdefault("form_class", IdMultipleChoiceField)
        return super().formfield_for_manytomany(db_field, request, **kwargs)
