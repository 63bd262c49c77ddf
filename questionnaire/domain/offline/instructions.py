"""The Instructions sheet: how to fill the offline questionnaire, in the person's language."""

from __future__ import annotations

from questionnaire.domain.assessment import AssessmentSnapshot

STEPS = {
    "en": (
        "How to fill in this questionnaire",
        [
            "Answer in the Answer column of the Questionnaire sheet only; it is the only "
            "column you can change. Current answers are already filled in.",
            "Single choice: pick a value from the drop-down list.",
            "Multiple choice: type the choices shown in the Choices column, separated by "
            "semicolons (;).",
            "Number: type digits only (the unit is given in the help). Date: type a date "
            "such as 2026-12-31. Link: a full address starting with http:// or https://.",
            "A question with a condition needs an answer only when the condition holds.",
            "Leave a cell empty to leave the question unanswered. Clearing an answer that "
            "was filled in removes it when the file is imported.",
            "Do not type formulas (text starting with =), and do not add, delete, move or "
            "rename sheets, rows or columns.",
            "Do not unprotect the sheet or edit the hidden sheets: the file is signed, and "
            "a file whose identity data was changed is refused.",
            "Save as an Excel workbook (.xlsx). Macro workbooks (.xlsm) and old .xls files "
            "are refused.",
            "Upload the file on the assessment page. You will see a preview of new, changed "
            "and conflicting answers before anything is saved. An answer that was also "
            "changed online after this file was downloaded is shown as a conflict and is "
            "never overwritten.",
        ],
    ),
    "zh": (
        "填写说明",
        [
            "只在“问卷”工作表的“答复”列中作答；这是唯一可以修改的列。现有答复已预先填入。",
            "单选题：从下拉列表中选择。",
            "多选题：输入“可选答案”列中列出的选项，用分号（;）分隔。",
            "数字：只输入数字（单位见说明）。日期：例如 2026-12-31。"
            "链接：以 http:// 或 https:// 开头的完整地址。",
            "有作答条件的问题，仅在条件成立时需要作答。",
            "不作答请留空。清除已有答复，导入时将删除该答复。",
            "不要输入公式（以 = 开头的内容），不要添加、删除、移动或重命名工作表、行或列。",
            "不要取消工作表保护，也不要修改隐藏的工作表：本文件带有签名，身份数据被修改的文件将被拒绝。",
            "请保存为 Excel 工作簿（.xlsx）。含宏的工作簿（.xlsm）和旧版 .xls 文件将被拒绝。",
            "在评估页面上传文件。保存前会显示新增、修改和冲突答复的预览。"
            "下载本文件后在线上也被修改过的答复将显示为冲突，绝不会被覆盖。",
        ],
    ),
}


def about_rows(
    snapshot: AssessmentSnapshot, exported_at: str, language: str
) -> list[tuple[str, str | int]]:
    """Which assessment the file is for, so a person sending it around can tell."""
    zh = language == "zh"
    name = snapshot.state_party_name_zh if zh else snapshot.state_party_name_en
    return [
        ("缔约国" if zh else "State party", f"{name} ({snapshot.state_party_code})"),
        ("评估编号" if zh else "Assessment", snapshot.id),
        ("审议年份" if zh else "Review year", snapshot.review_year),
        ("题库" if zh else "Question bank", f"{snapshot.bank.id} v{snapshot.bank.version}"),
        ("导出时间（UTC）" if zh else "Exported (UTC)", exported_at),
    ]
