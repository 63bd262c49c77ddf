"""Log-in throttling: too many failures for one account, or from one address, stop guessing.

Counted from `LoginAttempt` rows with plain SQL counts, so it works the same on SQLite and
PostgreSQL and across worker processes. An attempt refused under throttling is recorded,
but does not count: a lock-out ends a window after the failures that caused it, however
often someone knocks meanwhile (otherwise anyone could keep any account locked for ever).
The secretariat can lift an account's lock-out; its failures then stop counting.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from questionnaire.domain.text import without_control_characters
from questionnaire.models import LoginAttempt, User, utc_now
from questionnaire.services.accounts import (
    Actor,
    WrongPassword,
    authenticate,
    change_password,
    get_user,
    normalize_email,
    require_secretariat,
)
from questionnaire.services.audit import record
from questionnaire.services.transactions import transaction

WINDOW = dt.timedelta(minutes=15)
FAILURES_PER_ACCOUNT = 5
FAILURES_PER_ADDRESS = 20
EMAIL_LENGTH = 254
ADDRESS_LENGTH = 64  # the column's width; an IPv6 address needs at most 45


class Outcome(enum.Enum):
    ACCEPTED = "accepted"  # the password was right
    REFUSED = "refused"  # wrong e-mail or password, or a disabled account
    THROTTLED = "throttled"  # not checked at all: too many recent failures


@dataclass(frozen=True)
class LogInResult:
    outcome: Outcome
    email: str
    user: User | None = None


def attempt_log_in(
    session: Session, email: str, password: str, address: str, now: dt.datetime | None = None
) -> LogInResult:
    """Check a log-in unless throttled, and record the attempt whatever its outcome; commits.

    Under throttling the password is not checked and the account is not looked up, so the
    answer and its cost are the same for known and unknown e-mails.
    """
    now = now or utc_now()
    # No account has control characters in its e-mail; PostgreSQL refuses a NUL in a query.
    email = without_control_characters(normalize_email(email))[:EMAIL_LENGTH]
    address = without_control_characters(address)[:ADDRESS_LENGTH]
    with transaction(session):
        if is_throttled(session, email, address, now):
            record_attempt(session, email, address, succeeded=False, now=now, counted=False)
            return LogInResult(Outcome.THROTTLED, email)
        user = authenticate(session, email, password)
        record_attempt(session, email, address, succeeded=user is not None, now=now)
    if user is None:
        return LogInResult(Outcome.REFUSED, email)
    return LogInResult(Outcome.ACCEPTED, email, user)


def attempt_password_change(
    session: Session,
    user: User,
    *,
    current_password: str,
    new_password: str,
    address: str,
    now: dt.datetime | None = None,
) -> Outcome:
    """Change the password; a wrong current password counts as a failed log-in.

    Otherwise a stolen session would be an unthrottled way to guess the password.
    Raises `AccountError` when the new password is refused. Commits the change or the
    failed attempt.
    """
    now = now or utc_now()
    with transaction(session):
        if is_throttled(session, user.email, address[:ADDRESS_LENGTH], now):
            return Outcome.THROTTLED
        try:
            change_password(
                session, user, current_password=current_password, new_password=new_password
            )
        except WrongPassword:
            record_attempt(session, user.email, address, succeeded=False, now=now)
            return Outcome.REFUSED
    return Outcome.ACCEPTED


def is_throttled(session: Session, email: str, address: str, now: dt.datetime) -> bool:
    """Whether recent failures for this e-mail (any address) or from this address are too many."""
    since = now - WINDOW
    recent_failures = select(func.count()).where(
        LoginAttempt.succeeded.is_(False), LoginAttempt.counted.is_(True), LoginAttempt.at > since
    )
    for_account = session.scalar(recent_failures.where(LoginAttempt.email == email)) or 0
    if for_account >= FAILURES_PER_ACCOUNT:
        return True
    from_address = session.scalar(recent_failures.where(LoginAttempt.address == address)) or 0
    return from_address >= FAILURES_PER_ADDRESS


def record_attempt(
    session: Session,
    email: str,
    address: str,
    *,
    succeeded: bool,
    now: dt.datetime,
    counted: bool = True,
) -> LoginAttempt:
    attempt = LoginAttempt(
        email=normalize_email(email)[:EMAIL_LENGTH],
        address=address[:ADDRESS_LENGTH],
        succeeded=succeeded,
        at=now,
        counted=counted,
    )
    session.add(attempt)
    return attempt


def locked_accounts(
    session: Session, actor: User, now: dt.datetime | None = None
) -> dict[str, dt.datetime]:
    """The e-mails locked out now, each with the time its lock-out ends by itself."""
    require_secretariat(actor)
    now = now or utc_now()
    failures: dict[str, list[dt.datetime]] = {}
    for email, at in session.execute(
        select(LoginAttempt.email, LoginAttempt.at)
        .where(
            LoginAttempt.succeeded.is_(False),
            LoginAttempt.counted.is_(True),
            LoginAttempt.at > now - WINDOW,
        )
        .order_by(LoginAttempt.at.desc())
    ):
        failures.setdefault(email, []).append(at)
    # Locked until the failure that makes the count reach the limit leaves the window.
    return {
        email: times[FAILURES_PER_ACCOUNT - 1] + WINDOW
        for email, times in failures.items()
        if len(times) >= FAILURES_PER_ACCOUNT
    }


def lift_lockout(
    session: Session, actor: User, user_id: int, now: dt.datetime | None = None
) -> User:
    """End an account's lock-out now (the secretariat only); audited; commits."""
    require_secretariat(actor)
    now = now or utc_now()
    user = get_user(session, user_id)
    with transaction(session):
        lifted = session.execute(
            update(LoginAttempt)
            .where(
                LoginAttempt.email == user.email,
                LoginAttempt.succeeded.is_(False),
                LoginAttempt.counted.is_(True),
                LoginAttempt.at > now - WINDOW,
            )
            .values(counted=False)
            .execution_options(synchronize_session=False)
        ).rowcount  # type: ignore[attr-defined]
        record(session, Actor.of(actor), "account.lockout_lifted", user, {"failures": lifted})
    return user
