"""People, organisations, groups and the sessions of people who logged in.

Ids are AUTOINCREMENT integers: never reused, so a principal such as ``user:7`` always
names the same person, and a re-created account or group inherits nothing.
"""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Enum,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tavolo.db import Base, UTCDateTime, utcnow


class OrganisationKind(enum.StrEnum):
    PREFECTURE = "prefecture"
    PUBLIC_PARTNER = "public_partner"
    PRIVATE_PARTNER = "private_partner"


class NotificationMode(enum.StrEnum):
    """How a user wants to hear about what needs them (the workflow's notifications)."""

    IMMEDIATE = "immediate"
    DIGEST = "digest"  # one mail a day, sent by a console script
    NONE = "none"


class User(Base):
    __tablename__ = "users"
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    login: Mapped[str] = mapped_column(String(100), unique=True)
    email: Mapped[str] = mapped_column(String(254))
    fullname: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    language: Mapped[str | None] = mapped_column(String(8))
    notifications: Mapped[NotificationMode] = mapped_column(
        Enum(
            NotificationMode,
            name="notification_mode",
            values_callable=lambda modes: [m.value for m in modes],
            native_enum=False,
            length=10,
            create_constraint=True,
        ),
        default=NotificationMode.IMMEDIATE,
        server_default=NotificationMode.IMMEDIATE.value,
    )
    created: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )

    @property
    def principal(self) -> str:
        return f"user:{self.id}"

    def __repr__(self) -> str:
        return f"<User {self.id} {self.login!r}>"


class Organisation(Base):
    __tablename__ = "organisations"
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[OrganisationKind] = mapped_column(
        Enum(
            OrganisationKind,
            name="organisation_kind",
            values_callable=lambda kinds: [k.value for k in kinds],
            native_enum=False,
            length=20,
            create_constraint=True,
        )
    )
    lead_partner: Mapped[bool] = mapped_column(Boolean, default=False)
    pec: Mapped[str | None] = mapped_column(String(254))
    email: Mapped[str | None] = mapped_column(String(254))
    website: Mapped[str | None] = mapped_column(String(500))
    address: Mapped[str | None] = mapped_column(Text)
    # The logo is a blob of the files package's store (an image, checked like any upload).
    logo_sha256: Mapped[str | None] = mapped_column(String(64))
    logo_content_type: Mapped[str | None] = mapped_column(String(100))
    created: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # A retired organisation left the network: it is kept (content, decisions and the audit
    # trail refer to it) but offered nowhere, and its ``org:<id>`` grants reach no one.
    retired: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="organisation", cascade="all, delete-orphan"
    )

    @property
    def principal(self) -> str:
        return f"org:{self.id}"

    def __repr__(self) -> str:
        return f"<Organisation {self.id} {self.name!r}>"


class Membership(Base):
    """A person working for an organisation; ``signatory`` lets them decide for it."""

    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("user_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    function: Mapped[str] = mapped_column(String(200), default="")
    signatory: Mapped[bool] = mapped_column(Boolean, default=False)

    user: Mapped[User] = relationship(back_populates="memberships")
    organisation: Mapped[Organisation] = relationship(back_populates="memberships")


class Group(Base):
    __tablename__ = "groups"
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    created: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def principal(self) -> str:
        return f"group:{self.id}"


class GroupMember(Base):
    """A member of a group: one user, or a whole organisation (every one of its members,
    today's and tomorrow's)."""

    __tablename__ = "group_members"
    __table_args__ = (
        UniqueConstraint("group_id", "user_id"),
        UniqueConstraint("group_id", "organisation_id"),
        CheckConstraint(
            "(user_id IS NULL) <> (organisation_id IS NULL)", name="user_or_organisation"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )


class AuthSession(Base):
    """A server-side login session. The cookie holds a random token; only its hash is here,
    so a copy of the database does not hand out live sessions."""

    __tablename__ = "auth_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 hex of the token
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    address: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(Text)


class LoginFailure(Base):
    """One failed login, kept for throttling per account *and* address together."""

    __tablename__ = "login_failures"
    __table_args__ = (Index("ix_login_failures_login_address_at", "login", "address", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    login: Mapped[str] = mapped_column(String(100))
    address: Mapped[str] = mapped_column(String(64))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class FeedToken(Base):
    """A personal token that lets a feed reader fetch feeds as its owner.

    Only the SHA-256 of the token is kept; the owner sees the token once, when it is made.
    A revoked token, or any token of a disabled account, opens nothing.
    """

    __tablename__ = "feed_tokens"
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(100), default="")
    created: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    revoked: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class TokenPurpose(enum.StrEnum):
    INVITE = "invite"
    RESET = "reset"


class PasswordToken(Base):
    """A one-time link to set a password: an invitation or a reset.

    Only the SHA-256 of the token is kept; the token itself is only in the mail sent to
    the user. A token is live while ``used_at`` is empty and ``expires`` is ahead.
    """

    __tablename__ = "password_tokens"
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[TokenPurpose] = mapped_column(
        Enum(
            TokenPurpose,
            name="password_token_purpose",
            values_callable=lambda purposes: [p.value for p in purposes],
            native_enum=False,
            length=10,
            create_constraint=True,
        )
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
