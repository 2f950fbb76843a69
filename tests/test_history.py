"""A card's history as shoppers read it: by month with its sums, a filter, store and order, their language."""

from __future__ import annotations

import re

import pytest
import requests
from kabao_testing import card_path, sandbox_cards

HTMX = {"HX-Request": "true"}


def rich_card(sandbox) -> dict:
    return next(c for c in sandbox_cards(sandbox, "lime", user_id="u1001") if c["balance"] == 50000)


def plain(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def rows(html: str) -> list[str]:
    """Each shown transaction row, as text."""
    return [plain(row) for row in re.findall(r'<li class="txn"[^>]*>(.*?)</li>', html, re.S)]


def month_blocks(html: str) -> list[tuple[str, str, list[str]]]:
    """(heading, sums line, rows) of each month, top to bottom."""
    found = re.findall(
        r'<section class="txn-month".*?<h3[^>]*>(.*?)</h3>\s*<p class="month-sums[^"]*">(.*?)</p>(.*?)</section>',
        html,
        re.S,
    )
    return [(plain(head), plain(sums), rows(body)) for head, sums, body in found]


def fen(text: str) -> int:
    sign = -1 if text.startswith("-") else 1
    whole, cents = text.lstrip("+-¥").replace(",", "").split(".")
    return sign * (int(whole) * 100 + int(cents))


def row_amount(row: str) -> int:
    return fen(re.search(r"[-+]?¥[\d,]+\.\d{2}", row).group(0))


def pay_and_refund(sandbox, card: dict, amount: int, refunded: int, order_id: str = "o-20261129-7") -> None:
    """A payment and a part refund of it at the card system, as a checkout and after-sales would make them."""
    auth = {"Authorization": f"Bearer {sandbox.api_key}"}
    base = sandbox.system_url("lime")
    payment = {"payment_id": "kb_hist_1", "user_id": "u1001", "card_id": card["card_id"], "order_id": order_id}
    payment |= {"amount": amount, "currency": "CNY"}
    requests.post(f"{base}/payments", json=payment, headers=auth, timeout=10).raise_for_status()
    refund = {"refund_id": "r_hist_1", "amount": refunded}
    requests.post(f"{base}/payments/kb_hist_1/refunds", json=refund, headers=auth, timeout=10).raise_for_status()


def test_history_is_grouped_by_month_newest_first_with_each_months_spending(client, launch, card_system):
    launch()
    path = card_path(client, rich_card(card_system))
    months = month_blocks(client.get(f"{path}?pages=3").get_data(as_text=True))  # all ~25 rows, over 60 days
    assert len(months) >= 2 and sum(len(found) for _, _, found in months) > 20
    headings = [head for head, _, _ in months]
    assert all(re.fullmatch(r"\d{4}年\d{1,2}月", head) for head in headings)
    assert headings == sorted(headings, key=lambda h: tuple(map(int, re.findall(r"\d+", h))), reverse=True)
    for _, sums, found in months:
        spent = -sum(row_amount(row) for row in found if row_amount(row) < 0)
        assert sums == f"支出 ¥{spent // 100:,}.{spent % 100:02d}"  # everything loaded: no month is partial


def test_the_oldest_month_loaded_says_its_sums_are_of_the_rows_loaded_so_far(client, launch, card_system):
    launch()
    months = month_blocks(client.get(card_path(client, rich_card(card_system))).get_data(as_text=True))
    assert sum(len(found) for _, _, found in months) == 10
    assert months[-1][1].endswith("（仅含已加载的记录）")
    assert all("仅含" not in sums for _, sums, _ in months[:-1])


def test_a_months_refunds_are_summed_and_the_refunds_filter_shows_only_them(client, launch, card_system):
    card = rich_card(card_system)
    pay_and_refund(card_system, card, amount=8800, refunded=3000)
    launch()
    path = card_path(client, card)
    newest_head, sums, newest = month_blocks(client.get(path).get_data(as_text=True))[0]
    assert "退款 ¥30.00" in sums
    assert "支出 ¥88.00" in sums or "支出" in sums and "退款 ¥30.00" in sums
    assert "+¥30.00" in newest[0] and "订单退款" in newest[0]

    refunds = client.get(f"{path}?show=refunds").get_data(as_text=True)  # a plain link: works with JS off
    shown = rows(refunds)
    assert len(shown) == 1 and "+¥30.00" in shown[0]
    assert re.search(r'aria-current="page"[^>]*>\s*退款', refunds) or re.search(
        r'id="history-show-refunds"[^>]*aria-current="page"', refunds
    )
    topups = rows(client.get(f"{path}?show=topups").get_data(as_text=True))
    assert topups and all("充值" in row and row_amount(row) > 0 for row in topups)


def test_the_filter_answers_htmx_with_the_history_part_and_says_what_it_shows(client, launch, card_system):
    launch()
    path = card_path(client, rich_card(card_system))
    part = client.get(f"{path}/transactions?show=payments", headers=HTMX)
    html = part.get_data(as_text=True)
    assert part.status_code == 200 and "<html" not in html
    shown = rows(html)
    assert shown and all(row_amount(row) < 0 for row in shown)
    status = re.search(r'<p id="history-status" hx-swap-oob="innerHTML">(.*?)</p>', html).group(1)
    assert status == f"消费：显示 {len(shown)} 条记录"
    assert client.get(f"{path}/transactions?show=payments").status_code == 303  # not htmx: the whole page


def test_no_refunds_loaded_says_so_rather_than_an_empty_history(client, launch, card_system):
    launch()
    html = client.get(f"{card_path(client, rich_card(card_system))}?show=refunds").get_data(as_text=True)
    assert rows(html) == [] and "已加载的记录中没有退款" in plain(html) and "加载更多" in plain(html)


def test_store_and_order_are_shown_and_a_description_is_not_repeated(client, launch, card_system):
    card = rich_card(card_system)
    pay_and_refund(card_system, card, amount=8800, refunded=3000, order_id="o-20261129-7")
    launch()
    shown = rows(client.get(card_path(client, card)).get_data(as_text=True))
    assert "订单号 o-20261129-7" in shown[0] and "订单号 o-20261129-7" in shown[1]
    in_store = [row for row in shown if "门店消费" in row]
    assert in_store and all(re.search(r"(静安寺店|徐家汇店|陆家嘴店)", row) for row in in_store)
    for row in shown:
        assert row.count("充值") <= 1 and row.count("消费") <= 1, row  # no "充值 Top-up · 充值"


@pytest.mark.parametrize(
    ("locale", "month", "in_store", "spent"),
    [
        ("en", r"[A-Z][a-z]+ \d{4}", "In-store purchase", "Spent ¥"),
        ("zh-CN", r"\d{4}年\d{1,2}月", "门店消费", "支出 ¥"),
    ],
)
def test_history_speaks_the_shoppers_language_with_yuan_as_yen_sign(
    client, launch, card_system, locale, month, in_store, spent
):
    launch(locale=locale)
    html = client.get(card_path(client, rich_card(card_system))).get_data(as_text=True)
    months = month_blocks(html)
    assert all(re.fullmatch(month, head) for head, _, _ in months)
    assert all(sums.startswith(spent) for _, sums, _ in months)
    shown = [row for _, _, found in months for row in found]
    assert any(in_store in row for row in shown)
    assert "CN¥" not in html and all(re.search(r"[-+]¥[\d,]+\.\d{2}", row) for row in shown)
    other = "门店消费" if locale == "en" else "In-store purchase"
    assert not any(other in row for row in shown)


def test_english_rows_give_day_and_time_in_the_english_order(client, launch, card_system):
    launch(locale="en")
    shown = rows(client.get(card_path(client, rich_card(card_system))).get_data(as_text=True))
    assert all(re.search(r"\b[A-Z][a-z]{2} \d{1,2} \d{1,2}:\d{2}\s?[AP]M\b", row) for row in shown), shown


def test_load_more_adds_the_next_page_focuses_its_first_row_and_says_how_many(client, launch, card_system):
    launch()
    path = card_path(client, rich_card(card_system))
    first = client.get(path).get_data(as_text=True)
    assert "autofocus" not in first
    more = re.search(r'hx-get="(/cards/[^"]+/transactions\?[^"]*pages=2[^"]*)"', first).group(1).replace("&amp;", "&")
    html = client.get(more, headers=HTMX).get_data(as_text=True)
    assert "<html" not in html and len(rows(html)) == 20
    row_tags = re.findall(r'<li class="txn"[^>]*>', html)
    assert [i for i, tag in enumerate(row_tags) if "autofocus" in tag] == [10]  # the first of the new rows
    assert '<p id="history-status" hx-swap-oob="innerHTML">新加载了 10 条记录</p>' in html


def test_load_more_without_javascript_is_a_page_with_the_older_rows_added(client, launch, card_system):
    launch()
    path = card_path(client, rich_card(card_system))
    first = client.get(path).get_data(as_text=True)
    href = re.search(r'<a class="button secondary block" href="([^"]+)"', first).group(1).replace("&amp;", "&")
    second = client.get(href)
    assert second.status_code == 200 and len(rows(second.get_data(as_text=True))) == 20
    third = client.get(href.replace("pages=2", "pages=3")).get_data(as_text=True)
    assert "没有更多记录了" in plain(third) and "加载更多" not in plain(third)
    assert 20 < len(rows(third)) <= 30


def test_a_dialects_store_and_english_description_come_through_its_mapping(client, launch, card_system):
    card = next(c for c in sandbox_cards(card_system, "maple", user_id="u1001") if c["balance"] == 50000)
    launch(merchant_id="maple-cinema", locale="en")
    shown = rows(client.get(card_path(client, card)).get_data(as_text=True))
    in_store = [row for row in shown if row.startswith("In-store purchase")]
    assert in_store and all(re.search(r"(静安寺店|徐家汇店|陆家嘴店) ·", row) for row in in_store)
    assert not any("门店消费" in row for row in shown)


@pytest.mark.parametrize("pages", ["9" * 5000, "-1", "0", "x", "２"])
def test_a_hostile_pages_value_shows_the_newest_page(client, launch, card_system, pages):
    launch()
    response = client.get(card_path(client, rich_card(card_system)), query_string={"pages": pages, "show": "<x>"})
    assert response.status_code == 200 and len(rows(response.get_data(as_text=True))) == 10


def test_load_more_that_adds_no_row_the_filter_shows_focuses_the_end_and_says_none(client, launch, card_system):
    launch()
    path = card_path(client, rich_card(card_system))
    html = client.get(f"{path}/transactions?show=refunds&pages=3", headers=HTMX).get_data(as_text=True)
    assert rows(html) == [] and "autofocus" in re.search(r'<p class="txn-end[^>]*>', html).group(0)
    assert '<p id="history-status" hx-swap-oob="innerHTML">新加载了 0 条记录</p>' in html
