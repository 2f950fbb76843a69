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
        (5, "en", "¥0.05"),
        (-123456789, "en", "-¥1,234,567.89"),
    ],
)
def test_money_is_shown_from_fen_in_the_shoppers_locale(fen, locale, shown):
    assert format_money(fen, "CNY", locale) == shown
    assert Translator(locale).money(fen) == shown


def test_other_currencies_keep_their_locale_symbol():
    assert format_money(1234, "USD", "en") == "$12.34"


@pytest.mark.parametrize(("text", "fen"), [("12.34", 1234), ("0.1", 10), ("100", 10000), (" 66.60 ", 6660)])
def test_yuan_strings_become_exact_fen(text, fen):
    assert yuan_to_fen(text) == fen
    assert yuan_to_fen(fen_to_yuan(fen)) == fen


def test_yuan_with_more_than_two_decimals_is_refused():
    with pytest.raises(ValueError, match="two decimal"):
        yuan_to_fen("1.005")
    with pytest.raises(InvalidOperation):
        yuan_to_fen("twelve")


def test_times_are_shown_in_the_merchants_time_zone_whatever_zone_they_came_in():
    from datetime import UTC, datetime, timedelta, timezone

    t = Translator("zh-CN")
    assert t.datetime(datetime(2026, 11, 25, 12, 11, tzinfo=UTC)) == "2026/11/25 20:11"
    assert t.datetime(datetime(2026, 11, 23, 8, 40, tzinfo=timezone(timedelta(hours=8)))) == "2026/11/23 08:40"
    assert (
        Translator("en", timezone="Europe/London")
        .datetime(datetime(2026, 7, 1, 12, 0, tzinfo=UTC))
        .startswith("7/1/26")
    )
