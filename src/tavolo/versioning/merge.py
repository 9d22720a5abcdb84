"""Three-way merge of an edit that lost the race: what the form was opened on (base), what
the other person saved meanwhile (theirs) and what this user submitted (mine).

Pure functions over field values; no Pyramid, no database. Per field:

- only one side changed it: that side's value (their change is kept, not silently undone
  by a form that still showed the old value);
- both changed it the same way: that value;
- both changed it differently: rich text is merged paragraph by paragraph when the two
  edits touch different blocks (diff3 over the blocks of the sanitised HTML); lists
  (tags, related items) take both sides' additions and removals; anything else is a
  conflict, which the user settles in the form (prefilled with their own value).

Nothing here is ever saved on its own: the conflict page shows the result in the edit form
and the user saves it, on top of the version they have now seen.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from difflib import SequenceMatcher

# Outcomes of one field.
MINE = "mine"  # only this user changed it, or nobody did
THEIRS = "theirs"  # only the other person changed it: their value is kept
SAME = "same"  # both made the same change
MERGED = "merged"  # both changed it, and the changes could be combined
CONFLICT = "conflict"  # both changed it in ways that cannot be combined

# Where a block of sanitised HTML ends: after the closing tag of a block element (and the
# whitespace that follows). Nested blocks (list items) are blocks of their own; joining
# the blocks back gives the text unchanged, so only the cut points matter.
_BLOCK_END = re.compile(
    r"</(?:p|h[1-6]|li|blockquote|pre|table|ul|ol|div|figure|dl|dd|dt)>\s*|<hr\s*/?>\s*",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class FieldMerge:
    name: str
    outcome: str
    value: object  # the value to show in the form, in the form's own type


def normalised(value):
    """A value as compared here: blanks are one thing, times are compared in UTC, lists
    and tuples alike."""
    if value is None or value == "" or value == [] or value == ():
        return None
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC)
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return list(value)
    return value


def blocks(html: str) -> list[str]:
    """``html`` cut after each block element; ``"".join(blocks(html)) == html``."""
    html = html or ""
    out, start = [], 0
    for match in _BLOCK_END.finditer(html):
        out.append(html[start : match.end()])
        start = match.end()
    if start < len(html):
        out.append(html[start:])
    return out


def _changes(base: list, other: list) -> list[tuple[int, int, list]]:
    """The edits turning ``base`` into ``other``: (start, end, replacement) over base."""
    matcher = SequenceMatcher(None, base, other, autojunk=False)
    return [(i1, i2, other[j1:j2]) for op, i1, i2, j1, j2 in matcher.get_opcodes() if op != "equal"]


def _joins(start: int, end: int, change: tuple) -> bool:
    """Whether ``change`` (sorted after the cluster ``start..end``) belongs to it: it
    overlaps it, starts at the same place, or one of the two is an insertion right at the
    other's edge (the order of the two would be a guess)."""
    s, e = change[0], change[1]
    return s < end or s == start or (s == end and (s == e or start == end))


def _apply(base: list, start: int, end: int, changes: list) -> list:
    out, position = [], start
    for s, e, replacement, _side in sorted(changes, key=lambda c: (c[0], c[1])):
        out.extend(base[position:s])
        out.extend(replacement)
        position = e
    out.extend(base[position:end])
    return out


def merge_sequences(base: list, theirs: list, mine: list) -> list | None:
    """diff3: both sides' edits applied to ``base``; ``None`` when they touch the same
    part of it in different ways."""
    edits = sorted(
        [(*c, 0) for c in _changes(base, theirs)] + [(*c, 1) for c in _changes(base, mine)],
        key=lambda c: (c[0], c[1]),
    )
    out, position, i = [], 0, 0
    while i < len(edits):
        start, end = edits[i][0], edits[i][1]
        cluster = [edits[i]]
        i += 1
        while i < len(edits) and _joins(start, end, edits[i]):
            cluster.append(edits[i])
            end = max(end, edits[i][1])
            i += 1
        out.extend(base[position:start])
        sides = {c[3] for c in cluster}
        if len(sides) == 1:
            out.extend(_apply(base, start, end, cluster))
        else:
            ours = _apply(base, start, end, [c for c in cluster if c[3] == 1])
            other = _apply(base, start, end, [c for c in cluster if c[3] == 0])
            if ours != other:
                return None
            out.extend(ours)
        position = end
    out.extend(base[position:])
    return out


def merge_html(base: str | None, theirs: str | None, mine: str | None) -> str | None:
    """Both edits of a rich text, block by block; ``None`` when they touch the same
    block differently. The inputs are sanitised HTML (the result is sanitised again when
    it is saved, like any other input)."""
    merged = merge_sequences(blocks(base or ""), blocks(theirs or ""), blocks(mine or ""))
    return None if merged is None else "".join(merged)


def merge_lists(base: list | None, theirs: list | None, mine: list | None) -> list:
    """Their list, without what this user removed, plus what this user added."""
    base, theirs, mine = list(base or []), list(theirs or []), list(mine or [])
    removed = [item for item in base if item not in mine]
    kept = [item for item in theirs if item not in removed]
    return kept + [item for item in mine if item not in base and item not in kept]


def merge_field(
    name: str, base, theirs, mine, *, rich: bool, known_base: bool = True
) -> FieldMerge:
    """The outcome for one field. ``base``, ``theirs`` and ``mine`` are in the form's
    types (the caller converts the stored base); ``known_base=False`` when the version
    the form was opened on cannot be found: then every difference is a conflict, since
    nobody can tell whose change it was."""
    b, t, m = normalised(base), normalised(theirs), normalised(mine)
    if t == m:
        return FieldMerge(name, SAME if known_base and t != b else MINE, mine)
    if not known_base:
        return FieldMerge(name, CONFLICT, mine)
    if t == b:
        return FieldMerge(name, MINE, mine)
    if m == b:
        return FieldMerge(name, THEIRS, theirs)
    if rich:
        merged = merge_html(base, theirs, mine)
        if merged is not None:
            return FieldMerge(name, MERGED, merged)
    elif isinstance(t, list) or isinstance(m, list):
        return FieldMerge(name, MERGED, merge_lists(base, theirs, mine))
    return FieldMerge(name, CONFLICT, mine)
