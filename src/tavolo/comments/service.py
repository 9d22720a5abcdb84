"""Posting, replying, editing, deleting and moderating comments: the rules, in one place.

Usable from views, scripts and tests: the caller has checked that the user may take part
in the item's discussion (the ``comment`` permission) or moderate it; this service checks
everything that depends on the comments themselves.

* Posting needs comments enabled on the item and the item not in the trash; a quoted
  passage must be in the item's current text.
* Replies are one level deep: a reply to a reply joins the same thread, under its
  top-level comment.
* Its author may change a comment until someone else answers it (a later reply by another
  person in the thread), and never while it is hidden by a moderator; they may delete it at
  any time. A deleted comment keeps its row without its text: with replies it stays as a
  placeholder that holds the thread together, without them it is no longer shown.
* Moderators hide a comment with a reason, or restore it; the moderation view's
  ``CommentModerated`` event puts both in the audit trail.
"""

from __future__ import annotations

from sqlalchemy import and_, exists, or_, select

from tavolo.comments import anchors
from tavolo.comments.models import DELETED, HIDDEN, VISIBLE, Comment
from tavolo.comments.policy import CommentPolicies
from tavolo.db import utcnow
from tavolo.i18n import _
from tavolo.versioning.models import Revision

TEXT_MAX_LENGTH = 5000
REASON_MAX_LENGTH = 500


