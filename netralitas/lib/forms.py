"""Filters of staff lists, read from the query string through a form.

A query string is typed by hand, bookmarked, pasted into chats: a unit id of
another agency, ``²`` (a digit to ``str.isdigit()``, not to ``int()``), NUL or
9999-12-31 must narrow nothing and break nothing. Every list reads its filters
through a :class:`FilterForm`: a valid field filters, an invalid one is reported
on the page and ignored.
"""

from django import forms
from django.core.exceptions import ValidationError

from netralitas.lib.text import strip_hidden

TICKED = {"1", "on", "true", "ya"}


class FilterCheckbox(forms.CheckboxInput):
    """A filter's tick box: ticked for ``1``, ``on``, ``true``; anything else — ``0``
    too, which Django's own checkbox reads as ticked — is not."""

    def value_from_datadict(self, data, files, name):
        return str(data.get(name, "")).strip().lower() in TICKED


class FilterForm(forms.Form):
    """Every field optional; :meth:`filters` gives the valid ones."""

    def filters(self):
        """``{name: value}`` of the fields that are filled in and valid."""
        if not self.is_bound:
            return {}
        self.is_valid()
        return {name: value for name, value in self.cleaned_data.items() if value not in (None, "", False)}

    def is_filtered(self):
        return bool(self.filters())

    def chosen(self, name, default):
        """What an action asks for in field ``name``: its valid value, ``default``
        when nothing was sent, ``None`` when what was sent is not valid. A list may
        ignore a bad filter; an action (a reminder recorded, a file made) must not
        quietly do the default instead of what was asked."""
        if not str(self.data.get(name, "")).strip():
            return default
        return self.filters().get(name)

    def valid_data(self):
        """The submitted values of the valid filters only: what a background job keeps
        to bind the same form again. An invalid value is dropped, as the page ignores
        it (and a NUL would not even fit PostgreSQL's JSON)."""
        return {name: self.data[name] for name in self.filters() if name in self.data}

    def trail_text(self, **extra):
        """The valid filters for the audit trail: `` — unit=3, status=belum`` (empty
        when none), then ``extra`` items that are not ``None`` (``halaman=2``). Values
        are the cleaned ones, so raw text never reaches the trail."""
        chosen = {**self.filters(), **{name: value for name, value in extra.items() if value is not None}}
        shown = [f"{name}={_trail_value(value)}" for name, value in chosen.items()]
        return " — " + ", ".join(shown) if shown else ""


def _trail_value(value):
    if value is True:
        return "1"
    return strip_hidden(getattr(value, "pk", value))


ID_DIGITS = 18  # the most a 64-bit id column holds in full (netralitas.lib.converters)


class IdMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Django's field for picking several objects looks a made-up id up in the
    database as it is: a 20-digit "id" overflowed the column (a 500). Here anything
    that is not an id of at most 18 digits is refused first, with the field's own
    message."""

    def _check_values(self, value):
        if not self.to_field_name:
            for item in value:
                text = str(item)
                if not (text.isascii() and text.isdigit() and len(text) <= ID_DIGITS):
                    raise ValidationError(
                        self.error_messages["invalid_pk_value"], code="invalid_pk_value", params={"pk": item}
                    )
        return super()._check_values(value)
