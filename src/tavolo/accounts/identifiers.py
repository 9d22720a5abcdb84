"""Identifiers people type (login and group names) and ids read from query strings."""

from __future__ import annotations

import re

import colander

from tavolo.i18n import _

# Lower-case letters, digits, ".", "_", "-", starting and ending with a letter or digit:
# safe in URLs, exports and scripts, and never confusable by case.
IDENTIFIER_PATTERN = re.compile(r"^[a-z0-9](?:[a-z0-9._-]*[a-z0-9])?$")
IDENTIFIER_MIN_LENGTH = 2
_ID_PATTERN = re.compile(r"^[0-9]{1,10}$")
MAX_ID = 2**31 - 1  # the id columns are 32-bit integers on PostgreSQL


def identifier_problem(value: str, max_length: int) -> str | None:
    """Why ``value`` (already lower-cased) is not an acceptable identifier: "length",
    "pattern", or None."""
    if not IDENTIFIER_MIN_LENGTH <= len(value) <= max_length:
        return "length"
    if not IDENTIFIER_PATTERN.match(value):
        return "pattern"
    return None


def parse_id(value) -> int | None:
    """A positive id from a query parameter, or None: ``int()`` alone would take " 5",
    "+5" and "5_0", and a number past 32 bits would be a database error on PostgreSQL."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value if 0 < value <= MAX_ID else None
    if not isinstance(value, str) or not _ID_PATTERN.match(value):
        return None
    number = int(value)
    return number if 0 < number <= MAX_ID else None


PATTERN_MESSAGE = _(
    "Usa solo lettere minuscole senza accenti, cifre, punto, trattino e "
    "trattino basso; inizia e finisci con una lettera o una cifra."
)


def identifier_validator(max_length: int, length_message, taken, taken_message):
    """A colander validator for a login or group name: the shared rules
    (``identifier_problem``), then ``taken(value)`` for uniqueness, each with its message."""

    def validate(node, value):
        problem = identifier_problem(value, max_length)
        if problem == "length":
            raise colander.Invalid(node, length_message)
        if problem == "pattern":
            raise colander.Invalid(node, PATTERN_MESSAGE)
        if taken(value):
            raise colander.Invalid(node, taken_message)

    return validate
