"""Links to staff pages only for those who may open them: ``{% if request.user|may_open:"lab:lab" %}``."""

from __future__ import annotations

from typing import Any

from django import template

from newsroom import staff

register = template.Library()


@register.filter
def may_open(user: Any, url_name: str) -> bool:
    return staff.may_open(user, url_name)
