"""The words the gap reports print, in Chinese and English.

Texts from the bank (titles, questions, scale options) come from the bank itself; only
what the bank does not hold lives here: sheet names, column headers, workflow and
follow-up states, priorities, and the sentences that explain the scores.
"""

from __future__ import annotations

from enum import StrEnum

from questionnaire.domain.bank.schema import Localized

LANGUAGES = ("zh", "en")

# key -> (zh, en)
_TEXTS: dict[str, tuple[str, str]] = {
    # sheet names (Excel allows at most 31 characters)
    "sheet.summary": ("概要", "Summary"),
    "sheet.gap_analysis": ("差距分析", "Gap analysis"),
    "sheet.good_practices": ("成功经验和良好做法", "Successes and good practices"),
    "sheet.challenges": ("实施方面的挑战和建议", "Challenges and recommendations"),
    "sheet.technical_assistance": ("技术援助需要", "Technical assistance needs"),
    "sheet.by_article": ("按《公约》条款", "By UNCAC article"),
    "sheet.responses": ("答复", "Responses"),
    "sheet.legend": ("说明", "Legend"),
    "sheet.section_matrix": ("缔约国×章节", "State party x section"),
    "sheet.commitment_matrix": ("缔约国×承诺", "State party x commitment"),
    "sheet.progress": ("评估进度", "Progress"),
    "sheet.ta_totals": ("技术援助需要汇总", "Technical assistance totals"),
    "sheet.frequent_challenges": ("常见挑战", "Frequent challenges"),
    "sheet.tidy": ("长表数据", "Tidy data"),
    # summary
    "summary.title": ("政治宣言自评估差距报告", "Political declaration self-assessment gap report"),
    "summary.state_party": ("缔约国", "State party"),
    "summary.regional_group": ("区域组", "Regional group"),
    "summary.review_year": ("审议年份", "Review year"),
    "summary.reviewers": ("政府专家", "Governmental experts"),
    "summary.created": ("创建日期", "Created"),
    "summary.submitted": ("提交日期", "Submitted"),
    "summary.finalized": ("定稿日期", "Finalized"),
    "summary.status": ("状态", "Status"),
    "summary.consent": ("公布同意", "Publication consent"),
    "summary.bank": ("题库", "Question bank"),
    "summary.scores_heading": (
        "得分（本应用的内部衡量标准）",
        "Scores (this application's own measure)",
    ),
    "summary.chart_title": (
        "各章节得分（本应用的衡量标准）",
        "Section scores (application measure)",
    ),
    "summary.overall": ("总体", "Overall"),
    # shared column headers
    "col.section": ("章节", "Section"),
    "col.paragraph": ("段落", "Paragraph"),
    "col.commitment": ("承诺", "Commitment"),
    "col.source_text": ("宣言原文（中文）", "Declaration text (Chinese source)"),
    "col.uncac": ("《公约》条款（关联类型）", "UNCAC references (link type)"),
    "col.irm_cycle": ("审议周期", "IRM cycle"),
    "col.chapter": ("《公约》章", "UNCAC chapter"),
    "col.cluster": ("专题组", "Thematic cluster"),
    "col.article": ("《公约》条款", "UNCAC article"),
    "col.link": ("关联类型", "Link type"),
    "col.strength": ("承诺力度", "Strength"),
    "col.weight": ("权重", "Weight"),
    "col.self_status": ("缔约国自评状况", "State's own status"),
    "col.framework": ("法律和体制框架（审议专家）", "Framework (reviewers)"),
    "col.practice": ("实际执行情况（审议专家）", "Practice (reviewers)"),
    "col.score": ("得分（本应用衡量）", "Score (application measure)"),
    "col.gap": ("差距", "Gap"),
    "col.basis": ("得分依据", "Score basis"),
    "col.priority": ("优先级", "Priority"),
    "col.observations": ("审议意见", "Observations"),
    "col.explanation": ("得分说明", "How the score was computed"),
    "col.answered": ("已评分", "Scored"),
    "col.asked": ("应评", "Asked"),
    "col.coverage": ("覆盖率", "Coverage"),
    "col.good_practice": ("成功经验和良好做法", "Success or good practice"),
    "col.recommendation_id": ("建议编号", "Recommendation id"),
    "col.challenge": ("实施方面的挑战", "Challenge"),
    "col.recommendation": ("建议", "Recommendation"),
    "col.suggested_wording": ("建议措辞", "Suggested wording"),
    "col.follow_up": ("后续落实状况", "Follow-up status"),
    "col.source": ("来源", "Source"),
    "col.ta_type": ("技术援助类型", "Type of assistance"),
    "col.description": ("说明", "Description"),
    "col.already_provided": ("是否已提供", "Already provided"),
    "col.provided_by": ("提供方", "Provided by"),
    "col.finding_kind": ("类别", "Kind"),
    "col.finding": ("审议结论", "Finding"),
    "col.question_id": ("问题编号", "Question id"),
    "col.question": ("问题", "Question"),
    "col.answer": ("答复", "Answer"),
    "col.code": ("代码", "Code"),
    "col.state_party": ("缔约国", "State party"),
    "col.regional_group": ("区域组", "Regional group"),
    "col.review_year": ("审议年份", "Review year"),
    "col.bank_version": ("题库版本", "Bank version"),
    "col.status": ("状态", "Status"),
    "col.questions_answered": ("已答问题", "Questions answered"),
    "col.submitted": ("提交日期", "Submitted"),
    "col.total": ("合计", "Total"),
    "col.states": ("缔约国数", "States"),
    "col.mentions": ("提及次数", "Mentions"),
    "col.scale": ("量表", "Scale"),
    "col.value": ("取值", "Value"),
    "col.label": ("标签", "Label"),
    "col.points": ("分值", "Points"),
    "col.item": ("项目", "Item"),
    "col.text": ("内容", "Text"),
    "paragraph.short": ("第{n}段", "P{n}"),
    # sources and fixed values
    "source.reviewers": ("审议专家", "Reviewers"),
    "source.state": ("缔约国自评", "State party"),
    "value.yes": ("是", "Yes"),
    "value.no": ("否", "No"),
    "value.beyond_uncac": ("《公约》以外", "Beyond UNCAC"),
    "value.observations": ("审议意见", "Observations"),
    # legend
    "legend.disclaimer": (
        "得分是本应用自己的衡量标准；《联合国反腐败公约》实施情况审议机制不作任何评级。",
        "Scores are this application's own measure; "
        "the UNCAC Implementation Review Mechanism produces no ratings.",
    ),
    "legend.scales": ("评分量表", "Rating scales"),
    "legend.formulas": ("计算公式", "Scoring formulas"),
    "legend.bank": ("题库", "Question bank"),
    "legend.bank_id": ("题库编号", "Bank id"),
    "legend.bank_version": ("版本", "Version"),
    "legend.bank_checksum": ("校验和", "Checksum"),
    "legend.bank_edition": ("版次", "Edition"),
    "legend.strength_weights": ("按承诺力度的默认权重", "Default weight by strength"),
    "formula.self": (
        "自评得分：是 = 1，部分 = 0.5，否 = 0；不适用或未答不计分。",
        "Self-assessment score: Yes = 1, Yes in part = 0.5, No = 0; "
        "Not applicable or unanswered is not scored.",
    ),
    "formula.reviewer": (
        "审议专家得分 = 已评两个维度（框架 0–3、实际执行 0–3）的平均值 ÷ 3；"
        "不适用和证据不足不计入。",
        "Reviewer score = mean of the rated axes (framework 0-3, practice 0-3) / 3; "
        "Not applicable and insufficient evidence are left out.",
    ),
    "formula.score": (
        "承诺得分 = 有审议专家得分时取该得分，否则取自评得分；差距 = 1 − 得分。",
        "Commitment score = reviewer score when there is one, else the self-assessment "
        "score; gap = 1 - score.",
    ),
    "formula.rollup": (
        "章节和总体得分 = 已评分承诺得分的加权平均（权重见下）；覆盖率 = 已评分 ÷ 应评。",
        "Section and overall scores = weighted mean of the scored commitments (weights "
        "below); coverage = scored / asked.",
    ),
    "formula.priority": (
        "优先级：承诺力度为“承诺”且框架评级为部分实施或未实施（或无审议专家评级且自评为否）"
        "时为高；否则差距 ≥ 0.5 为中；差距 > 0 为低；无得分或无差距为无。",
        "Priority: High when the strength is 'commit' and the framework is partially or not "
        "implemented (or, without reviewer ratings, the state answered No); else Medium when "
        "gap >= 0.5; Low when gap > 0; None when there is no score or no gap.",
    ),
    "formula.weights": (
        "权重 = 题库中该承诺的权重（默认按承诺力度，见下）；权重为 0 的承诺不计入汇总。",
        "Weight = the commitment's weight in the bank (by default from its strength, below); "
        "commitments of weight 0 are left out of roll-ups.",
    ),
    # a recommendation without an action (the wording itself: domain.recommendations)
    "wording.default_action": (
        "全面落实第{paragraph}段（{title}）",
        "fully implement paragraph {paragraph} ({title})",
    ),
    # enumerations, keyed by the enum's class name and value
    "WorkflowStatus.draft": ("草稿", "Draft"),
    "WorkflowStatus.submitted": ("已提交", "Submitted"),
    "WorkflowStatus.in_review": ("审议中", "In review"),
    "WorkflowStatus.clarification_requested": ("要求澄清", "Clarification requested"),
    "WorkflowStatus.answered": ("已答复", "Answered"),
    "WorkflowStatus.review_completed": ("审议完成", "Review completed"),
    "WorkflowStatus.finalized": ("已定稿", "Finalized"),
    "PublicationConsent.not_recorded": ("未记录", "Not recorded"),
    "PublicationConsent.full_report": ("同意公布全文", "Full report may be published"),
    "PublicationConsent.executive_summary": ("仅公布内容提要", "Executive summary only"),
    "PublicationConsent.confidential": ("不公布", "Confidential"),
    "FindingKind.good_practice": ("成功经验和良好做法", "Good practice"),
    "FindingKind.challenge": ("实施方面的挑战", "Challenge"),
    "FindingKind.technical_assistance": ("技术援助需要", "Technical assistance need"),
    "FollowUpStatus.open": ("未处理", "Open"),
    "FollowUpStatus.in_progress": ("正在落实", "In progress"),
    "FollowUpStatus.implemented": ("已落实", "Implemented"),
    "FollowUpStatus.not_implemented": ("未落实", "Not implemented"),
    "Priority.high": ("高", "High"),
    "Priority.medium": ("中", "Medium"),
    "Priority.low": ("低", "Low"),
    "Priority.none": ("无", "None"),
    "ScoreBasis.reviewer": ("审议专家评级", "Reviewer ratings"),
    "ScoreBasis.self_assessment": ("仅缔约国自评", "Self-assessment only"),
    "ScoreBasis.none": ("未评分", "Not scored"),
    "Strength.commit": ("承诺", "Commit"),
    "Strength.encourage": ("鼓励", "Encourage"),
    "Strength.invite_to_consider": ("邀请考虑", "Invite to consider"),
    "Strength.take_note": ("注意到", "Take note"),
    "LinkType.explicit": ("明文", "explicit"),
    "LinkType.inferred": ("推断", "inferred"),
}


class UnsupportedLanguage(ValueError):
    """A report language other than the two the bank is written in."""


def check_language(language: str) -> str:
    if language not in LANGUAGES:
        raise UnsupportedLanguage(f"report language must be 'zh' or 'en'; got {language!r}")
    return language


class Labels:
    """The report's words in one language; `labels["col.score"]` or `labels.value(enum)`."""

    def __init__(self, language: str) -> None:
        self.language = check_language(language)
        self._index = LANGUAGES.index(language)

    def __getitem__(self, key: str) -> str:
        return _TEXTS[key][self._index]

    def value(self, member: StrEnum) -> str:
        return self[f"{type(member).__name__}.{member.value}"]

    def value_of(self, enum_name: str, value: str) -> str:
        """The label of a stored enum value; the value itself when it is not known here."""
        texts = _TEXTS.get(f"{enum_name}.{value}")
        return texts[self._index] if texts else value

    def bank_text(self, text: Localized) -> str:
        return text.zh if self.language == "zh" else text.en

    def yes_no(self, flag: bool | None) -> str:
        if flag is None:
            return ""
        return self["value.yes"] if flag else self["value.no"]

    def paragraph(self, number: int) -> str:
        return self["paragraph.short"].format(n=number)
