"""Who sees what of a section.

Every partner may view every section (the workflow's states grant view to every logged-in
user), but what they are shown depends on who they are: the section's organisation and the
prefecture - those who may submit it (its local Editors, Managers) or review it - see the
current draft; everyone else sees the approved content only, until a new one is approved.
"""

from __future__ import annotations

from tavolo.security.roles import REVIEW, SUBMIT, VIEW


def sees_draft(calculator, section) -> bool:
    """Whether the caller (a ``RoleCalculator``) sees ``section``'s current content."""
    return calculator.permits(section, SUBMIT) or calculator.permits(section, REVIEW)


def owns(calculator, section) -> bool:
    """Whether the caller writes for the section's organisation (or is a Manager): they
    decide on suggestions and submit it."""
    return calculator.permits(section, SUBMIT)


def may_suggest(calculator, section) -> bool:
    """Any logged-in partner who reads the section but does not write it may propose a
    change to it."""
    return (
        calculator.principals.authenticated
        and calculator.permits(section, VIEW)
        and not owns(calculator, section)
    )
