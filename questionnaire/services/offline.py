"""Offline questionnaires: a signed template out, a checked workbook back in.

An import is previewed first (new, changed, unchanged, conflicting) and applied all at
once or not at all; conflicts with online edits made since the export are listed for the
person and never applied.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import io
import secrets
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from questionnaire.domain.answers import N_
from questionnaire.domain.conditions import AnswerValue
from questionnaire.domain.offline import (
    ChangePreview,
    ImportLimits,
    OfflineImportError,
    parse_answers,
    preview_changes,
    read_workbook,
    write_template,
)
from questionnaire.models import (
    Answer,
    Assessment,
    AssessmentItem,
    ImportStash,
    User,
    utc_now,
)
from questionnaire.services import access
from questionnaire.services.accounts import Actor
from questionnaire.services.answers import apply_values
from questionnaire.services.assessments import assessment_question_bank
from questionnaire.services.audit import record
from questionnaire.services.snapshots import snapshot_of
from questionnaire.services.transactions import transaction
from questionnaire.storage import MissingObject, Storage

__all__ = [
    "OfflineImportError",
    "StashUnavailable",
    "apply_import",
    "apply_stashed_import",
    "offline_secret",
    "preview_import",
    "stash_import",
    "template_bytes",
]


def offline_secret(secret_key: str) -> bytes:
    """The key that signs offline templates, derived from SECRET_KEY for this one purpose."""
    return hmac.new(
        secret_key.encode("utf-8"), b"offline-template-signature", hashlib.sha256
    ).digest()


def _require(session: Session, user: User, assessment: Assessment) -> None:
    if access.may_use_offline_workbook(user, assessment):
        return
    raise access.NotFound(f"assessment {assessment.id}")


def _answers_by_key(
    session: Session, assessment: Assessment
) -> tuple[dict[str, AnswerValue], dict[str, int], dict[tuple[str, str], int]]:
    values: dict[str, AnswerValue] = {}
    versions: dict[str, int] = {}
    local: dict[tuple[str, str], int] = {}
    for commitment_id, question_id, value, version in session.execute(
        select(AssessmentItem.commitment_id, Answer.question_id, Answer.value, Answer.revision)
        .join(AssessmentItem, AssessmentItem.id == Answer.item_id)
        .where(AssessmentItem.assessment_id == assessment.id)
    ):
        key = f"{commitment_id}.{question_id}"
        values[key] = value
        versions[key] = version
        local[(commitment_id, question_id)] = version
    return values, versions, local


def template_bytes(
    session: Session, user: User, assessment: Assessment, language: str, secret: bytes
) -> bytes:
    _require(session, user, assessment)
    _values, _versions, local_versions = _answers_by_key(session, assessment)
    buffer = io.BytesIO()
    write_template(snapshot_of(session, assessment), local_versions, secret, buffer, language)
    with transaction(session):
        record(
            session, Actor.of(user), "export.offline_template", assessment, {"language": language}
        )
    return buffer.getvalue()


@dataclass(frozen=True)
class ImportPreview:
    preview: ChangePreview
    exported_at: str


def preview_import(
    session: Session,
    user: User,
    assessment: Assessment,
    data: bytes,
    secret: bytes,
    limits: ImportLimits,
) -> ImportPreview:
    """Check the file and say what applying it would change; changes nothing."""
    _require(session, user, assessment)
    parsed = read_workbook(data, limits, secret)
    imported = parse_answers(
        parsed, assessment_question_bank(assessment), assessment.id, assessment.state_party_code
    )
    values, versions, _local = _answers_by_key(session, assessment)
    preview = preview_changes(imported, values, versions, parsed.metadata.answer_revisions)
    return ImportPreview(preview, parsed.metadata.exported_at)


def apply_import(
    session: Session,
    user: User,
    assessment: Assessment,
    data: bytes,
    secret: bytes,
    limits: ImportLimits,
) -> ImportPreview:
    """Apply the new and changed answers in one transaction; conflicts stay untouched."""
    with transaction(session):
        return _apply(session, user, assessment, data, secret, limits)


class StashUnavailable(LookupError):
    """An uploaded workbook can no longer be applied; the message (a template and its
    values, like AnswerError's) says why and to upload it again."""

    def __init__(self, template: str, **params: object) -> None:
        self.template = template
        self.params = params
        super().__init__(template % params if params else template)


def preview_and_stash_import(
    session: Session,
    user: User,
    assessment: Assessment,
    data: bytes,
    secret: bytes,
    limits: ImportLimits,
    storage: Storage,
    lifetime: dt.timedelta,
) -> tuple[ImportPreview, str]:
    """The upload page's use case: check the workbook, say what it would change, and keep
    it until it is applied or expires. The preview and the token to apply it with."""
    preview = preview_import(session, user, assessment, data, secret, limits)
    return preview, stash_import(session, user, assessment, data, storage, lifetime)


def stash_import(
    session: Session,
    user: User,
    assessment: Assessment,
    data: bytes,
    storage: Storage,
    lifetime: dt.timedelta,
) -> str:
    """Keep a previewed workbook in storage until it is applied or expires; its token."""
    _require(session, user, assessment)
    token = secrets.token_hex(16)
    key = f"imports/{token}.xlsx"
    storage.put(key, data)
    now = utc_now()
    try:
        with transaction(session):
            session.add(
                ImportStash(
                    token=token,
                    owner_id=user.id,
                    assessment_id=assessment.id,
                    storage_key=key,
                    created_at=now,
                    expires_at=now + lifetime,
                )
            )
    except Exception:
        storage.delete(key)  # rolled back: the stored file would belong to nothing
        raise
    return token


def apply_stashed_import(
    session: Session,
    user: User,
    assessment: Assessment,
    token: str,
    secret: bytes,
    limits: ImportLimits,
    storage: Storage,
) -> ImportPreview:
    """Apply a previewed upload, once: the token is spent in the same transaction."""
    access.require_answer_editing(user, assessment)
    stash = session.get(ImportStash, token) if token.isalnum() and len(token) == 32 else None
    if stash is None or stash.owner_id != user.id or stash.assessment_id != assessment.id:
        raise StashUnavailable(N_("This upload is not known; upload the workbook again."))
    if stash.applied_at is not None:
        raise StashUnavailable(
            N_("This upload was applied already at %(time)s UTC; upload the workbook again."),
            time=stash.applied_at.strftime("%Y-%m-%d %H:%M"),
        )
    now = utc_now()
    if stash.expires_at <= now or stash.removed_at is not None:
        raise StashUnavailable(
            N_("This upload expired at %(time)s UTC; upload the workbook again."),
            time=stash.expires_at.strftime("%Y-%m-%d %H:%M"),
        )
    try:
        data = storage.get(stash.storage_key)
    except MissingObject:
        raise StashUnavailable(
            N_("This upload is no longer stored; upload the workbook again.")
        ) from None
    with transaction(session):
        applied = _apply(session, user, assessment, data, secret, limits)
        spent = session.execute(
            update(ImportStash)
            .where(ImportStash.token == token, ImportStash.applied_at.is_(None))
            .values(applied_at=now)
        )
        if spent.rowcount != 1:  # type: ignore[attr-defined]
            raise StashUnavailable(
                N_("This upload was applied already; upload the workbook again.")
            )
    # Tidying after the commit, in a transaction of its own: the answers are in whatever
    # happens here, and the collector removes a file left behind.
    try:
        with transaction(session):
            storage.delete(stash.storage_key)
            stash.removed_at = utc_now()
    except Exception:  # noqa: BLE001 - the collector removes it later
        pass
    return applied


def _apply(
    session: Session,
    user: User,
    assessment: Assessment,
    data: bytes,
    secret: bytes,
    limits: ImportLimits,
) -> ImportPreview:
    access.require_answer_editing(user, assessment)
    checked = preview_import(session, user, assessment, data, secret, limits)
    bank = assessment_question_bank(assessment)
    items = {
        item.commitment_id: item
        for item in session.scalars(
            select(AssessmentItem).where(AssessmentItem.assessment_id == assessment.id)
        )
    }
    grouped: dict[str, dict[str, AnswerValue]] = defaultdict(dict)
    bases: dict[str, dict[str, int]] = defaultdict(dict)
    for change in checked.preview.to_apply:
        grouped[change.answer.commitment_id][change.answer.question_id] = change.answer.value
        bases[change.answer.commitment_id][change.answer.question_id] = change.current_version
    now = utc_now()
    for commitment_id, values in grouped.items():
        _saved, conflicts = apply_values(
            session,
            user,
            assessment,
            items[commitment_id],
            bank.commitment(commitment_id),
            values,
            bases[commitment_id],
            now,
            "offline",
        )
        if conflicts:
            raise OfflineImportError(
                "someone saved answers online while the file was being applied; "
                "nothing was imported: upload the file again to see the new preview"
            )
    record(
        session,
        Actor.of(user),
        "import.offline_workbook",
        assessment,
        {"applied": len(checked.preview.to_apply), "conflicts": len(checked.preview.conflicts)},
    )
    return checked
