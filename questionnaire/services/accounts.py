"""Accounts: creation, password checks and session generations.

Functions take the session and the acting person as arguments and own the transaction.
"""

from __future__ import annotations

from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from questionnaire.models import Role, StateParty, User, utc_now
from questionnaire.services.audit import record

# argon2id with the library's defaults (RFC 9106 low-memory profile).
_hasher = PasswordHasher()
# Verified against when the e-mail is unknown, so both failures cost the same time.
_UNKNOWN_USER_HASH = _hasher.hash("unknown-user-placeholder-password")
MIN_PASSWORD_LENGTH = 12
ROLES_WITH_STATE = {Role.FOCAL_POINT, Role.CONTRIBUTOR, Role.REVIEWER}


class AccountError(ValueError):
    """An account cannot be created or changed as asked; the message says why."""


@dataclass(frozen=True)
class Actor:
    """Who does something, for the audit log: a user, or the command line."""

    label: str
    user_id: int | None = None

    @classmethod
    def of(cls, user: User) -> Actor:
        return cls(user.email, user.id)


SYSTEM = Actor("system")


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")
    return _hasher.hash(password)


def normalize_email(email: str) -> str:
    return email.strip().lower()


def find_user(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(User.email == normalize_email(email)))


def create_user(
    session: Session,
    actor: Actor,
    *,
    email: str,
    name: str,
    role: Role,
    state_party_code: str | None = None,
    password: str | None = None,
) -> User:
    email = normalize_email(email)
    if "@" not in email or len(email) > 254:
        raise AccountError(f"{email!r} is not an e-mail address")
    if not name.strip():
        raise AccountError("a name is required")
    if role in ROLES_WITH_STATE and not state_party_code:
        raise AccountError(f"a {role.value.replace('_', ' ')} must belong to a state party")
    if role is Role.SECRETARIAT and state_party_code:
        raise AccountError("secretariat accounts belong to no state party")
    if state_party_code and session.get(StateParty, state_party_code.upper()) is None:
        raise AccountError(f"unknown state party {state_party_code!r}; load the state parties")
    if session.scalar(select(func.count()).where(User.email == email)):
        raise AccountError(f"an account for {email} exists already")
    user = User(
        email=email,
        name=name.strip(),
        role=role,
        state_party_code=state_party_code.upper() if state_party_code else None,
        password_hash=hash_password(password) if password else None,
    )
    session.add(user)
    session.flush()
    record(
        session,
        actor,
        "account.created",
        user,
        {"role": role.value, "state_party": user.state_party_code},
    )
    return user


def authenticate(session: Session, email: str, password: str) -> User | None:
    """The active user with this e-mail and password, or None; same cost either way."""
    user = find_user(session, email)
    stored = user.password_hash if user and user.password_hash else _UNKNOWN_USER_HASH
    try:
        _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return None
    if user is None or not user.active or user.password_hash is None:
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    user.last_login_at = utc_now()
    return user


def end_sessions(session: Session, user: User) -> None:
    """Make every session cookie issued so far useless (log-out, password change)."""
    user.session_generation += 1
