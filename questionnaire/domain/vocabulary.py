"""The bank's words the code relies on: question ids, scale ids and scale values.

Most of the bank is data the code never names: a new edition can add commitments,
questions and options freely. A few ids are read by name, because scoring, the reports and
the review pages compute with them; they are spelled here once, and everything else
imports them. A bank edition that renames one of these needs a code change, and this
module is where to make it; the database does not pin them (migration 0008).
"""

from __future__ import annotations

# Scales (`question_bank/scales.yaml`).
STATUS_SCALE = "implementation_status"
FRAMEWORK_SCALE = "framework_rating"
PRACTICE_SCALE = "practice_rating"
TECHNICAL_ASSISTANCE_SCALE = "technical_assistance_types"
CHALLENGES_SCALE = "challenges"
# The scales scoring reads, in the order reports explain them.
SCORING_SCALES = (STATUS_SCALE, FRAMEWORK_SCALE, PRACTICE_SCALE)

# Questions every assessable commitment asks (`question_bank/blocks.yaml`), by local id.
STATUS_QUESTION = "status"
MEASURES_QUESTION = "measures"
CHALLENGES_QUESTION = "challenges"
TA_NEEDED_QUESTION = "ta_needed"
TA_TYPES_QUESTION = "ta_types"
TA_OTHER_QUESTION = "ta_other"
TA_PROVIDED_QUESTION = "ta_provided"
TA_PROVIDED_BY_QUESTION = "ta_provided_by"

# Values of the implementation status scale.
STATUS_YES = "yes"
STATUS_IN_PART = "in_part"
STATUS_NO = "no"
STATUS_NOT_APPLICABLE = "not_applicable"
# A status that claims measures exist, so the measures must be cited.
SUBSTANTIATED_STATUSES = frozenset({STATUS_YES, STATUS_IN_PART})

# Values of the yes / no scales, and the "other" option a scale may end with.
YES = "yes"
NO = "no"
OTHER = "other"

# Framework ratings that make a commitment's gap a high priority.
FRAMEWORK_PARTIALLY = "partially"
FRAMEWORK_NOT_IMPLEMENTED = "not_implemented"
