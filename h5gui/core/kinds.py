"""What an object or a link in a file is: one vocabulary for the tree, Info, Find, the CLI and structure edits."""

from __future__ import annotations

from enum import StrEnum


class Kind(StrEnum):
    """Kind of a tree row (a member of a group). Members compare equal to their plain strings."""

    GROUP = "group"
    DATASET = "dataset"
    DATATYPE = "datatype"
    SOFT_LINK = "soft_link"
    EXTERNAL_LINK = "external_link"
    DANGLING_LINK = "dangling_link"
    UNREADABLE = "unreadable"

    @property
    def label(self) -> str:
        """``'committed datatype'``, ``'soft link'``: what people call it."""
        return LABELS[self]


LABELS: dict[str, str] = {
    Kind.GROUP: "group",
    Kind.DATASET: "dataset",
    Kind.DATATYPE: "committed datatype",
    Kind.SOFT_LINK: "soft link",
    Kind.EXTERNAL_LINK: "external link",
    Kind.DANGLING_LINK: "dangling link",
    Kind.UNREADABLE: "unreadable object",
}


def label(kind: str) -> str:
    """The words for a kind (the kind itself when unknown)."""
    return LABELS.get(kind, kind)
