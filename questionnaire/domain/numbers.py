"""Reading a number as people type it, in any of the forms the questionnaire's readers use.

A number field is filled by officials in many countries, often copying from a report or a
spreadsheet: "4 230" (with a space, a no-break or a narrow no-break space), "4,230",
"4'230", full-width digits "４２３０" from a Chinese input method, Arabic-Indic digits,
"4.5万" from a Chinese statistical table. Each of these has one reading and is accepted.

What has two readings is refused with a message that says what to type: "4,5" (a
decimal comma, or 45?) and "1.234,5" (a decimal comma after points that group thousands).
A point is always a decimal point, as in the questionnaire's English and Chinese text.
An approximate value ("约4000", "about 4000", "4000+") is refused too, because a number
field stores one number: the message gives the number to enter and asks for the
qualification in the explanation or a comment, so nothing the person meant is dropped.

Pure: no Flask, no database; the messages are `AnswerError` templates translated at the edge.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation

from questionnaire.domain.errors import N_, AnswerError

# Longer input is no number a person typed; refused before any pattern looks at it.
MAX_LENGTH = 100

# Characters that separate groups of three digits: spaces of every width (after NFKC,
# no-break spaces become plain ones), the apostrophe of Swiss usage, and the Arabic
# thousands separator. The comma is handled apart: it can also be a decimal comma.
_GROUP_SEPARATORS = " '’\u066c"
_MINUS_SIGNS = "-\u2212\u2012\u2013\ufe63\uff0d"
_DECIMAL_POINTS = {"\u066b": "."}  # the Arabic decimal separator
# Chinese multipliers a statistical table uses after a number: 4.5万 is 45 000.
_MULTIPLIERS = {
    "千": Decimal(1000),
    "万": Decimal(10_000),
    "萬": Decimal(10_000),
    "亿": Decimal(10**8),
    "億": Decimal(10**8),
}

# Words and signs that make a number approximate, a bound, or a guess. Matched on the
# lower-cased, NFKC-normalised text, before or after the number.
_APPROXIMATE_BEFORE = (
    "approximately",
    "approx.",
    "approx",
    "about",
    "around",
    "roughly",
    "circa",
    "ca.",
    "some",
    "nearly",
    "almost",
    "over",
    "more than",
    "less than",
    "under",
    "up to",
    "at least",
    "at most",
    "environ",
    "près de",
    "plus de",
    "moins de",
    "около",
    "более",
    "менее",
    "примерно",
    "大约",
    "大概",
    "约为",
    "約為",
    "约",
    "約",
    "近",
    "逾",
    "超过",
    "超過",
    "不少于",
    "不到",
    "少于",
    "多于",
    "至少",
    "最多",
    "~",
    "≈",
    "±",
    "<",
    ">",
    "≤",
    "≥",
)
_APPROXIMATE_AFTER = (
    "左右",
    "上下",
    "以上",
    "以下",
    "多",
    "余",
    "餘",
    "+",
    "or more",
    "or so",
    "approx.",
    "approx",
)

_PLAIN = re.compile(r"\d+(?:\.\d+)?|\.\d+")
_GROUPED = re.compile(r"\d{1,3}(?:(?P<sep>[, ])\d{3})(?:(?P=sep)\d{3})*(?:\.\d+)?")
_RANGE = re.compile(r"^(?P<low>[\d., ]+?)\s*(?:-|–|—|~|～|至|到|to)\s*(?P<high>[\d., ]+)$")


def parse_number(raw: str) -> float:
    """The number `raw` stands for, or `AnswerError` saying what to type instead."""
    if len(raw) > MAX_LENGTH:
        raise AnswerError(N_("“%(value)s” is not a number"), value=raw[:20] + "…")
    text = _normalised(raw)
    if not text:
        raise AnswerError(N_("enter a number"))
    try:
        return _read(text)
    except AnswerError:
        pass
    number = _without_qualifier(text)
    if number is not None:
        raise AnswerError(
            N_(
                "“%(value)s” is an approximate value: enter the number alone (%(number)s) "
                "and say that it is approximate in the explanation or a comment"
            ),
            value=raw.strip(),
            number=number,
        )
    low_high = _RANGE.match(text)
    if low_high and _readable(low_high["low"]) and _readable(low_high["high"]):
        raise AnswerError(
            N_(
                "“%(value)s” is a range: enter one number and give the range in the "
                "explanation or a comment"
            ),
            value=raw.strip(),
        )
    return _read(text, original=raw.strip())


def _normalised(raw: str) -> str:
    """NFKC (full-width digits and punctuation, no-break spaces), other scripts' digits."""
    text = unicodedata.normalize("NFKC", raw)
    characters = []
    for character in text:
        if character in _DECIMAL_POINTS:
            characters.append(_DECIMAL_POINTS[character])
        elif character.isdecimal():
            characters.append(str(unicodedata.decimal(character)))
        elif character in _MINUS_SIGNS:
            characters.append("-")
        elif character.isspace():
            characters.append(" ")
        else:
            characters.append(character)
    return re.sub(r" +", " ", "".join(characters)).strip()


