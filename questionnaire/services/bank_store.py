"""Store loaded bank versions in the database and rebuild them for use.

Each version keeps the files it was built from, so an assessment made against version 1
is still shown, scored and reported against version 1 after version 2 is loaded.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from questionnaire.domain.bank import QuestionBank
from questionnaire.domain.bank.loader import BankFiles, build_bank
from questionnaire.models import BankEdition
from questionnaire.services.accounts import Actor
from questionnaire.services.audit import record
from questionnaire.services.transactions import transaction


class BankVersionError(ValueError):
    """The bank on disk cannot replace the loaded one; the message says what to change."""


@dataclass(frozen=True)
class LoadResult:
    version: BankEdition
    created: bool


def load_bank(session: Session, files: BankFiles, actor: Actor) -> LoadResult:
    """`flask bank load`: store the bank as a new edition unless stored already; commits."""
    with transaction(session):
        return load_bank_edition(session, files, actor)


def load_bank_edition(session: Session, files: BankFiles, actor: Actor) -> LoadResult:
    """Check `files` and store them as a new edition; loading the same files is a no-op.

    An edition is the stored row (`BankEdition`); its `version` is the number bank.yaml
    gives, which may only go up.
    """
    bank = build_bank(files)
    latest = latest_bank_edition(session, bank.id)
    if latest is not None and bank.version < latest.version:
        raise BankVersionError(
            f"bank version {bank.version} is lower than version {latest.version}, which is "
            f"loaded already; versions may only go up: set version: {latest.version + 1} "
            "in bank.yaml"
        )
    if latest is not None and bank.version == latest.version:
        if bank.checksum == latest.checksum:
            return LoadResult(latest, created=False)
        raise BankVersionError(
            f"the bank files changed but bank.yaml still says version {bank.version}; "
            f"set version: {latest.version + 1} to load the change as a new version"
        )
    assessable = [c for c in bank.commitments if c.assessable]
    row = BankEdition(
        bank_id=bank.id,
        version=bank.version,
        edition=bank.metadata.edition,
        checksum=bank.checksum,
        files=dict(files),
        commitment_count=len(bank.commitments),
        question_count=sum(len(c.questions) for c in assessable),
        loaded_by=actor.label,
    )
    session.add(row)
    session.flush()
    record(session, actor, "bank.loaded", row, {"bank": bank.id, "version": bank.version})
    return LoadResult(row, created=True)


def latest_bank_edition(session: Session, bank_id: str | None = None) -> BankEdition | None:
    """The stored edition with the highest version (of `bank_id`, if given), or None."""
    query = select(BankEdition).order_by(BankEdition.version.desc(), BankEdition.id.desc())
    if bank_id is not None:
        query = query.where(BankEdition.bank_id == bank_id)
    return session.scalars(query.limit(1)).first()


def latest_question_bank(session: Session) -> QuestionBank | None:
    """The resolved bank of the newest stored edition, or None before any bank is loaded."""
    row = latest_bank_edition(session)
    return question_bank_of_edition(row) if row is not None else None


def question_bank_of_edition(row: BankEdition) -> QuestionBank:
    """The resolved bank of a stored edition, built once per process."""
    bank = _built.get(row.checksum)
    if bank is None:
        bank = build_bank(dict(row.files))
        _built[row.checksum] = bank
    return bank


def question_bank_by_edition_id(session: Session, edition_id: int, checksum: str) -> QuestionBank:
    """The resolved bank of an edition known by id and checksum: no read once it is built."""
    bank = _built.get(checksum)
    if bank is not None:
        return bank
    row = session.get(BankEdition, edition_id)
    if row is None:
        raise LookupError(f"bank edition {edition_id} is not stored")
    return question_bank_of_edition(row)


# The checksum covers every file of a version, and a stored version never changes, so its
# resolved form can be kept for the life of the process; a handful of versions exist.
_built: dict[str, QuestionBank] = {}
