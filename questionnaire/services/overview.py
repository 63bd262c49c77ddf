"""What the home page shows each role."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from questionnaire.models import BankVersion, StateParty, User
from questionnaire.services import access
from questionnaire.services.bank_store import latest_version


@dataclass(frozen=True)
class Overview:
    bank: BankVersion | None
    state_party_count: int
    account_count: int | None  # only the secretariat sees the number of accounts


def overview_for(session: Session, user: User) -> Overview:
    accounts = None
    if access.is_secretariat(user):
        accounts = session.scalar(select(func.count()).select_from(User))
    return Overview(
        bank=latest_version(session),
        state_party_count=session.scalar(select(func.count()).select_from(StateParty)) or 0,
        account_count=accounts,
    )
