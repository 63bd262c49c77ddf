"""Evidence for a commitment: links, and files kept outside the web root.

Files are stored under generated names (the person's file name is only a label), checked
by their first bytes as well as their extension, and served only through a view that
checks the person's scope first.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from questionnaire.domain.answers import AnswerError, parse_link
from questionnaire.domain.text import without_control_characters
from questionnaire.models import Assessment, AssessmentItem, Evidence, User
from questionnaire.services.access import (
    NotFound,
    require_answer_editing,
    require_evidence_removal,
)
from questionnaire.services.accounts import Actor
from questionnaire.services.assessments import mark_changed
from questionnaire.services.audit import record
from questionnaire.services.transactions import transaction
from questionnaire.storage import MissingObject, Storage, StorageError


class EvidenceError(ValueError):
    """The evidence cannot be accepted; the message says why and what to do."""


@dataclass(frozen=True)
class FileKind:
    extension: str
    content_type: str
    magic: tuple[bytes, ...]


# PDF, Word, Excel and images, recognised by their first bytes. Office files are zip
# packages (docx/xlsx); their legacy binary forms start with the OLE2 signature.
ALLOWED_FILES = {
    kind.extension: kind
    for kind in (
        FileKind("pdf", "application/pdf", (b"%PDF-",)),
        FileKind(
            "docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            (b"PK\x03\x04",),
        ),
        FileKind("doc", "application/msword", (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",)),
        FileKind(
            "xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            (b"PK\x03\x04",),
        ),
        FileKind("xls", "application/vnd.ms-excel", (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",)),
        FileKind("png", "image/png", (b"\x89PNG\r\n\x1a\n",)),
        FileKind("jpg", "image/jpeg", (b"\xff\xd8\xff",)),
        FileKind("jpeg", "image/jpeg", (b"\xff\xd8\xff",)),
        FileKind("gif", "image/gif", (b"GIF87a", b"GIF89a")),
    )
}
MAX_TITLE = 300


def add_link(
    session: Session,
    user: User,
    assessment: Assessment,
    item: AssessmentItem,
    *,
    url: str,
    title: str,
) -> Evidence:
    require_answer_editing(user, assessment)
    try:
        link = parse_link(url)
    except AnswerError as error:
        raise EvidenceError(str(error)) from None
    evidence = Evidence(
        item_id=item.id, kind="link", url=link, title=_title(title, link), added_by_id=user.id
    )
    return _store(session, user, assessment, evidence)


def add_file(
    session: Session,
    user: User,
    assessment: Assessment,
    item: AssessmentItem,
    *,
    filename: str,
    content: bytes,
    storage: Storage,
    max_bytes: int,
) -> Evidence:
    """Store the file, then its row; a store that fails leaves everything as it was."""
    require_answer_editing(user, assessment)
    kind = check_file(filename, content, max_bytes)
    stored_name = f"{secrets.token_hex(16)}.{kind.extension}"
    storage.put(evidence_key(stored_name), content)
    evidence = Evidence(
        item_id=item.id,
        kind="file",
        title=_title(filename, stored_name),
        stored_name=stored_name,
        content_type=kind.content_type,
        size=len(content),
        added_by_id=user.id,
    )
    try:
        return _store(session, user, assessment, evidence)
    except Exception:
        storage.delete(evidence_key(stored_name))  # rolled back: the file belongs to nothing
        raise


def evidence_key(stored_name: str) -> str:
    """Where an evidence file lies in storage."""
    return f"evidence/{stored_name}"


def check_file(filename: str, content: bytes, max_bytes: int) -> FileKind:
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    kind = ALLOWED_FILES.get(extension)
    if kind is None:
        raise EvidenceError(
            "this type of file is not accepted; upload a PDF, Word or Excel document or an "
            "image (PNG, JPEG, GIF)"
        )
    if len(content) > max_bytes:
        raise EvidenceError(
            f"the file is {len(content) / 1048576:.1f} MB; the limit is "
            f"{max_bytes / 1048576:.0f} MB"
        )
    if not content:
        raise EvidenceError("the file is empty")
    if not content.startswith(kind.magic):
        raise EvidenceError(f"the file's content is not a .{extension} file; check the file")
    return kind


def evidence_of(session: Session, item: AssessmentItem) -> list[Evidence]:
    return list(
        session.scalars(select(Evidence).where(Evidence.item_id == item.id).order_by(Evidence.id))
    )


def evidence_file(
    session: Session, item: AssessmentItem, evidence_id: int, storage: Storage
) -> tuple[Evidence, bytes]:
    """The evidence row and its file's bytes, for an item the caller may already read."""
    evidence = session.get(Evidence, evidence_id)
    if evidence is None or evidence.item_id != item.id or evidence.stored_name is None:
        raise NotFound(f"evidence {evidence_id}")
    try:
        return evidence, storage.get(evidence_key(evidence.stored_name))
    except MissingObject:
        raise NotFound(f"evidence file {evidence_id}") from None


def remove_evidence(
    session: Session,
    user: User,
    assessment: Assessment,
    item: AssessmentItem,
    evidence_id: int,
    storage: Storage,
) -> Evidence:
    """Remove an evidence item, audited with its title; a stored file is deleted too.

    Its owner (who added it) may while the answers are open; the secretariat at any time.
    """
    evidence = session.get(Evidence, evidence_id)
    if evidence is None or evidence.item_id != item.id:
        raise NotFound(f"evidence {evidence_id}")
    require_evidence_removal(user, assessment, evidence)
    stored_name = evidence.stored_name
    with transaction(session):
        record(
            session,
            Actor.of(user),
            "evidence.removed",
            evidence,
            {
                "kind": evidence.kind,
                "title": evidence.title,
                "url": evidence.url,
                "item": evidence.item_id,
                "added_by": evidence.added_by_id,
            },
        )
        session.delete(evidence)
        mark_changed(session, assessment.id)
    if stored_name:
        # After the commit, so a row never names a missing file; if the store fails here,
        # the collector removes the file no row names any more.
        try:
            storage.delete(evidence_key(stored_name))
        except StorageError:
            pass
    return evidence


def _title(title: str, fallback: str) -> str:
    # A file name's control characters are noise, and would break the download's headers.
    cleaned = " ".join(without_control_characters(title).split())[:MAX_TITLE]
    return cleaned or fallback[:MAX_TITLE]


def _store(session: Session, user: User, assessment: Assessment, evidence: Evidence) -> Evidence:
    """Store the evidence's row and its audit record; commits (the caller's use case)."""
    with transaction(session):
        session.add(evidence)
        session.flush()
        mark_changed(session, assessment.id)
        record(
            session,
            Actor.of(user),
            "evidence.added",
            evidence,
            {"kind": evidence.kind, "title": evidence.title, "item": evidence.item_id},
        )
    return evidence
