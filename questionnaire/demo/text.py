"""Realistic, clearly fictional texts for demo data, in Chinese and English.

Demo answers must read like a real self-assessment (laws, agencies, years, case numbers)
so screens and reports can be judged at full scale, yet be reproducible: every choice is
drawn from the `random.Random` the caller passes in, never from the global generator.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

Language = Literal["zh", "en"]


@dataclass(frozen=True)
class Topic:
    """What a theme's answers talk about: a law, the agency applying it, its subject."""

    law_en: str
    law_zh: str
    agency_en: str
    agency_zh: str
    subject_en: str
    subject_zh: str


_INTEGRITY = Topic(
    "Anti-Corruption Act",
    "反腐败法",
    "National Anti-Corruption Commission",
    "国家反腐败委员会",
    "corruption prevention",
    "预防腐败",
)
_PUBLIC_SERVICE = Topic(
    "Public Service Ethics Act",
    "公职人员道德法",
    "Public Service Commission",
    "公务员委员会",
    "codes of conduct and asset declarations",
    "行为守则和财产申报",
)
_FINANCE = Topic(
    "Public Finance Management Act",
    "公共财政管理法",
    "National Audit Office",
    "国家审计署",
    "budget transparency and audit follow-up",
    "预算透明和审计整改",
)
_PROCUREMENT = Topic(
    "Public Procurement Act",
    "政府采购法",
    "Public Procurement Authority",
    "公共采购管理局",
    "open and competitive procurement",
    "公开竞争的政府采购",
)
_POLITICAL = Topic(
    "Political Parties Financing Act",
    "政党资金法",
    "Electoral Commission",
    "选举委员会",
    "political and campaign finance",
    "政治和竞选资金",
)
_PRIVATE = Topic(
    "Companies Act",
    "公司法",
    "Companies and Securities Commission",
    "公司和证券委员会",
    "corporate compliance and accounting standards",
    "企业合规和会计标准",
)
_AML = Topic(
    "Anti-Money Laundering Act",
    "反洗钱法",
    "Financial Intelligence Unit",
    "金融情报中心",
    "beneficial ownership and suspicious transaction reporting",
    "受益所有权和可疑交易报告",
)
_CRIMINAL = Topic(
    "Criminal Code",
    "刑法",
    "Anti-Corruption Prosecution Office",
    "反腐败检察院",
    "the investigation and prosecution of corruption offences",
    "腐败犯罪的侦查和起诉",
)
_COOPERATION = Topic(
    "Mutual Legal Assistance in Criminal Matters Act",
    "刑事司法协助法",
    "Central Authority of the Ministry of Justice",
    "司法部中央机关",
    "extradition and mutual legal assistance",
    "引渡和司法协助",
)
_RECOVERY = Topic(
    "Proceeds of Crime Act",
    "犯罪所得追缴法",
    "Asset Recovery and Management Office",
    "资产追回和管理办公室",
    "the tracing, confiscation and return of assets",
    "资产追查、没收和返还",
)
_SOCIETY = Topic(
    "Access to Information Act",
    "政府信息公开法",
    "Information Commissioner",
    "信息专员办公室",
    "access to information and the participation of society",
    "信息公开和社会参与",
)
_WHISTLE = Topic(
    "Whistle-blower Protection Act",
    "举报人保护法",
    "Office of the Ombudsman",
    "监察专员办公室",
    "the protection of reporting persons and witnesses",
    "举报人和证人保护",
)
_ASSISTANCE = Topic(
    "Development Cooperation Act",
    "发展合作法",
    "Ministry of Foreign Affairs",
    "外交部",
    "technical assistance and information exchange",
    "技术援助和信息交流",
)

THEME_TOPICS: dict[str, Topic] = {
    "policies_strategies": _INTEGRITY,
    "anti_corruption_bodies": _INTEGRITY,
    "review_mechanism": _INTEGRITY,
    "data_knowledge": _INTEGRITY,
    "emergencies_covid": _PROCUREMENT,
    "public_sector_integrity": _PUBLIC_SERVICE,
    "conflicts_of_interest": _PUBLIC_SERVICE,
    "education_awareness": _SOCIETY,
    "audit_oversight": _FINANCE,
    "public_finance": _FINANCE,
    "public_procurement": _PROCUREMENT,
    "technology": _PROCUREMENT,
    "political_finance": _POLITICAL,
    "private_sector": _PRIVATE,
    "beneficial_ownership": _AML,
    "aml_fiu": _AML,
    "organized_crime": _CRIMINAL,
    "criminalization_sanctions": _CRIMINAL,
    "law_enforcement": _CRIMINAL,
    "judiciary_prosecution": _CRIMINAL,
    "domestic_cooperation": _CRIMINAL,
    "sport": _CRIMINAL,
    "international_cooperation": _COOPERATION,
    "migration": _COOPERATION,
    "asset_recovery": _RECOVERY,
    "asset_return_disposal": _RECOVERY,
    "participation_of_society": _SOCIETY,
    "access_to_information": _SOCIETY,
    "journalists_media": _SOCIETY,
    "gender": _SOCIETY,
    "whistle_blower_protection": _WHISTLE,
    "technical_assistance": _ASSISTANCE,
    "agenda_2030": _ASSISTANCE,
    "un_system": _ASSISTANCE,
}

