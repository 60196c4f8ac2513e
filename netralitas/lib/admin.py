"""Helpers for the Django admin pages of the apps."""

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
    """Mix into a ``ModelAdmin`` whose primary key is text: an id with a hidden
    character (a NUL) in the address is no object — PostgreSQL would refuse the
    lookup itself with an error. (Number and uuid keys are checked by Django.)"""

    def get_object(self, request, object_id, from_field=None):
        if hidden_characters(str(object_id)):
            return None
        return super().get_object(request, object_id, from_field)


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
