"""Directives and roles in a section, with their lines, for validating entries before anything is rendered."""

from __future__ import annotations

import re

from .base import DIRECTIVE_INFO, Reference
from .reading import Section

_ROLE_START = re.compile(r"\{[A-Za-z0-9_+:\-]+\}`")


def _may_hold_reference(text: str) -> bool:
    """False if ``text`` cannot hold a directive (a fence, then "{") or a role ("{name}`"): both need a "{"."""
    start = text.find("{")
    while start >= 0:
        before = start - 1
        while before >= 0 and text[before] in " \t":
            before -= 1
        if (before >= 0 and text[before] in "`~") or _ROLE_START.match(text, start):
            return True
        start = text.find("{", start + 1)
    return False


def references(text: str) -> list[Reference]:
    """Every directive and role in ``text``, with its line."""
    if not _may_hold_reference(text):
        return []  # most sections have neither: no need to parse them
    return parsed_references(text)


def parsed_references(text: str) -> list[Reference]:
    """``references`` without the shortcut: always parses (the tests check that both agree)."""
    section = Section(text, allow_html=False)
    section.read()
    found = []
    for fence in section.fences:
        if fence.directive:
            match = DIRECTIVE_INFO.match(fence.info)
            name, target = match.groups() if match else (fence.info, "")
            found.append(Reference("directive", name, target, fence.line))
    found += [Reference("role", role.name, role.content, role.line, role.column) for role in section.roles]
    return sorted(found, key=lambda reference: reference.line)  # stable: roles on one line stay in order
