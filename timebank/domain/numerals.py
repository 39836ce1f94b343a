"""大写金额: an amount in capital numerals, as receipts and bills write it.

Rules of 《正确填写票据和结算凭证的基本规定》(中国人民银行): 整 after 元 when there are no
角 and 分 (none after 分; none after 角 here either, which the rules allow); a zero between
digits is written 零, a run of zeros once; a zero at the 万 or 元 place before a non-zero
digit is written 零 too; 角 of zero before a 分 writes 零 after 元; ten to nineteen keep
their 壹 (壹拾), as bills require.
"""

from __future__ import annotations

DIGITS = "零壹贰叁肆伍陆柒捌玖"
PLACES = ("", "拾", "佰", "仟")
GROUPS = ("", "万", "亿", "万亿")


def _group(value: int) -> str:
    """0 < value < 10000, with a 零 for each run of inner zeros (not trailing ones)."""
    digits = [int(c) for c in f"{value:04d}"]
    out = ""
    zero = False
    started = False
    for i, digit in enumerate(digits):
        place = PLACES[3 - i]
        if digit == 0:
            zero = started
            continue
        if zero:
            out += "零"
        out += DIGITS[digit] + place
        zero = False
        started = True
    return out


def capital_yuan(yuan: int) -> str:
    if yuan == 0:
        return ""
    groups: list[int] = []
    while yuan:
        groups.append(yuan % 10_000)
        yuan //= 10_000
    out = ""
    for index in range(len(groups) - 1, -1, -1):
        group = groups[index]
        if group == 0:
            continue
        if out and (group < 1000 or not _ends_with_group(groups, index)):
            out += "零"
        out += _group(group) + GROUPS[index]
    return out


def _ends_with_group(groups: list[int], index: int) -> bool:
    """Whether the group just above `index` was written (a skipped empty group means a zero
    run between them)."""
    return index + 1 < len(groups) and groups[index + 1] != 0


def capital_amount(fen: int) -> str:
    """人民币 in capital numerals: 123456789 fen → 人民币壹佰贰拾叁万肆仟伍佰陆拾柒元捌角玖分."""
    if fen < 0:
        raise ValueError("an amount in capital numerals is not negative")
    yuan, rest = divmod(fen, 100)
    jiao, cents = divmod(rest, 10)
    words = capital_yuan(yuan)
    if yuan:
        words += "元"
    if jiao == 0 and cents == 0:
        return "人民币" + (words or "零元") + "整"
    if jiao:
        words += DIGITS[jiao] + "角"
    elif yuan:
        words += "零"
    if cents:
        words += DIGITS[cents] + "分"
    return "人民币" + words
