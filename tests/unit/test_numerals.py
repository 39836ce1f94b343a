"""大写金额 as 《正确填写票据和结算凭证的基本规定》 writes them (examples from its text, and the
zero rules across the 万 and 亿 groups)."""

from __future__ import annotations

import pytest

from timebank.domain.numerals import capital_amount


@pytest.mark.parametrize(("fen", "words"), [
    (0, "人民币零元整"),
    (100, "人民币壹元整"),
    (1_000, "人民币壹拾元整"),  # bills keep the 壹 of 壹拾
    (5, "人民币伍分"),
    (50, "人民币伍角"),
    (168_032, "人民币壹仟陆佰捌拾元叁角贰分"),  # the rules' ¥1,680.32
    (10_700_053, "人民币壹拾万柒仟元伍角叁分"),  # ¥107,000.53
    (1_640_902, "人民币壹万陆仟肆佰零玖元零贰分"),  # ¥16,409.02: 角 of zero before 分
    (32_504, "人民币叁佰贰拾伍元零肆分"),  # ¥325.04
    (10_050_000, "人民币壹拾万零伍佰元整"),
    (10_000_205, "人民币壹拾万零贰元零伍分"),
    (123_456_789, "人民币壹佰贰拾叁万肆仟伍佰陆拾柒元捌角玖分"),
    (1_010_000_000, "人民币壹仟零壹拾万元整"),
    (20_000_000_000, "人民币贰亿元整"),
    (10_000_000_100, "人民币壹亿零壹元整"),
    (10_001_000_000, "人民币壹亿零壹万元整"),
    (11_000_000_000, "人民币壹亿壹仟万元整"),
    (10_000_100_000, "人民币壹亿零壹仟元整"),
])
def test_capital_numerals(fen: int, words: str) -> None:
    assert capital_amount(fen) == words


def test_a_negative_amount_has_no_capital_numerals() -> None:
    with pytest.raises(ValueError):
        capital_amount(-1)
