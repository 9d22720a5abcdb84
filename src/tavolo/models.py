"""Every domain's models, imported so that the metadata is complete (alembic, mappers)."""

from sqlalchemy.orm import configure_mappers

from tavolo.accounts.models import (  # noqa: F401
    AuthSession,
    FeedToken,
    Group,
    GroupMember,
    LoginFailure,
    Membership,
    Organisation,
    OrganisationKind,
    User,
)
from tavolo.audit.models import AuditEntry  # noqa: F401
from tavolo.comments.models import Comment, CommentPolicy  # noqa: F401
from tavolo.content.models import (  # noqa: F401
    Collection,
    Event,
    File,
    Folder,
    Image,
    Legislation,
    Link,
    NewsItem,
    Node,
    NodeRedirect,
    NodeRelation,
    NodeTag,
    Page,
    Question,
)
from tavolo.db import Base
from tavolo.notify.models import PendingNotice  # noqa: F401
from tavolo.search.models import IndexQueueEntry  # noqa: F401
from tavolo.security.models import GlobalRole, LocalRole  # noqa: F401
from tavolo.vademecum.edition_models import Edition  # noqa: F401
from tavolo.vademecum.models import (  # noqa: F401
    Suggestion,
    Vademecum,
    VademecumChapter,
    VademecumSection,
)
from tavolo.versioning.models import Revision  # noqa: F401
from tavolo.workflow.models import WorkflowHistory, WorkflowPolicy  # noqa: F401

metadata = Base.metadata
configure_mappers()
