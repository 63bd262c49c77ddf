"""Browse the question bank: every commitment with its source text and questions."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request

from questionnaire.extensions import db_session
from questionnaire.services.bank_store import latest_question_bank
from questionnaire.web.policy import allow

blueprint = Blueprint("bank", __name__, url_prefix="/bank")


@blueprint.get("/")
@allow()
def index() -> str:
    bank = latest_question_bank(db_session())
    if bank is None:
        return render_template("bank/empty.html")
    only_assessable = request.args.get("assessable") == "1"
    theme = request.args.get("theme", "")
    commitments = [
        c
        for c in bank.commitments
        if (not only_assessable or c.assessable) and (not theme or theme in c.spec.themes)
    ]
    return render_template(
        "bank/index.html",
        bank=bank,
        commitments=commitments,
        only_assessable=only_assessable,
        theme=theme,
    )


@blueprint.get("/<commitment_id>")
@allow()
def commitment(commitment_id: str) -> str:
    bank = latest_question_bank(db_session())
    if bank is None:
        abort(404)
    try:
        item = bank.commitment(commitment_id)
    except KeyError:
        abort(404)
    return render_template("bank/commitment.html", bank=bank, commitment=item)
