"""Database tables. Alembic migrations are the only way these are created."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import JSON, Enum, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from questionnaire.database import Base


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class Role(enum.StrEnum):
    SECRETARIAT = "secretariat"
    FOCAL_POINT = "focal_point"
    CONTRIBUTOR = "contributor"
    REVIEWER = "reviewer"


def _enum(kind: type[enum.Enum], name: str) -> Enum:
    # Stored as plain strings with a CHECK constraint: portable, and readable in SQL.
    return Enum(
        kind,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=32,
        values_callable=lambda members: [member.value for member in members],
    )


class StateParty(Base):
    __tablename__ = "state_parties"

    code: Mapped[str] = mapped_column(String(3), primary_key=True)
    name_en: Mapped[str] = mapped_column(String(200))
    name_zh: Mapped[str] = mapped_column(String(200))
    regional_group: Mapped[str] = mapped_column(String(40), index=True)
    member: Mapped[bool] = mapped_column(default=True)


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[Role] = mapped_column(_enum(Role, "role"))
    state_party_code: Mapped[str | None] = mapped_column(
        ForeignKey("state_parties.code"), index=True
    )
    password_hash: Mapped[str | None] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(default=True)
    # Raised at log-out and password change: a session cookie carrying an older value is
    # refused, so old sessions end everywhere.
    session_generation: Mapped[int] = mapped_column(default=0)
    language: Mapped[str] = mapped_column(String(5), default="zh")
    created_at: Mapped[dt.datetime] = mapped_column(default=utc_now)
    last_login_at: Mapped[dt.datetime | None]

    state_party: Mapped[StateParty | None] = relationship()

    # What Flask-Login asks of a user object. The id carries the session generation, so a
    # cookie from before the last log-out or password change no longer loads anyone.
    is_authenticated = True
    is_anonymous = False

    @property
    def is_active(self) -> bool:
        return self.active

    def get_id(self) -> str:
        return f"{self.id}:{self.session_generation}"


class BankVersion(Base):
    """One loaded version of the question bank, with its files, so it can be rebuilt."""

    __tablename__ = "bank_versions"
    __table_args__ = (UniqueConstraint("bank_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    bank_id: Mapped[str] = mapped_column(String(40))
    version: Mapped[int]
    edition: Mapped[str] = mapped_column(String(300))
    checksum: Mapped[str] = mapped_column(String(64))
    files: Mapped[dict[str, str]] = mapped_column(JSON)
    commitment_count: Mapped[int]
    question_count: Mapped[int]
    loaded_at: Mapped[dt.datetime] = mapped_column(default=utc_now)
    loaded_by: Mapped[str] = mapped_column(String(200))


class AuditEvent(Base):
    """Who changed what and when, in UTC; written in the same transaction as the change."""

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_object", "object_type", "object_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(default=utc_now, index=True)
    actor: Mapped[str] = mapped_column(String(254))
    action: Mapped[str] = mapped_column(String(60))
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[str] = mapped_column(String(80))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    summary: Mapped[str] = mapped_column(Text, default="")
