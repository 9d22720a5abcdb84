"""People, organisations, groups and the sessions of people who logged in.

Ids are AUTOINCREMENT integers: never reused, so a principal such as ``user:7`` always
names the same person, and a re-created account or group inherits nothing.
"""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import (
    Boolean,
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
    created: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

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
    __tablename__ = "group_members"
    __table_args__ = (UniqueConstraint("group_id", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)


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
