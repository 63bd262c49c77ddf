"""Accounts: creation, passwords, session generations, and the secretariat's management.

The one-time links with which invited people set their first password are in `invitations`.
Functions take the session and the acting person as arguments. The use cases (creating an
account, disabling, re-assigning, logging out, choosing a language) commit once, with the
change and its audit record together (see `transactions`); the building blocks they share
(`create_user`, `end_sessions`, `change_password`) never commit.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from questionnaire.domain.text import control_character
from questionnaire.models import Role, StateParty, User, utc_now
from questionnaire.services import access
from questionnaire.services.access import NotFound
from questionnaire.services.audit import record
from questionnaire.services.transactions import transaction

# argon2id with the library's defaults (RFC 9106 low-memory profile).
_hasher = PasswordHasher()
# Verified against when the e-mail is unknown, so both failures cost the same time.
_UNKNOWN_USER_HASH = _hasher.hash("unknown-user-placeholder-password")
MIN_PASSWORD_LENGTH = 12


class AccountError(ValueError):
    """An account cannot be created or changed as asked; the message says why."""


class EmailTaken(AccountError):
    """Another account already uses this e-mail."""


class WrongPassword(AccountError):
    """The current password given to confirm a change is not the account's password."""


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


def acting_person(session: Session, email: str) -> User:
    """The active account a command-line user acts as (`--as EMAIL`), with its own rights.

    The command line gets no rights of its own: it reads and writes what the named person
    could through the pages, and the audit log names them.
    """
    user = find_user(session, email)
    if user is None or not user.active:
        raise AccountError(f"there is no active account {email!r}; check the address")
    return user


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
    """A new account, within the caller's transaction (`create_account` commits it)."""
    email = normalize_email(email)
    if "@" not in email or len(email) > 254:
        raise AccountError(f"{email!r} is not an e-mail address")
    if not name.strip():
        raise AccountError("a name is required")
    if control_character(name) or control_character(email):
        raise AccountError("the name and e-mail may not contain control characters")
    state_party_code = _checked_state_party(session, role, state_party_code)
    if session.scalar(select(func.count()).where(User.email == email)):
        raise EmailTaken(f"an account for {email} exists already")
    user = User(
        email=email,
        name=name.strip(),
        role=role,
        state_party_code=state_party_code,
        password_hash=hash_password(password) if password else None,
    )
    session.add(user)
    try:
        session.flush()
    except IntegrityError:  # created at the same moment by someone else
        raise EmailTaken(f"an account for {email} exists already") from None
    record(
        session,
        actor,
        "account.created",
        user,
        {"role": role.value, "state_party": user.state_party_code},
    )
    return user


def create_account(
    session: Session,
    actor: Actor,
    *,
    email: str,
    name: str,
    role: Role,
    state_party_code: str | None = None,
    password: str | None = None,
) -> User:
    """Create one account (the command line); commits."""
    with transaction(session):
        return create_user(
            session,
            actor,
            email=email,
            name=name,
            role=role,
            state_party_code=state_party_code,
            password=password,
        )


def _checked_state_party(session: Session, role: Role, state_party_code: str | None) -> str | None:
    """The state party code to store for this role, or why the pair does not fit."""
    if access.role_needs_state_party(role) and not state_party_code:
        raise AccountError(f"a {role.value.replace('_', ' ')} must belong to a state party")
    if access.role_excludes_state_party(role) and state_party_code:
        raise AccountError("secretariat accounts belong to no state party")
    if not state_party_code:
        return None
    if session.get(StateParty, state_party_code.upper()) is None:
        raise AccountError(f"unknown state party {state_party_code!r}; load the state parties")
    return state_party_code.upper()


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


def log_out(session: Session, user: User) -> None:
    """End every session of `user`, this one included; commits."""
    with transaction(session):
        end_sessions(session, user)


def set_language(session: Session, user: User, language: str) -> None:
    """Remember the language `user` chose, for their next log-in; commits."""
    with transaction(session):
        user.language = language


def change_password(
    session: Session, user: User, *, current_password: str, new_password: str
) -> None:
    """Replace the password after checking the current one; every other session ends."""
    if user.password_hash is None or not _matches(user.password_hash, current_password):
        raise WrongPassword("the current password is not correct")
    user.password_hash = hash_password(new_password)
    end_sessions(session, user)
    record(session, Actor.of(user), "account.password_changed", user)


def _matches(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


# The secretariat's account management.


class AccountStatus(enum.StrEnum):
    ACTIVE = "active"  # can log in
    INVITED = "invited"  # enabled, no password set yet
    DISABLED = "disabled"


@dataclass(frozen=True)
class AccountFilter:
    """What the account list is narrowed to; empty fields do not narrow."""

    role: Role | None = None
    state_party_code: str | None = None
    status: AccountStatus | None = None
    text: str = ""  # part of the e-mail or the name


def list_accounts(session: Session, actor: User, wanted: AccountFilter | None = None) -> list[User]:
    require_secretariat(actor)
    query = select(User).order_by(User.role, User.email)
    wanted = wanted or AccountFilter()
    if wanted.role is not None:
        query = query.where(access.accounts_in_role(wanted.role))
    if wanted.state_party_code:
        query = query.where(User.state_party_code == wanted.state_party_code.upper())
    if wanted.status is AccountStatus.DISABLED:
        query = query.where(User.active.is_(False))
    elif wanted.status is AccountStatus.INVITED:
        query = query.where(User.active.is_(True), User.password_hash.is_(None))
    elif wanted.status is AccountStatus.ACTIVE:
        query = query.where(User.active.is_(True), User.password_hash.is_not(None))
    if text := wanted.text.strip().lower():
        pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(
            or_(User.email.like(pattern, escape="\\"), User.name.ilike(pattern, escape="\\"))
        )
    return list(session.scalars(query))


def get_account(session: Session, actor: User, user_id: int) -> User:
    require_secretariat(actor)
    return get_user(session, user_id)


def set_account_active(session: Session, actor: User, user_id: int, *, active: bool) -> User:
    """Disable (its sessions end at once) or enable an account."""
    require_secretariat(actor)
    user = get_user(session, user_id)
    if user.id == actor.id and not active:
        raise AccountError("you cannot disable your own account; ask another secretariat officer")
    if user.active == active:
        return user
    with transaction(session):
        user.active = active
        if not active:
            end_sessions(session, user)
        record(session, Actor.of(actor), "account.enabled" if active else "account.disabled", user)
    return user


def reassign_account(
    session: Session, actor: User, user_id: int, *, role: Role, state_party_code: str | None
) -> User:
    """Give an account another role or state party; its sessions end, so new rights apply."""
    require_secretariat(actor)
    user = get_user(session, user_id)
    if user.id == actor.id:
        raise AccountError("you cannot change your own role; ask another secretariat officer")
    state_party_code = _checked_state_party(session, role, state_party_code)
    before = {"role": user.role.value, "state_party": user.state_party_code}
    after = {"role": role.value, "state_party": state_party_code}
    if before == after:
        return user
    with transaction(session):
        user.role = role
        user.state_party_code = state_party_code
        end_sessions(session, user)
        record(session, Actor.of(actor), "account.reassigned", user, {"from": before, "to": after})
    return user


def require_secretariat(actor: User) -> None:
    """Refuse anyone else: accounts and invitations are the secretariat's to manage."""
    access.require_secretariat(actor, "only the secretariat manages accounts")


def get_user(session: Session, user_id: int) -> User:
    """The account with this id, unchecked: callers check the actor's right first."""
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"account {user_id}")
    return user
