"""The installation at a glance, as the home page shows it to each role."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from questionnaire.models import BankEdition, StateParty, User
from questionnaire.services import access
from questionnaire.services.bank_store import latest_bank_edition


@dataclass(frozen=True)
class SiteSummary:
    """The loaded bank, how many state parties, and (for the secretariat) how many accounts."""

    bank: BankEdition | None
    state_party_count: int
    account_count: int | None  # only the secretariat sees the number of accounts


def site_summary_for(session: Session, user: User) -> SiteSummary:
    accounts = None
    if access.is_secretariat(user):
        accounts = session.scalar(select(func.count()).select_from(User))
    return SiteSummary(
        bank=latest_bank_edition(session),
        state_party_count=session.scalar(select(func.count()).select_from(StateParty)) or 0,
        account_count=accounts,
    )