# Sentence templates; {law}, {agency}, {subject}, {year}, {later}, {number}, {share} and
# the others of `_fill_values` are filled per answer; the first sentence of each tuple
# introduces the subject and is always used. Chinese templates quote laws in 《》, as
# Chinese official texts do.
_MEASURES = {
    "en": (
        "The {law} of {year} sets out the legal framework for {subject}.",
        "Implementing regulations adopted in {later} specify the procedures and the "
        "responsibilities of each institution.",
        "The {agency} is responsible for applying these rules and reports on them every year.",
        "Sector-specific guidelines issued by the {agency} in {later} complement the law.",
        "An amendment to the {law} in {later} extended its scope to state-owned enterprises.",
    ),
    "zh": (
        "{year}年《{law}》确立了{subject}的法律框架。",
        "{later}年通过的实施条例明确了程序及各机构的职责。",
        "{agency}负责执行上述规定，并每年报告执行情况。",
        "{agency}于{later}年发布的行业指南对该法作了补充。",
        "{later}年对《{law}》的修订将其适用范围扩大到国有企业。",
    ),
}
_EXAMPLES = {
    "en": (
        "In {later}, the {agency} handled {number} cases concerning {subject}.",
        "{share}% of those cases led to disciplinary or criminal sanctions.",
        "An evaluation in {later} found that processing times had fallen by a third since {year}.",
        "Training was given to {trained} officials of {institutions} institutions.",
    ),
    "zh": (
        "{later}年，{agency}共处理涉及{subject}的案件{number}起。",
        "其中{share}%的案件给予了纪律处分或追究了刑事责任。",
        "{later}年的评估显示，办理时限自{year}年以来缩短了三分之一。",
        "已对{institutions}个机构的{trained}名公职人员开展了培训。",
    ),
}
_STEPS = {
    "en": (
        "A draft amendment to the {law} is being prepared and should reach parliament by {next}.",
        "The {agency} will adopt implementing guidelines once the amendment is in force.",
        "Additional staff and an electronic case-management system are planned for {next}.",
    ),
    "zh": (
        "《{law}》修正草案正在起草，预计于{next}年提交立法机关审议。",
        "修正案生效后，{agency}将制定实施细则。",
        "计划于{next}年增加人员编制并建立电子案件管理系统。",
    ),
}
_NOT_APPLICABLE = {
    "en": (
        "This commitment does not apply: the situation it addresses does not arise under "
        "the national legal system.",
    ),
    "zh": ("本国法律制度下不存在该承诺所针对的情形，因此不适用。",),
}
_BODY = {
    "en": (
        "The {agency}, established by the {law} of {year}, with its own budget line.",
        "The {agency} leads; a deputy minister chairs its quarterly meetings.",
    ),
    "zh": (
        "{agency}，依据{year}年《{law}》设立，预算单列。",
        "由{agency}牵头，副部长主持季度会议。",
    ),
}
_TITLE = {
    "en": (
        "National Anti-Corruption Strategy {later}-{next}, adopted by the Council of Ministers.",
    ),
    "zh": ("《国家反腐败战略（{later}—{next}年）》，由国务院通过。",),
}
_CHALLENGES_OTHER = {
    "en": (
        "Frequent staff turnover in the institutions concerned.",
        "Delays in adopting the implementing regulations.",
    ),
    "zh": ("相关机构人员流动频繁。", "实施条例出台滞后。"),
}
_ASSISTANCE_OTHER = {
    "en": ("Regional workshops and peer exchanges with neighbouring States.",),
    "zh": ("区域研讨会以及与邻国的同行交流。",),
}
_OTHER = {
    "en": ("An arrangement not listed above, described in the annual report of the {agency}.",),
    "zh": ("上文未列出的一项安排，详见{agency}的年度报告。",),
}
_PROVIDERS = {
    "en": (
        "UNODC",
        "UNDP",
        "the World Bank",
        "the OECD",
        "the European Union",
        "bilateral partners",
    ),
    "zh": (
        "联合国毒品和犯罪问题办公室",
        "联合国开发计划署",
        "世界银行",
        "经合组织",
        "欧洲联盟",
        "双边伙伴",
    ),
}
_GENERAL = {
    "en": (
        "Practice is described in the annual report of the {agency}.",
        "The {agency} publishes guidance and meets stakeholders twice a year on {subject}.",
    ),
    "zh": (
        "具体做法见{agency}的年度报告。",
        "{agency}发布指导意见，并每年两次就{subject}与利益攸关方会商。",
    ),
}