def _read(text: str, original: str | None = None) -> float:
    """A number in one of the accepted forms; `AnswerError` naming `original` otherwise."""
    shown = original if original is not None else text
    sign = 1
    body = text
    if body[:1] in "+-":
        sign = -1 if body[0] == "-" else 1
        body = body[1:].strip()
    multiplier = Decimal(1)
    if body[-1:] in _MULTIPLIERS:
        multiplier = _MULTIPLIERS[body[-1]]
        body = body[:-1].strip()
    for separator in _GROUP_SEPARATORS.replace(" ", ""):
        body = body.replace(separator, " ")
    digits = _digits(body, shown)
    try:
        value = Decimal(digits) * multiplier * sign
    except InvalidOperation:
        raise AnswerError(N_("“%(value)s” is not a number"), value=shown) from None
    return float(value)  # finite: MAX_LENGTH digits stay far below float's limit


def _digits(body: str, shown: str) -> str:
    """Plain digits with at most one decimal point, from the grouped or plain form."""
    if _PLAIN.fullmatch(body):
        return body
    if _GROUPED.fullmatch(body):
        return body.replace(",", "").replace(" ", "")
    if re.fullmatch(r"\d+,\d+", body):
        whole, fraction = body.split(",")
        raise AnswerError(
            N_(
                "“%(value)s” could be read two ways: use a point for a decimal "
                "(%(decimal)s) or write the whole number (%(whole)s)"
            ),
            value=shown,
            decimal=f"{whole}.{fraction}",
            whole=whole + fraction,
        )
    if re.fullmatch(r"\d{1,3}(?:[. ]\d{3})+,\d+", body):
        plain = body.replace(".", "").replace(" ", "").replace(",", ".")
        raise AnswerError(
            N_("“%(value)s”: write the number with a point for the decimals, as %(number)s"),
            value=shown,
            number=plain,
        )
    if re.fullmatch(r"[\d ,]+(?:\.\d+)?", body) and re.search(r"\d", body):
        raise AnswerError(
            N_(
                "“%(value)s”: group the digits in threes (4 230 or 4,230) or write "
                "them without separators (4230)"
            ),
            value=shown,
        )
    raise AnswerError(N_("“%(value)s” is not a number"), value=shown)


def _readable(text: str) -> bool:
    try:
        _read(text.strip())
    except AnswerError:
        return False
    return True


def _without_qualifier(text: str) -> str | None:
    """The number of an approximate value ("约4000" gives "4000"), or None."""
    lowered = text.lower()
    for word in _APPROXIMATE_BEFORE:
        if lowered.startswith(word):
            rest = text[len(word) :].strip()
            return rest if _readable(rest) else _without_qualifier(rest) if rest else None
    for word in _APPROXIMATE_AFTER:
        if lowered.endswith(word):
            rest = text[: len(text) - len(word)].strip()
            return rest if _readable(rest) else None
    return None
