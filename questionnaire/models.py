"""Database tables. Alembic migrations are the only way these are created."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import JSON, Enum, ForeignKey, Index, String, Text, UniqueConstraint, false, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from questionnaire.database import Base
from questionnaire.domain.assessment import (
    FindingKind,
    FollowUpStatus,
    FrameworkRating,
    PracticeRating,
    PublicationConsent,
    Role,
    WorkflowStatus,
)


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def _enum(kind: type[enum.Enum], name: str, *, checked: bool = True) -> Enum:
    """Stored as plain strings, portable and readable in SQL.

    With a CHECK constraint for the application's own states; without one (`checked=False`)
    for values of a bank scale, which a new bank edition may change (migration 0008).
    """
    return Enum(
        kind,
        name=name,
        native_enum=False,
        create_constraint=checked,
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
    language: Mapped[str] = mapped_column(String(5), default="")  # "" until the person chooses
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


class BankEdition(Base):
    """One loaded edition of the question bank (its `version` number), with its files, so
    it can be rebuilt. The table keeps its first name, `bank_versions`."""

    __tablename__ = "bank_versions"
    __table_args__ = (UniqueConstraint("bank_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    bank_id: Mapped[str] = mapped_column(String(40))
    version: Mapped[int]
    edition: Mapped[str] = mapped_column(String(300))
    checksum: Mapped[str] = mapped_column(String(64))
    # The whole bank's text (about 0.8 MB): read only when an edition is first resolved in a
    # process (bank_store.question_bank_of_edition), not with every assessment that names it.
    files: Mapped[dict[str, str]] = mapped_column(JSON, deferred=True)
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


class Assessment(Base):
    """One state party's self-assessment for one review year, frozen to a bank version."""

    __tablename__ = "assessments"
    __table_args__ = (UniqueConstraint("state_party_code", "review_year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    state_party_code: Mapped[str] = mapped_column(ForeignKey("state_parties.code"), index=True)
    review_year: Mapped[int]
    bank_version_id: Mapped[int] = mapped_column(ForeignKey("bank_versions.id"))
    scope: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[WorkflowStatus] = mapped_column(
        _enum(WorkflowStatus, "workflow_status"), default=WorkflowStatus.DRAFT
    )
    publication_consent: Mapped[PublicationConsent] = mapped_column(
        _enum(PublicationConsent, "publication_consent"), default=PublicationConsent.NOT_RECORDED
    )
    due_date: Mapped[dt.date | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utc_now)
    submitted_at: Mapped[dt.datetime | None]
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    finalized_at: Mapped[dt.datetime | None]
    # Rises with every change to answers, reviews or status: a report built at one revision
    # is served again from the cache until the revision moves.
    revision: Mapped[int] = mapped_column(default=0)
    # The revision its stored scores were computed at; None or behind `revision` when they
    # are missing or stale, and pages then score it afresh (services.scoring).
    scored_revision: Mapped[int | None]
    # Reviewers read the state's answers from submission on, as in the IRM; the secretariat
    # may open them earlier on purpose (audited).
    reviewers_see_drafts: Mapped[bool] = mapped_column(default=False, server_default=false())

    state_party: Mapped[StateParty] = relationship()
    bank_edition: Mapped[BankEdition] = relationship()
    items: Mapped[list[AssessmentItem]] = relationship(
        back_populates="assessment", order_by="AssessmentItem.position"
    )


class AssessmentItem(Base):
    """One commitment of an assessment's questionnaire."""

    __tablename__ = "assessment_items"
    __table_args__ = (UniqueConstraint("assessment_id", "commitment_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id", ondelete="CASCADE"))
    commitment_id: Mapped[str] = mapped_column(String(40))
    paragraph: Mapped[int]
    position: Mapped[int]
    progress: Mapped[str] = mapped_column(String(20), default="not_started")
    follow_up: Mapped[bool] = mapped_column(default=False)

    assessment: Mapped[Assessment] = relationship(back_populates="items")


class Answer(Base):
    """The current answer to one question; every saved change is kept in AnswerChange.

    `revision` counts the saves (1 for the first): a save names the revision it started
    from, and a newer one means someone else saved meanwhile (a conflict, never an
    overwrite). Stored in the column `version`; forms send it as `version__<question>`.
    """

    __tablename__ = "answers"
    __table_args__ = (UniqueConstraint("item_id", "question_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("assessment_items.id", ondelete="CASCADE"))
    question_id: Mapped[str] = mapped_column(String(60))
    value: Mapped[Any] = mapped_column(JSON, nullable=True)
    revision: Mapped[int] = mapped_column("version", default=1)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[dt.datetime] = mapped_column(default=utc_now)


class AnswerChange(Base):
    """One saved change of an answer: the value it gave, who saved it, when and how (the
    table keeps its first name, `answer_versions`)."""

    __tablename__ = "answer_versions"
    __table_args__ = (UniqueConstraint("answer_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    answer_id: Mapped[int] = mapped_column(ForeignKey("answers.id", ondelete="CASCADE"))
    revision: Mapped[int] = mapped_column("version")  # the answer's revision this change made
    value: Mapped[Any] = mapped_column(JSON, nullable=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utc_now)
    source: Mapped[str] = mapped_column(String(20), default="online")  # online | offline


class SaveRequest(Base):
    """A save already applied, by the id its client gave it: a retry creates nothing new.

    The client chooses the id, so it counts only within one assessment and one person: the
    same id sent by someone else, or for another assessment, is another request.
    """

    __tablename__ = "save_requests"
    __table_args__ = (UniqueConstraint("assessment_id", "user_id", "request_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[str] = mapped_column(String(64))
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id", ondelete="CASCADE"))
    item_id: Mapped[int] = mapped_column(ForeignKey("assessment_items.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utc_now)


class Evidence(Base):
    __tablename__ = "evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(
        ForeignKey("assessment_items.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(10))  # link | file
    title: Mapped[str] = mapped_column(String(300))
    url: Mapped[str | None] = mapped_column(String(2000))
    stored_name: Mapped[str | None] = mapped_column(String(80), unique=True)
    content_type: Mapped[str | None] = mapped_column(String(120))
    size: Mapped[int | None]
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    added_at: Mapped[dt.datetime] = mapped_column(default=utc_now)


class ReviewerAssignment(Base):
    __tablename__ = "reviewer_assignments"
    __table_args__ = (UniqueConstraint("assessment_id", "reviewer_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id", ondelete="CASCADE"))
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    same_regional_group: Mapped[bool]
    assigned_at: Mapped[dt.datetime] = mapped_column(default=utc_now)

    reviewer: Mapped[User] = relationship()


class ItemReview(Base):
    """The reviewers' ratings and observations on one commitment."""

    __tablename__ = "item_reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(
        ForeignKey("assessment_items.id", ondelete="CASCADE"), unique=True
    )
    framework: Mapped[FrameworkRating | None] = mapped_column(
        _enum(FrameworkRating, "framework_rating", checked=False)
    )
    practice: Mapped[PracticeRating | None] = mapped_column(
        _enum(PracticeRating, "practice_rating", checked=False)
    )
    observations: Mapped[str] = mapped_column(Text, default="")
    # Why the reviewers leave this commitment unrated: a review is completed only when each
    # commitment is rated or says why not (read by the secretariat before finalizing).
    unrated_reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[dt.datetime] = mapped_column(default=utc_now)


class FindingRecord(Base):
    __tablename__ = "findings"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(
        ForeignKey("assessment_items.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[FindingKind] = mapped_column(_enum(FindingKind, "finding_kind"))
    text: Mapped[str] = mapped_column(Text)
    recommendation: Mapped[str] = mapped_column(Text, default="")
    recommendation_id: Mapped[str] = mapped_column(String(40), default="")
    technical_assistance_type: Mapped[str] = mapped_column(String(40), default="")
    already_provided: Mapped[bool | None]
    provided_by: Mapped[str] = mapped_column(String(300), default="")
    follow_up: Mapped[FollowUpStatus] = mapped_column(
        _enum(FollowUpStatus, "follow_up_status"), default=FollowUpStatus.OPEN
    )
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utc_now)
    # A removed finding stays, hidden from pages and reports; the audit keeps its text too.
    deleted_at: Mapped[dt.datetime | None]
    deleted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class Clarification(Base):
    """A reviewer's question on one commitment and the state's answer to it."""

    __tablename__ = "clarifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(
        ForeignKey("assessment_items.id", ondelete="CASCADE"), index=True
    )
    question: Mapped[str] = mapped_column(Text)
    asked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    asked_at: Mapped[dt.datetime] = mapped_column(default=utc_now)
    answer: Mapped[str] = mapped_column(Text, default="")
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    answered_at: Mapped[dt.datetime | None]


class Comment(Base):
    __tablename__ = "comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(
        ForeignKey("assessment_items.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utc_now)


class WorkflowEvent(Base):
    __tablename__ = "workflow_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(
        ForeignKey("assessments.id", ondelete="CASCADE"), index=True
    )
    from_status: Mapped[str] = mapped_column(String(32))
    to_status: Mapped[str] = mapped_column(String(32))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[dt.datetime] = mapped_column(default=utc_now)
    note: Mapped[str] = mapped_column(Text, default="")


class Score(Base):
    """Per-commitment scores written back by rescoring (this application's own measure)."""

    __tablename__ = "scores"
    __table_args__ = (UniqueConstraint("assessment_id", "commitment_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id", ondelete="CASCADE"))
    commitment_id: Mapped[str] = mapped_column(String(40))
    self_score: Mapped[float | None]
    reviewer_score: Mapped[float | None]
    score: Mapped[float | None]
    gap: Mapped[float | None]
    priority: Mapped[str] = mapped_column(String(10))
    unsubstantiated: Mapped[bool]
    divergence: Mapped[bool]
    computed_at: Mapped[dt.datetime] = mapped_column(default=utc_now)


class RollUpScore(Base):
    """Per-group scores (overall, section, theme...) stored beside the per-commitment ones,
    so that pages read them instead of scoring every assessment on every request."""

    __tablename__ = "rollup_scores"
    __table_args__ = (UniqueConstraint("assessment_id", "dimension", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id", ondelete="CASCADE"))
    dimension: Mapped[str] = mapped_column(String(10))
    key: Mapped[str] = mapped_column(String(40))
    score: Mapped[float | None]
    answered: Mapped[int]
    asked: Mapped[int]
    computed_at: Mapped[dt.datetime] = mapped_column(default=utc_now)


class LoginAttempt(Base):
    """Each log-in attempt, for throttling per account and per address, and for the log."""

    __tablename__ = "login_attempts"
    __table_args__ = (
        Index("ix_login_attempts_email_at", "email", "at"),
        Index("ix_login_attempts_address_at", "address", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    address: Mapped[str] = mapped_column(String(64))
    succeeded: Mapped[bool]
    at: Mapped[dt.datetime] = mapped_column(default=utc_now)
    # Whether a failure counts towards a lock-out: not when it was made while locked (so a
    # lock-out does not grow with each attempt), nor once the secretariat lifted the lock.
    counted: Mapped[bool] = mapped_column(default=True, server_default=true())


class Invitation(Base):
    """A one-time, expiring link with which an invited person sets a password."""

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utc_now)
    expires_at: Mapped[dt.datetime]
    used_at: Mapped[dt.datetime | None]


class JobStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class Job(Base):
    """One piece of background work, as the task queue's workers run it.

    The queue's message carries only this row's id; the row says what to do, how far it
    got and where its result is, so any application server can show its progress and any
    worker can take it over after another one died.
    """

    __tablename__ = "jobs"
    __table_args__ = (Index("ix_jobs_status_created_at", "status", "created_at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    owner_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    parameters: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[JobStatus] = mapped_column(
        _enum(JobStatus, "job_status"), default=JobStatus.QUEUED
    )
    progress_done: Mapped[int] = mapped_column(default=0)
    progress_total: Mapped[int] = mapped_column(default=0)
    error: Mapped[str | None] = mapped_column(Text)
    result_key: Mapped[str | None] = mapped_column(String(300))
    result_name: Mapped[str | None] = mapped_column(String(200))
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[dt.datetime] = mapped_column(default=utc_now)
    started_at: Mapped[dt.datetime | None]
    heartbeat_at: Mapped[dt.datetime | None]
    finished_at: Mapped[dt.datetime | None]


class ImportStash(Base):
    """An uploaded offline workbook between its preview and its application.

    The file lies in storage; this row says whose it is, for which assessment, until when,
    and whether it was applied, so a token applies once, on any application server.
    """

    __tablename__ = "import_stashes"

    token: Mapped[str] = mapped_column(String(32), primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    assessment_id: Mapped[int] = mapped_column(
        ForeignKey("assessments.id", ondelete="CASCADE"), index=True
    )
    storage_key: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[dt.datetime] = mapped_column(default=utc_now)
    expires_at: Mapped[dt.datetime] = mapped_column(index=True)
    applied_at: Mapped[dt.datetime | None]
    removed_at: Mapped[dt.datetime | None]


class ReadinessProbe(Base):
    """Written to and rolled back by /readyz, to learn whether the database accepts writes."""

    __tablename__ = "readiness_probes"

    id: Mapped[int] = mapped_column(primary_key=True)
    checked_at: Mapped[dt.datetime] = mapped_column(default=utc_now)
