"""Run by the scale fixture in a child process: Iceland's open assessment and its focal
point, on the cluster's database; prints the ids the tests need, as JSON."""

from __future__ import annotations

import json

from questionnaire import create_app
from questionnaire.domain.scope import Scope
from questionnaire.models import Role, User
from questionnaire.services.accounts import SYSTEM, create_user
from questionnaire.services.assessments import create_assessment
from tests.scale.cluster import FOCAL_POINT, PASSWORD, SECRETARIAT

app = create_app()
with app.extensions["database"].sessions() as session:
    secretariat = session.query(User).filter_by(email=SECRETARIAT).one()
    assessment = create_assessment(
        session,
        secretariat,
        state_party_code="ISL",
        review_year=2026,
        scope=Scope(sections=("prevention",)),
    )
    create_user(
        session,
        SYSTEM,
        email=FOCAL_POINT,
        name="Focal point (Iceland)",
        role=Role.FOCAL_POINT,
        state_party_code="ISL",
        password=PASSWORD,
    )
    session.commit()
    print(json.dumps({"assessment_id": assessment.id, "commitment_id": "pd2021.p4"}))