def topic_for(themes: Sequence[str]) -> Topic:
    """The topic of a commitment's first theme that has one; integrity otherwise."""
    return next((THEME_TOPICS[theme] for theme in themes if theme in THEME_TOPICS), _INTEGRITY)


def answer_text(
    rng: random.Random, question_id: str, themes: Sequence[str], language: Language, year: int
) -> str:
    """A plausible answer to the text question `question_id` of a commitment on `themes`."""
    topic = topic_for(themes)
    if question_id == "measures":
        return _sentences(rng, _MEASURES[language], topic, language, year, 1, 4)
    if question_id == "examples" or question_id.endswith("projects"):
        return _sentences(rng, _EXAMPLES[language], topic, language, year, 1, 3)
    if question_id == "steps_needed" or question_id.startswith("reforms"):
        return _sentences(rng, _STEPS[language], topic, language, year, 1, 3)
    if question_id == "not_applicable_reason":
        return _sentences(rng, _NOT_APPLICABLE[language], topic, language, year, 1, 1)
    if question_id.startswith("challenges"):
        return rng.choice(_CHALLENGES_OTHER[language])
    if question_id == "ta_other":
        return rng.choice(_ASSISTANCE_OTHER[language])
    if question_id.endswith("_other"):
        return _sentences(rng, _OTHER[language], topic, language, year, 1, 1)
    if question_id.endswith("provided_by"):
        separator = "、" if language == "zh" else " and "
        return separator.join(rng.sample(_PROVIDERS[language], 2))
    if question_id.startswith("strategy_title"):
        return _sentences(rng, _TITLE[language], topic, language, year, 1, 1)
    if any(word in question_id for word in ("body", "name", "lead", "authorit", "office")):
        return _sentences(rng, _BODY[language], topic, language, year, 1, 1)
    return _sentences(rng, _GENERAL[language], topic, language, year, 1, 2)


def _sentences(
    rng: random.Random,
    templates: Sequence[str],
    topic: Topic,
    language: Language,
    year: int,
    fewest: int,
    most: int,
) -> str:
    """The first template, which introduces the subject, and some of the others, in order."""
    count = rng.randint(fewest, min(most, len(templates)))
    chosen = [0, *sorted(rng.sample(range(1, len(templates)), count - 1))]
    values = _fill_values(rng, topic, language, year)
    separator = "" if language == "zh" else " "
    return separator.join(templates[index].format(**values) for index in chosen)


def _fill_values(
    rng: random.Random, topic: Topic, language: Language, year: int
) -> dict[str, object]:
    enacted = rng.randint(year - 18, year - 4)
    return {
        "law": topic.law_zh if language == "zh" else topic.law_en,
        "agency": topic.agency_zh if language == "zh" else topic.agency_en,
        "subject": topic.subject_zh if language == "zh" else topic.subject_en,
        "year": enacted,
        "later": rng.randint(enacted + 1, year - 1),
        "next": year + rng.randint(1, 3),
        "number": rng.choice((12, 37, 58, 124, 215, 340, 1260)) + rng.randint(0, 9),
        "share": rng.randint(18, 76),
        "trained": rng.randint(3, 90) * 10,
        "institutions": rng.randint(6, 60),
    }


def evidence_title(themes: Sequence[str], language: Language, year: int) -> str:
    topic = topic_for(themes)
    return f"《{topic.law_zh}》（{year}年）" if language == "zh" else f"{topic.law_en} ({year})"


def evidence_url(state_code: str, themes: Sequence[str], year: int) -> str:
    """A link on a reserved demo domain, so nobody mistakes it for a real source."""
    slug = "-".join(topic_for(themes).law_en.lower().split())
    return f"https://example.gov.{state_code.lower()}/legislation/{slug}-{year}"


