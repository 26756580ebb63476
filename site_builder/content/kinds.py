"""The kinds of entry an issue is made of: one table, read by the loader, the model, the pages and the editions."""

from __future__ import annotations

from dataclasses import dataclass

from .schema import Entry, FeatureEntry, ProblemEntry, TopicEntry


@dataclass(frozen=True)
class EntryKind:
    """One kind of entry: where its files live, what an issue calls it, and how it is grouped."""

    folder: str
    """Folder under ``content/`` and under the site: ``topics``."""
    part: str
    """The issue's field naming an entry of this kind: ``topic``."""
    label: str
    """What readers see: ``Topic deep dive``."""
    model: type[Entry]
    """The validation model of its files."""
    group_field: str | None = None
    """The entry field naming its group (``chapter``), if the kind has groups."""
    group_folder: str | None = None
    """Folder of the groups' pages under the site (``chapters``)."""
    group_label: str | None = None
    """What readers call one group: ``Chapter``."""


KINDS: tuple[EntryKind, ...] = (
    EntryKind("topics", "topic", "Topic deep dive", TopicEntry, "chapter", "chapters", "Chapter"),
    EntryKind(
        "problems", "problem", "Problem of the day", ProblemEntry, "collection", "collections", "Problem collection"
    ),
    EntryKind("features", "feature", "Feature spotlight", FeatureEntry),
)
"""In the order an issue shows its parts."""

LISTED = ("summary", "difficulty")
"""Entry fields that pages listing many entries show (a chapter's page shows each topic's summary): kept in the
skeleton, so those pages do not parse every member's file."""

BY_FOLDER = {kind.folder: kind for kind in KINDS}
BY_GROUP_FOLDER = {kind.group_folder: kind for kind in KINDS if kind.group_folder}
ISSUES = "issues"
"""Folder of the issues, under ``content/`` and under the site."""
SITE_FILE = "content/site.yaml"
"""The site's settings."""
