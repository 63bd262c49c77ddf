"""Invitations: one-time, expiring links with which an invited person sets their password.

Without a mail server, the secretariat hands the link over itself. Only the SHA-256 of a
link's token is stored, so a copy of the database opens no account. Each use case commits
once, the change and its audit record together (see `transactions`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from questionnaire.models import Invitation, Role, User, utc_now
from questionnaire.services.accounts import (
    AccountError,
    Actor,
    create_user,
    end_sessions,
    get_user,
    hash_password,
    require_secretariat,
)
from questionnaire.services.audit import record
from questionnaire.services.transactions import transaction

INVITATION_LIFETIME = dt.timedelta(days=7)


class InvalidInvitation(AccountError):
    """Unknown, used, expired or replaced: the same answer for all, so nothing leaks."""


@dataclass(frozen=True)
class IssuedInvitation:
    """The link's token, shown once: only its SHA-256 is stored."""

    user: User
    token: str
    expires_at: dt.datetime


def invite_user(
    session: Session,
    actor: User,
    *,
    email: str,
    name: str,
    role: Role,
    state_party_code: str | None = None,
) -> IssuedInvitation:
    """Create an account without a password and an invitation with which its owner sets one."""
    require_secretariat(actor)
    with transaction(session):
        user = create_user(
            session,
            Actor.of(actor),
            email=email,
            name=name,
            role=role,
            state_party_code=state_party_code,
        )
        return _issue_invitation(session, actor, user, "account.invited")


def reissue_invitation(session: Session, actor: User, user_id: int) -> IssuedInvitation:
    """A new link (lost link, forgotten password); older links for the account stop working."""
    require_secretariat(actor)
    user = get_user(session, user_id)
    if not user.active:
        raise AccountError("the account is disabled; enable it before inviting its owner again")
    with transaction(session):
        return _issue_invitation(session, actor, user, "account.invitation_reissued")


def find_valid_invitation(
    session: Session, token: str, now: dt.datetime | None = None
) -> tuple[Invitation, User]:
    """The invitation this token opens and the invited account, if it can still be used."""
    now = now or utc_now()
    invitation = session.scalar(
        select(Invitation).where(Invitation.token_hash == _token_hash(token))
    )
    if invitation is None or invitation.used_at is not None or invitation.expires_at <= now:
        raise InvalidInvitation("this invitation link is no longer valid")
    user = session.get(User, invitation.user_id)
    if user is None or not user.active:
        raise InvalidInvitation("this invitation link is no longer valid")
    return invitation, user


def accept_invitation(
    session: Session, token: str, password: str, now: dt.datetime | None = None
) -> User:
    """Set the invited person's password and use the link up; they are then logged in."""
    now = now or utc_now()
    invitation, user = find_valid_invitation(session, token, now)
    password_hash = hash_password(password)
    with transaction(session):
        # Conditional on still being unused, so two simultaneous submissions cannot both
        # succeed.
        claimed = session.execute(
            update(Invitation)
            .where(Invitation.id == invitation.id, Invitation.used_at.is_(None))
            .values(used_at=now)
        )
        if claimed.rowcount != 1:  # type: ignore[attr-defined]
            raise InvalidInvitation("this invitation link is no longer valid")
        user.password_hash = password_hash
        user.last_login_at = now
        end_sessions(session, user)
        record(session, Actor.of(user), "account.invitation_used", user)
    return user


def _issue_invitation(
    session: Session, actor: User, user: User, action: str, now: dt.datetime | None = None
) -> IssuedInvitation:
    """A fresh link for `user`, audited as `action`; links still open for the account
    expire now, so one works."""
    now = now or utc_now()
    still_open = select(Invitation).where(
        Invitation.user_id == user.id, Invitation.used_at.is_(None), Invitation.expires_at > now
    )
    for older in session.scalars(still_open):
        older.expires_at = now
    token = secrets.token_urlsafe(32)
    expires_at = now + INVITATION_LIFETIME
    session.add(
        Invitation(
            user_id=user.id,
            token_hash=_token_hash(token),
            created_by_id=actor.id,
            created_at=now,
            expires_at=expires_at,
        )
    )
    session.flush()
    record(session, Actor.of(actor), action, user, {"expires_at": expires_at.isoformat()})
    return IssuedInvitation(user, token, expires_at)


def _token_hash(token: str) -> str:
    """What is stored of a token: a leaked row cannot be turned back into a working link."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
