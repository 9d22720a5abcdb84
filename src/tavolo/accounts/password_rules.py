"""What a new password must be: long enough, not common, not the account's own name.

* at least ``MIN_LENGTH`` (12) characters;
* not in the list of common passwords shipped in ``data/common-passwords.txt``, compared
  case-insensitively, both as typed and with trailing digits and symbols stripped
  ("Estate2024!" is "estate"); a password of digits and symbols only is refused too;
* not the login name or the e-mail address (or its part before the ``@``).

``problems()`` returns the messages (translation strings) to show next to the field; an
empty list means the password is acceptable.
"""

from __future__ import annotations

import functools
import re
from importlib import resources

from tavolo.i18n import _

MIN_LENGTH = 12
MAX_LENGTH = 1024  # argon2 hashes anything, but a megabyte "password" is an attack

_TRAILING = re.compile(r"[\d\W_]+$")


@functools.cache
def common_passwords() -> frozenset[str]:
    text = (
        resources.files("tavolo.accounts")
        .joinpath("data/common-passwords.txt")
        .read_text(encoding="utf-8")
    )
    return frozenset(
        line.strip().lower() for line in text.splitlines() if line.strip() and line[0] != "#"
    )


def is_common(password: str) -> bool:
    lowered = password.strip().lower()
    core = _TRAILING.sub("", lowered)
    if not core or len(set(lowered)) <= 2:  # "123456789012", "aaaaaaaaaaaa", "abababababab"
        return True
    common = common_passwords()
    return lowered in common or core in common


def problems(password: str, *, login: str = "", email: str = "") -> list:
    password = password or ""
    if len(password) < MIN_LENGTH:
        return [_("La password deve avere almeno ${min} caratteri.", mapping={"min": MIN_LENGTH})]
    if len(password) > MAX_LENGTH:
        return [_("La password è troppo lunga.")]
    lowered = password.strip().lower()
    own = {(login or "").strip().lower(), (email or "").strip().lower()}
    if email and "@" in email:
        own.add(email.strip().lower().split("@", 1)[0])
    own.discard("")
    if lowered in own or _TRAILING.sub("", lowered) in own:
        return [_("La password non può essere il nome utente o l'indirizzo e-mail.")]
    if is_common(password):
        return [_("Questa password è troppo comune e facile da indovinare: scegline un'altra.")]
    return []
