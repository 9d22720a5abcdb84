"""Roles and permissions: the vocabulary of the security policy."""

from __future__ import annotations

# Pseudo-roles: held implicitly, never granted.
ANONYMOUS = "Anonymous"
AUTHENTICATED = "Authenticated"
# Real roles, global or local.
READER = "Reader"
CONTRIBUTOR = "Contributor"
EDITOR = "Editor"
REVIEWER = "Reviewer"
OWNER = "Owner"  # the node's creator; implied by nodes.owner_id, never granted
MANAGER = "Manager"

PSEUDO_ROLES = frozenset({ANONYMOUS, AUTHENTICATED})
# What the sharing tab may offer. Signatory is not a role at all: it comes from a
# membership's signatory flag.
GRANTABLE_LOCAL_ROLES = (READER, CONTRIBUTOR, EDITOR, REVIEWER)
GLOBAL_ROLES = (READER, CONTRIBUTOR, EDITOR, REVIEWER, MANAGER)
ALL_ROLES = frozenset({*PSEUDO_ROLES, *GLOBAL_ROLES, OWNER})

# Permissions
VIEW = "view"
ADD = "add"
EDIT = "edit"
DELETE = "delete"
SHARE = "share"
REVIEW = "review"
SUBMIT = "submit"  # ask for review, or take one's item back (the workflow's author moves)
MANAGE = "manage"
# Taking part in an item's discussion (reading and writing comments): whoever may view
# it, never Anonymous. Moderating it (hiding and restoring comments): its reviewers.
COMMENT = "comment"
MODERATE_COMMENTS = "moderate comments"
