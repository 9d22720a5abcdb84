"""What changed between two revisions: pure functions over two snapshots (no Pyramid).

``compare`` lists the fields whose value differs, in the order of the type's form. Rich
text gets an inline diff as HTML, with insertions in ``<ins>`` and deletions in ``<del>``;
every other field gets its value before and after as display strings.

The rich-text diff must be safe to render unescaped even when a stored snapshot is not
(a snapshot is only as clean as the sanitiser of the day it was written, and the database
may be written by scripts). So both texts are sanitised again first, the output is built
only from the tokens of those sanitised texts plus our own ``<ins>``/``<del>``, and the
result goes once more through nh3 with the project's allowlist plus those two tags (the
project's ``sanitise_html`` would strip them: editors may not write them).

The diff works on tokens: whole tags (never split) and words, each word carrying the
whitespace after it (compared without it, so reflowed text is no change). Tags of
the new text are always kept, so the output has the new text's structure; text that was
removed comes back inside ``<del>``. A removed run keeps its own tags only when they are
balanced in it (a whole paragraph or list item removed); otherwise its tags are dropped
and only its words are shown, so the output never has an unbalanced tag. Changes of
attributes only (a link's address) or of a tag only (a paragraph made a heading) are not
marked: the words did not change. An image counts as content: added or removed, it is
wrapped like words.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from difflib import SequenceMatcher

import deform
import nh3

from tavolo.content import richtext
from tavolo.content.registry import type_info
from tavolo.content.services import RICH_TEXT_FIELDS
from tavolo.i18n import _
from tavolo.i18n.dates import format_date, format_datetime
from tavolo.versioning.service import field_names

__all__ = ["EXTRA_LABELS", "FieldChange", "compare", "diff_html", "tokenise"]

# Labels of the fields no form shows (a stored file's columns), for @@versione too.
EXTRA_LABELS = {
    "filename": _("Nome del file"),
    "content_type": _("Tipo di file"),
    "size": _("Dimensione (byte)"),
    "sha256": _("Impronta SHA-256"),
    "width": _("Larghezza (pixel)"),
    "height": _("Altezza (pixel)"),
}
REFERENCES = frozenset({"related_ids", "image_id", "responsible_organisation_id"})
EMPTY = "—"

# A tag, with quoted attribute values that may hold ">" (html5ever does not escape it in
# attributes); whitespace after a tag; a word with the whitespace that follows it. A lone
# "<" (never in sanitised text) is a word. Whitespace goes with its word rather than being
# a token of its own: a token as frequent as " " makes SequenceMatcher quadratic.
_TOKEN = re.compile(r"""<(?:[^>"']|"[^"]*"|'[^']*')*>|\s+|(?:[^<\s]+|<)\s*""")
_TAG_NAME = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9]*)")
_VOID = frozenset({"br", "hr", "img", "wbr"})

_diff_cleaner = nh3.Cleaner(
    tags=set(richtext.ALLOWED_TAGS) | {"ins", "del"},
    clean_content_tags=set(richtext.CLEAN_CONTENT_TAGS),
    attributes={tag: set(names) for tag, names in richtext.ALLOWED_ATTRIBUTES.items()},
    tag_attribute_values=richtext.ATTRIBUTE_VALUES,
    url_schemes=set(richtext.LINK_SCHEMES),
    link_rel=richtext.LINK_REL,
    strip_comments=True,
    generic_attribute_prefixes=set(),
)


@dataclass(frozen=True)
class FieldChange:
    name: str
    label: object  # a translation string
    kind: str  # "rich" (``html`` is the inline diff) or "text" (``before`` -> ``after``)
    before: object = EMPTY
    after: object = EMPTY
    html: str = ""


# rich text -------------------------------------------------------------------------------
def tokenise(html: str) -> list[str]:
    """Tags (whole), words (with the whitespace after them) and the whitespace after a
    tag, of ``html``; joined they give it back."""
    return _TOKEN.findall(html)


def _tag(token: str) -> tuple[str, bool] | None:
    """(name, closing) of a tag token, None for text."""
    match = _TAG_NAME.match(token) if token.startswith("<") else None
    return (match.group(2).lower(), bool(match.group(1))) if match else None


def _key(token: str) -> str:
    # Compared without the whitespace that follows: reflowed text is no change worth marking.
    return token.rstrip() or " "


def _balanced(tokens: list[str]) -> bool:
    stack: list[str] = []
    for token in tokens:
        tag = _tag(token)
        if tag is None or tag[0] in _VOID:
            continue
        name, closing = tag
        if not closing:
            stack.append(name)
        elif not stack or stack.pop() != name:
            return False
    return not stack