class CommentError(Exception):
    """A refusal the user can understand: ``message`` says why, ``field`` which input."""

    def __init__(self, message, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class CommentsClosed(CommentError):
    pass


class NotAllowed(CommentError):
    pass


def clean_text(text: str | None) -> str:
    """Plain text as typed, without surrounding blanks and with ``\\n`` line ends."""
    return (text or "").replace("\r\n", "\n").replace("\r", "\n").strip()


class CommentService:
    def __init__(self, dbsession):
        self.dbsession = dbsession
        self.policies = CommentPolicies(dbsession)

    # reading --------------------------------------------------------------------------
    def get(self, node, comment_id) -> Comment | None:
        """The comment ``comment_id`` of ``node`` (None for another item's)."""
        try:
            comment_id = int(comment_id)
        except (TypeError, ValueError):
            return None
        comment = self.dbsession.get(Comment, comment_id)
        if comment is None or comment.node_id != node.id:
            return None
        return comment

    def open_for_comments(self, node) -> bool:
        return node.trashed_at is None and self.policies.enabled(node)

    def participants(self, node) -> set[int]:
        """Ids of everyone who wrote in ``node``'s discussion (deleted comments too: the
        thread they took part in goes on)."""
        return set(
            self.dbsession.scalars(
                select(Comment.author_id).where(
                    Comment.node_id == node.id, Comment.author_id.is_not(None)
                )
            )
        )

    def answered(self, comment: Comment) -> bool:
        """Whether someone other than its author answered ``comment``: a reply to it, or
        for a reply a later one in its thread (replies are one level deep)."""
        thread = comment.id if comment.parent_id is None else comment.parent_id
        query = select(
            exists().where(
                Comment.parent_id == thread,
                Comment.id > comment.id,
                Comment.status != DELETED,
                or_(Comment.author_id.is_(None), Comment.author_id != comment.author_id),
            )
        )
        return bool(self.dbsession.scalar(query))

    def has_replies(self, comment: Comment) -> bool:
        if comment.parent_id is not None:
            return False
        return bool(
            self.dbsession.scalar(
                select(
                    exists().where(and_(Comment.parent_id == comment.id, Comment.status != DELETED))
                )
            )
        )

    def is_author(self, comment: Comment, user) -> bool:
        return user is not None and comment.author_id is not None and comment.author_id == user.id

    def editable(self, comment: Comment, user) -> bool:
        return (
            self.is_author(comment, user)
            and comment.status == VISIBLE
            and not self.answered(comment)
        )

    def deletable(self, comment: Comment, user) -> bool:
        return self.is_author(comment, user) and comment.status != DELETED

    # writing --------------------------------------------------------------------------
    def _text(self, text: str | None) -> str:
        text = clean_text(text)
        if not text:
            raise CommentError(_("Scrivi il testo del commento."), "text")
        if len(text) > TEXT_MAX_LENGTH:
            raise CommentError(
                _(
                    "Il commento può avere al massimo ${max} caratteri.",
                    mapping={"max": TEXT_MAX_LENGTH},
                ),
                "text",
            )
        return text

    def _quote(self, node, quote: str | None) -> str:
        quote = anchors.normalise(quote)
        if not quote:
            return ""
        if len(quote) > anchors.QUOTE_MAX_LENGTH:
            raise CommentError(
                _(
                    "Il passaggio citato può avere al massimo ${max} caratteri.",
                    mapping={"max": anchors.QUOTE_MAX_LENGTH},
                ),
                "quote",
            )
        if not anchors.occurs(quote, anchors.item_text(node)):
            raise CommentError(
                _(
                    "Il passaggio citato non si trova nel testo attuale dell'elemento: "
                    "copialo esattamente, o lascia vuoto il campo."
                ),
                "quote",
            )
        return quote

    def _revision_number(self, node) -> int | None:
        return self.dbsession.scalar(
            select(Revision.number)
            .where(Revision.node_id == node.id)
            .order_by(Revision.number.desc())
            .limit(1)
        )

    def post(self, node, author, text, quote: str = "", parent: Comment | None = None):
        """A new comment (or, with ``parent``, a reply) by ``author`` on ``node``."""
        if not self.open_for_comments(node):
            raise CommentsClosed(_("I commenti su questo elemento sono chiusi."))
        text = self._text(text)
        quote = self._quote(node, quote)
        if parent is not None:
            if parent.node_id != node.id:
                raise ValueError("a reply must be on its parent's item")
            if parent.parent_id is not None:
                parent = self.dbsession.get(Comment, parent.parent_id)
        comment = Comment(
            node_id=node.id,
            parent_id=parent.id if parent is not None else None,
            author_id=author.id,
            created=utcnow(),
            text=text,
            quote=quote,
            revision=self._revision_number(node),
            status=VISIBLE,
        )
        self.dbsession.add(comment)
        self.dbsession.flush()
        return comment

    def edit(self, node, comment: Comment, user, text, quote: str | None = None) -> Comment:
        if not self.open_for_comments(node):
            raise CommentsClosed(_("I commenti su questo elemento sono chiusi."))
        if not self.editable(comment, user):
            raise NotAllowed(
                _("Questo commento non si può più modificare: qualcuno ha già risposto.")
            )
        comment.text = self._text(text)
        if quote is not None:
            new_quote = anchors.normalise(quote)
            # An unchanged quote stays even if the passage has gone from the text since:
            # only a new passage must be found in the current text.
            if new_quote != comment.quote:
                comment.quote = self._quote(node, new_quote)
                comment.revision = self._revision_number(node)
        comment.modified = utcnow()
        self.dbsession.flush()
        return comment

    def delete(self, comment: Comment, user) -> None:
        if not self.deletable(comment, user):
            raise NotAllowed(_("Solo l'autore può eliminare il proprio commento."))
        # Nothing of what the author withdrew is kept; the row holds the thread together.
        comment.status = DELETED
        comment.text = ""
        comment.quote = ""
        comment.modified = utcnow()
        self.dbsession.flush()

    # moderation -----------------------------------------------------------------------
    def hide(self, node, comment: Comment, moderator, reason: str) -> None:
        reason = clean_text(reason)
        if not reason:
            raise CommentError(_("Scrivi il motivo: l'autore lo vedrà."), "reason")
        if len(reason) > REASON_MAX_LENGTH:
            raise CommentError(
                _(
                    "Il motivo può avere al massimo ${max} caratteri.",
                    mapping={"max": REASON_MAX_LENGTH},
                ),
                "reason",
            )
        if comment.status == DELETED:
            raise NotAllowed(_("Il commento è stato eliminato dal suo autore."))
        comment.status = HIDDEN
        comment.moderation_reason = reason
        comment.moderated_by_id = moderator.id
        comment.moderated_at = utcnow()
        self.dbsession.flush()

    def restore(self, node, comment: Comment, moderator) -> None:
        if comment.status != HIDDEN:
            raise NotAllowed(_("Il commento non è nascosto."))
        comment.status = VISIBLE
        comment.moderation_reason = ""
        comment.moderated_by_id = moderator.id
        comment.moderated_at = utcnow()
        self.dbsession.flush()
