from decimal import InvalidOperation

import pytest

from bff.i18n import Translator
from bff.money import fen_to_yuan, format_money, yuan_to_fen


@pytest.mark.parametrize(
    ("fen", "locale", "shown"),
    [
        (1234, "zh-CN", "¥12.34"),
        (0, "zh-CN", "¥0.00"),
        (-2500, "zh-CN", "-¥25.00"),
        (123456789, "zh-CN", "¥1,234,567.89"),
        (5, "en", "CN¥0.05"),
    ],
)
def test_money_is_shown_from_fen_in_the_shoppers_locale(fen, locale, shown):
    assert format_money(fen, "CNY", locale) == shown
    assert Translator(locale).money(fen) == shown


@pytest.mark.parametrize(("text", "fen"), [("12.34", 1234), ("0.1", 10), ("100", 10000), (" 66.60 ", 6660)])
def test_yuan_strings_become_exact_fen(text, fen):
    assert yuan_to_fen(text) == fen
    assert yuan_to_fen(fen_to_yuan(fen)) == fen


def test_yuan_with_more_than_two_decimals_is_refused():
    with pytest.raises(ValueError, match="two decimal"):
        yuan_to_fen("1.005")
    with pytest.raises(InvalidOperation):
        yuan_to_fen("twelve")
