"""The audit log: one row per change, written in the transaction that makes the change."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import inspect
from sqlalchemy.orm import Session

from questionnaire.models import AuditEvent

if TYPE_CHECKING:
    from questionnaire.services.accounts import Actor


def record(
    session: Session,
    actor: Actor,
    action: str,
    subject: object,
    details: dict[str, Any] | None = None,
    summary: str = "",
) -> AuditEvent:
    identity = inspect(subject).identity if hasattr(subject, "__table__") else None
    object_id = ":".join(str(part) for part in identity) if identity else str(subject)
    object_type = getattr(subject, "__tablename__", type(subject).__name__)
    event = AuditEvent(
        actor=actor.label,
        action=action,
        object_type=object_type,
        object_id=object_id,
        details=details or {},
        summary=summary,
    )
    session.add(event)
    return event
