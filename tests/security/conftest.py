"""Fixtures of the security suite.

Argon2 at its production cost takes half a second per hash and per log-in; this suite
creates and logs in dozens of people to walk the application, so it hashes at the
library's cheapest setting. Verification reads the parameters from each hash, so nothing
else changes; the production cost and the log-in defences are tested in
tests/web/test_login_security.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy.orm import Session

from questionnaire.models import Role
from tests.security.helpers import open_small_assessment

# The two countries seeded with canaries, walked by GET in test_canary.py and by POST in
# test_canary_posts.py.
from tests.security.test_canary import two_countries  # noqa: F401

# The world of the every-route test (both roles' objects, a job, an evidence file), reused
# by the header walk so both walks cover the same routes with the same ids.
from tests.web.test_route_access import world  # noqa: F401

FOCAL_POINT = "fp@china.test"


@dataclass(frozen=True)
class Target:
    """China's focal point and the first commitment of a small Chinese questionnaire."""

    user_id: int
    assessment_id: int
    item_id: int
    commitment_id: str


@pytest.fixture()
def target(db: Session, make_user: Any, loaded_bank: Any) -> Target:
    make_user("officer@secretariat.test", Role.SECRETARIAT)
    focal_point = make_user(FOCAL_POINT, Role.FOCAL_POINT, "CHN")
    assessment = open_small_assessment(db, "CHN")
    item = assessment.items[0]
    return Target(focal_point.id, assessment.id, item.id, item.commitment_id)
