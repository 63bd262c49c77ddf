"""Keep the state-party table in step with the packaged list."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from questionnaire.domain.state_parties import load_state_parties
from questionnaire.models import StateParty
from questionnaire.services.transactions import transaction


def update_state_parties(session: Session) -> tuple[int, int]:
    """`flask states load`: bring the table in step with the packaged list; commits."""
    with transaction(session):
        return load_state_parties_into(session)


def state_parties_by_name(session: Session, language: str) -> list[StateParty]:
    """Every state party, sorted by its name in `language` (`zh` or English)."""
    name = StateParty.name_zh if language == "zh" else StateParty.name_en
    return list(session.scalars(select(StateParty).order_by(name)))


def load_state_parties_into(session: Session) -> tuple[int, int]:
    """Insert missing state parties and refresh changed names; returns (added, updated).

    A step of a larger transaction (the demo's set-up); `update_state_parties` commits it.
    """
    existing = {row.code: row for row in session.scalars(select(StateParty))}
    added = updated = 0
    for party in load_state_parties():
        row = existing.get(party.code)
        values = {
            "name_en": party.name_en,
            "name_zh": party.name_zh,
            "regional_group": party.regional_group,
            "member": party.member,
        }
        if row is None:
            session.add(StateParty(code=party.code, **values))
            added += 1
        elif any(getattr(row, key) != value for key, value in values.items()):
            for key, value in values.items():
                setattr(row, key, value)
            updated += 1
    session.flush()
    return added, updated