def _emit(out: list[str], tokens: list[str], mark: str | None, keep_tags: bool) -> None:
    """Append ``tokens``, each run of text wrapped in ``<mark>``: the wrapper is closed
    before every tag, so it never straddles one."""
    run: list[str] = []

    def flush() -> None:
        text = "".join(run)
        run.clear()
        if mark and text.strip():
            out.append(f"<{mark}>{text}</{mark}>")
        else:
            out.append(text)

    for token in tokens:
        tag = _tag(token)
        if tag is None and token.startswith("<"):
            run.append("&lt;" + token[1:])  # not a tag after all: text
        elif tag is None:
            run.append(token)
        else:
            flush()
            if mark and tag[0] == "img":
                out.append(f"<{mark}>{token}</{mark}>")  # an image is content, like words
            elif keep_tags:
                out.append(token)
    flush()


def diff_html(old: str | None, new: str | None) -> str:
    """The inline diff of two rich texts, as safe HTML."""
    before = tokenise(richtext.sanitise_html(old))
    after = tokenise(richtext.sanitise_html(new))
    # autojunk would treat frequent tokens (spaces, "di") as junk in long texts and give
    # worse diffs; texts are articles, small enough for the full comparison.
    matcher = SequenceMatcher(
        None, [_key(t) for t in before], [_key(t) for t in after], autojunk=False
    )
    out: list[str] = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            _emit(out, after[j1:j2], None, keep_tags=True)
            continue
        if op in ("delete", "replace"):
            removed = before[i1:i2]
            _emit(out, removed, "del", keep_tags=_balanced(removed))
        if op in ("insert", "replace"):
            # The new text's tags are always kept: together they are its whole structure.
            _emit(out, after[j1:j2], "ins", keep_tags=True)
    return _diff_cleaner.clean("".join(out)).strip()


# other fields ----------------------------------------------------------------------------
def _choices(widget) -> dict:
    values = getattr(widget, "values", None)
    return dict(values) if isinstance(values, list | tuple) else {}


def _blank(value) -> bool:
    return value is None or value == "" or value == []


def _display(name, child, value, locale, describe) -> object:
    if _blank(value):
        return EMPTY
    if name in REFERENCES and describe is not None:
        return describe(name, value)
    if isinstance(value, bool):
        return _("Sì") if value else _("No")
    if isinstance(value, dict) or (
        isinstance(value, list) and any(isinstance(v, dict) for v in value)
    ):
        return _structured(child, value)
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    widget = getattr(child, "widget", None)
    if isinstance(value, str) and isinstance(widget, deform.widget.DateTimeInputWidget):
        return format_datetime(dt.datetime.fromisoformat(value), locale)
    if isinstance(value, str) and isinstance(widget, deform.widget.DateInputWidget):
        return format_date(dt.date.fromisoformat(value), locale)
    return _choices(widget).get(value, str(value))


def _structured(child, value) -> str:
    """A mapping (a Vademecum section's contacts) or a list of them (its services) as
    text: "Label: value" parts, one entry a line, labels from the form's sub-fields."""
    item = child.children[0] if child is not None and isinstance(value, list) else child
    labels = {c.name: str(c.title) for c in getattr(item, "children", ())}

    def line(entry) -> str:
        if not isinstance(entry, dict):
            return str(entry)
        parts = []
        for key, part in entry.items():
            if part in (None, "", False):
                continue
            shown = "✓" if part is True else part
            parts.append(f"{labels.get(key, key)}: {shown}")
        return " · ".join(parts)

    entries = value if isinstance(value, list) else [value]
    return "\n".join(line(entry) for entry in entries)


def _is_rich(name: str, child) -> bool:
    return name in RICH_TEXT_FIELDS or isinstance(
        getattr(child, "widget", None), deform.widget.RichTextWidget
    )


def compare(
    node,
    old_snapshot: dict,
    new_snapshot: dict,
    locale: str = "it",
    describe: Callable[[str, object], object] | None = None,
) -> list[FieldChange]:
    """The fields that differ between two snapshots of ``node``, in the order of its form
    (fields the type no longer has come last, by name). ``describe(name, value)`` gives the
    display of a reference (items, an organisation), which needs the database; without
    it references show as their ids."""
    schema = type_info(node.type).schema()
    names = old_snapshot.keys() | new_snapshot.keys()
    known = [name for name in field_names(node) if name in names]
    changes = []
    for name in [*known, *sorted(names - set(known))]:
        old, new = old_snapshot.get(name), new_snapshot.get(name)
        if old == new or (_blank(old) and _blank(new)):
            continue
        child = schema.get(name)
        label = child.title if child is not None else EXTRA_LABELS.get(name, name)
        if _is_rich(name, child):
            changes.append(FieldChange(name, label, "rich", html=diff_html(old, new)))
        else:
            before = _display(name, child, old, locale, describe)
            after = _display(name, child, new, locale, describe)
            changes.append(FieldChange(name, label, "text", before, after))
    return changes
