"""Template filters for the staff roles: ``{% if user|is_operator %}``."""

from django import template

from roster import access

register = template.Library()


@register.filter
def is_operator(user):
    return access.is_operator(user)


@register.filter
def is_auditor(user):
    return access.is_auditor(user)