# The reviewers' side: observations, findings, clarifications and comments.

_OBSERVATION = {
    "strong": {
        "en": "The {law} and the work of the {agency} fully address the commitment; statistics "
        "show consistent application.",
        "zh": "《{law}》和{agency}的工作全面落实了该承诺，统计数据显示执行一贯。",
    },
    "partial": {
        "en": "The {law} covers the main elements, but practice is uneven and the {agency} lacks "
        "data on results.",
        "zh": "《{law}》涵盖了主要内容，但实践不平衡，{agency}缺少成果数据。",
    },
    "weak": {
        "en": "No specific legal basis was identified; the measures described are ad hoc.",
        "zh": "未发现具体的法律依据，所述措施属临时性质。",
    },
}
_GOOD_PRACTICE = {
    "en": "The {agency} publishes open data on {subject}, which civil society uses to "
    "monitor results.",
    "zh": "{agency}公开发布关于{subject}的开放数据，民间社会据此监督实施成效。",
}
_CHALLENGE = {
    "en": "Coordination between the {agency} and other institutions on {subject} remains limited.",
    "zh": "{agency}与其他机构在{subject}方面的协调仍然有限。",
}
_RECOMMENDATION = {
    "en": " strengthen the {law} and give the {agency} the resources to apply it.",
    "zh": "完善《{law}》，并为{agency}提供执行所需的资源。",
}
# After "could consider" the verb takes the -ing form.
_RECOMMENDATION_CONSIDER = {
    "en": " strengthening the {law} and giving the {agency} the resources to apply it.",
    "zh": _RECOMMENDATION["zh"],
}
_TECHNICAL_ASSISTANCE = {
    "en": "Assistance is needed to design a case-management and statistics system on {subject}.",
    "zh": "需要协助设计关于{subject}的案件管理和统计系统。",
}
_CLARIFICATION_QUESTION = {
    "en": "Please provide statistics for the last three years and a copy of the {law}.",
    "zh": "请提供近三年的统计数据和《{law}》文本。",
}
_CLARIFICATION_ANSWER = {
    "en": "The statistics and the text of the {law} have been added as evidence; the {agency} "
    "handled {number} cases in {later}.",
    "zh": "已将统计数据和《{law}》文本作为佐证材料上传；{agency}在{later}年处理了{number}起案件。",
}
_COMMENT = {
    "en": "The {agency} confirmed these figures at the country dialogue.",
    "zh": "{agency}在国别对话中确认了上述数据。",
}


def _one(
    rng: random.Random,
    templates: dict[str, str],
    themes: Sequence[str],
    language: Language,
    year: int,
) -> str:
    return templates[language].format(**_fill_values(rng, topic_for(themes), language, year))


def observation_text(
    rng: random.Random, strength: str, themes: Sequence[str], language: Language, year: int
) -> str:
    """Observations for a rating: `strength` is "strong", "partial" or "weak"."""
    return _one(rng, _OBSERVATION[strength], themes, language, year)


def good_practice_text(
    rng: random.Random, themes: Sequence[str], language: Language, year: int
) -> str:
    return _one(rng, _GOOD_PRACTICE, themes, language, year)


def challenge_text(rng: random.Random, themes: Sequence[str], language: Language, year: int) -> str:
    return _one(rng, _CHALLENGE, themes, language, year)


def recommendation_text(
    rng: random.Random, opening: str, themes: Sequence[str], language: Language, year: int
) -> str:
    """A recommendation that starts with the opening its commitment's strength calls for."""
    templates = _RECOMMENDATION_CONSIDER if opening.endswith("consider") else _RECOMMENDATION
    return opening + _one(rng, templates, themes, language, year)


def technical_assistance_text(
    rng: random.Random, themes: Sequence[str], language: Language, year: int
) -> str:
    return _one(rng, _TECHNICAL_ASSISTANCE, themes, language, year)


def clarification_question(
    rng: random.Random, themes: Sequence[str], language: Language, year: int
) -> str:
    return _one(rng, _CLARIFICATION_QUESTION, themes, language, year)


def clarification_answer(
    rng: random.Random, themes: Sequence[str], language: Language, year: int
) -> str:
    return _one(rng, _CLARIFICATION_ANSWER, themes, language, year)


def comment_text(rng: random.Random, themes: Sequence[str], language: Language, year: int) -> str:
    return _one(rng, _COMMENT, themes, language, year)
