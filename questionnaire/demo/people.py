"""Who takes part in the demo: the countries, their accounts and their reviewing states."""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy.orm import Session

from questionnaire.models import Role, User
from questionnaire.services import access
from questionnaire.services.accounts import SYSTEM, create_user, find_user, hash_password
from questionnaire.services.transactions import transaction

FIRST_COUNTRY = "CHN"
GROUP_ORDER = (
    "asia_pacific",
    "western_european_other",
    "african",
    "latin_american_caribbean",
    "eastern_european",
)
# Demo reviewers of `users demo` take the first assessments they may review, so their
# log-ins show work in every status.
DEMO_REVIEWER_ASSESSMENTS = 8


@dataclass(frozen=True)
class DemoAccount:
    email: str
    name: str
    role: Role
    state_party_code: str | None


@dataclass(frozen=True)
class StateInfo:
    """A state party as plain values: rows would not outlive the session's clearing."""

    code: str
    name_en: str
    name_zh: str
    regional_group: str


def choose_countries(groups: Mapping[str, str], count: int, seed: int) -> list[str]:
    """China first, then the regional groups in turn, each in an order drawn from `seed`.

    `groups` maps each state party's code to its regional group.
    """
    rng = random.Random(f"countries:{seed}")
    by_group: dict[str, list[str]] = {}
    for code in sorted(groups):
        if code != FIRST_COUNTRY:
            by_group.setdefault(groups[code], []).append(code)
    queues = []
    for group in (*GROUP_ORDER, *sorted(set(by_group) - set(GROUP_ORDER))):
        codes = by_group.get(group, [])
        rng.shuffle(codes)
        queues.append(codes)
    chosen = [FIRST_COUNTRY]
    while len(chosen) < count and any(queues):
        for queue in queues:
            if queue and len(chosen) < count:
                chosen.append(queue.pop(0))
    return chosen


def reviewing_states(
    rng: random.Random,
    states: Mapping[str, StateInfo],
    reviewed: StateInfo,
    position: int,
    preferred: list[str],
) -> list[str]:
    """Two reviewing states, one from the reviewed state's own regional group, as in the IRM.

    The states of the `preferred` demo reviewers are taken for the first assessments.
    """
    group = reviewed.regional_group
    same = sorted(c for c, s in states.items() if s.regional_group == group)
    other = sorted(c for c, s in states.items() if s.regional_group != group)
    same.remove(reviewed.code)
    picks = []
    for candidates in (same, other):
        fitting = [c for c in preferred if c in candidates and c not in picks]
        if fitting and position < DEMO_REVIEWER_ASSESSMENTS:
            picks.append(fitting[0])
        else:
            picks.append(rng.choice(candidates))
    return picks


class DemoAccounts:
    """Demo accounts by role and state, created on first use."""

    def __init__(
        self, session: Session, password: str, base_accounts: tuple[DemoAccount, ...]
    ) -> None:
        self.session = session
        self.created = 0
        self._ids: dict[str, int] = {}
        with transaction(session):
            for account in base_accounts:
                self._ensure(account, password)
        # Hashing is slow by design; one hash serves every generated account, which all
        # share the demo password anyway.
        self._shared_hash = hash_password(password)
        self._secretariat = next(a.email for a in base_accounts if access.is_secretariat(a))
        self._by_state = {(a.role, a.state_party_code): a.email for a in base_accounts}
        self._reviewer_states = sorted(
            a.state_party_code
            for a in base_accounts
            if access.is_reviewer(a) and a.state_party_code
        )

    def _ensure(self, account: DemoAccount, password: str | None) -> int:
        user = find_user(self.session, account.email)
        if user is None:
            user = create_user(
                self.session,
                SYSTEM,
                email=account.email,
                name=account.name,
                role=account.role,
                state_party_code=account.state_party_code,
                password=password,
            )
            if password is None:
                user.password_hash = self._shared_hash
            self.created += 1
        self._ids[account.email] = user.id
        return user.id

    def _user(self, email: str) -> User:
        user = self.session.get(User, self._ids[email])
        assert user is not None
        return user

    def secretariat(self) -> User:
        return self._user(self._secretariat)

    def member(self, role: Role, state: StateInfo) -> User:
        """The state's account in `role`: a base account if one is given, else a generated one."""
        email = self._by_state.get((role, state.code))
        if email is None:
            prefix = {Role.FOCAL_POINT: "fp", Role.CONTRIBUTOR: "contributor"}.get(role, "reviewer")
            label = {
                Role.FOCAL_POINT: "Focal point",
                Role.CONTRIBUTOR: "Ministry contributor",
            }.get(role, "Governmental expert")
            email = f"{prefix}.{state.code.lower()}@demo.test"
            if email not in self._ids:
                self._ensure(
                    DemoAccount(email, f"{label} ({state.name_en})", role, state.code), None
                )
        return self._user(email)

    def demo_reviewer_states(self) -> list[str]:
        return list(self._reviewer_states)
