"""Telling people about a new comment, through ``tavolo.notify`` (each recipient's own
choice of immediate mail, daily digest or nothing; mails leave when the request's
transaction commits, so a comment that is rolled back tells nobody)."""

from __future__ import annotations

from tavolo.comments.models import Comment
from tavolo.notify.context import NoticeContext
from tavolo.notify.delivery import Delivered, NotificationService


def comment_link(context: NoticeContext, node, comment: Comment) -> str:
    # Through @@commento: it finds the page of threads the comment is on today.
    return f"{context.node_url(node)}@@commento?id={comment.id}"


def notify_comment(request, node, comment: Comment, participants: set[int]) -> Delivered:
    """``participants``: who wrote in the discussion *before* this comment."""
    context = NoticeContext.from_request(request)
    return NotificationService(request.dbsession, context).comment(
        node,
        comment.text,
        actor=request.identity,
        participants=participants,
        link=comment_link(context, node, comment),
    )
