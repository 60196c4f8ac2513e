"""Text that says what it shows: no hidden control or direction characters.

A name such as ``"Budi \\u202eatreS\\u202c Santoso"`` *prints* as "Budi Serta
Santoso" (the right-to-left override turns the letters around), and a NUL byte
breaks PostgreSQL. Every stored text is checked here, once:

* models mix in :class:`CleanTextMixin`, so every ``ModelForm`` (staff pages and
  the Django admin alike) refuses such text with :data:`HIDDEN_MESSAGE`; the
  forms of Django's own models (users, groups) mix in :class:`VisibleTextFormMixin`;
* forms that store text without a model form, and the roster import, call
  :func:`validate_visible`;
* text we write ourselves from request data (the audit trail) goes through
  :func:`strip_hidden`.

What counts as hidden: control characters (Unicode category Cc — NUL, escape,
and in single-line text also tab and newline), format characters (Cf — the
bidirectional embeddings, overrides, isolates and marks, zero-width spaces and
joiners, the byte-order mark, soft hyphen), surrogates (Cs) and the line and
paragraph separators (Zl, Zp).
"""

import unicodedata

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

HIDDEN_CATEGORIES = {"Cc", "Cf", "Cs", "Zl", "Zp"}
MULTILINE_ALLOWED = {"\n", "\r", "\t"}

HIDDEN_MESSAGE = _(
    "Teks ini memuat karakter tersembunyi (%(codes)s) yang dapat membuat tulisan tampil berbeda dari isinya. "
    "Ketik ulang teksnya tanpa menyalin-tempel, lalu simpan lagi."
)


def is_hidden(char, multiline=False):
    if multiline and char in MULTILINE_ALLOWED:
        return False
    return unicodedata.category(char) in HIDDEN_CATEGORIES


def hidden_characters(text, multiline=False):
    """The distinct hidden characters of ``text``, in order of appearance."""
    found = []
    for char in text or "":
        if is_hidden(char, multiline) and char not in found:
            found.append(char)
    return found


def code_points(chars):
    """``U+202E, U+0000`` — how a message names characters nobody can see."""
    return ", ".join(f"U+{ord(char):04X}" for char in chars)


def validate_visible(text, multiline=False, message=HIDDEN_MESSAGE):
    """Raise ``ValidationError`` (code ``hidden_character``) when ``text`` holds a
    hidden character; return ``text`` otherwise. ``message`` may name the field; it
    gets the characters as ``%(codes)s``."""
    found = hidden_characters(text, multiline)
    if found:
        raise ValidationError(message, code="hidden_character", params={"codes": code_points(found[:3])})
    return text


def message_text(text, multiline=False):
    """``text`` fit to be stored and shown as a message (a job's; with ``multiline``
    a task's traceback): every hidden character shows as U+FFFD, and in a one-line
    message line breaks and tabs become spaces — a NUL must never reach PostgreSQL,
    nor a lone surrogate any database."""

    def shown(char):
        if char in MULTILINE_ALLOWED:
            return char if multiline else " "
        return "\ufffd" if is_hidden(char) else char

    return "".join(shown(char) for char in str(text))


def strip_hidden(text, multiline=False):
    """``text`` without its hidden characters: for text we write ourselves from
    what a request carried (filters in the trail, a file's name)."""
    return "".join(char for char in str(text) if not is_hidden(char, multiline))


class CleanTextMixin:
    """Mix into a model: ``full_clean()`` — so every ModelForm and the admin —
    refuses hidden characters in each of its text fields (``TextField`` may hold
    line breaks and tabs, ``CharField`` may not)."""

    def clean_fields(self, exclude=None):
        errors = {}
        try:
            super().clean_fields(exclude=exclude)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        for field in self._meta.concrete_fields:
            if not isinstance(field, models.CharField | models.TextField):
                continue
            if field.name in errors or (exclude and field.name in exclude):
                continue
            value = getattr(self, field.attname)
            if isinstance(value, str):
                try:
                    validate_visible(value, multiline=isinstance(field, models.TextField))
                except ValidationError as error:
                    errors[field.name] = error.error_list
        if errors:
            raise ValidationError(errors)


class VisibleTextFormMixin:
    """Mix into a form whose model cannot mix in :class:`CleanTextMixin` (Django's
    ``User`` and ``Group``): each text field refuses hidden characters. Passwords
    are not shown anywhere and keep whatever their owner typed."""

    def clean(self):
        cleaned = super().clean()
        for name, field in self.fields.items():
            value = cleaned.get(name)
            if not isinstance(value, str) or isinstance(field.widget, forms.PasswordInput):
                continue
            try:
                validate_visible(value, multiline=isinstance(field.widget, forms.Textarea))
            except ValidationError as error:
                self.add_error(name, error)
        return cleaned
