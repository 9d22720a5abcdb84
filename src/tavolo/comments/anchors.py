"""Anchors: the passage of an item's text a comment quotes, and whether it is still there.

An item's text is what a reader reads on its page: the description, then its text fields
(a news item's lead, a question) and its rich text as plain text. Passages are compared
whitespace-normalised (a selection in the browser and the stored HTML rarely agree on
spaces and line breaks) and in Unicode NFC, but otherwise exactly: a changed word is a
changed passage.
"""

from __future__ import annotations

import unicodedata

from tavolo.content.richtext import plain_text

# Plain-text fields first, then rich text (as its page shows them).
PLAIN_FIELDS = ("description", "lead", "question")
RICH_FIELDS = ("body", "answer")
QUOTE_MAX_LENGTH = 1000


def normalise(text: str | None) -> str:
    return " ".join(unicodedata.normalize("NFC", text or "").split())


def item_text(node) -> str:
    """The words of ``node`` a passage may be quoted from, whitespace-normalised."""
    parts = [getattr(node, name, "") or "" for name in PLAIN_FIELDS]
    parts += [plain_text(getattr(node, name, "") or "") for name in RICH_FIELDS]
    return normalise(" ".join(part for part in parts if part))


def occurs(quote: str, text: str) -> bool:
    """Whether ``quote`` is a passage of ``text`` (``text`` already normalised)."""
    wanted = normalise(quote)
    return bool(wanted) and wanted in text
