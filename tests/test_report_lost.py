"""Report a named card lost (挂失): with its PIN, within the wrong-PIN limits; unknown is never shown as done."""

from __future__ import annotations

import requests
from kabao_testing import add_fault, card_path, csrf_token, sandbox_cards, text_of
from test_card_legal import lime_card


def card_status(sandbox, card: dict) -> str:
    [now] = [c for c in sandbox_cards(sandbox, "lime", user_id="u1001") if c["card_id"] == card["card_id"]]
    return now["status"]


def report(client, path: str, pin: str):
    lost = f"{path}/lost"
    return client.post(lost, data={"csrf_token": csrf_token(client, lost), "pin": pin})


def pay_directly(sandbox, card: dict) -> dict:
    answer = requests.post(
        f"{sandbox.url}/cs/lime/v1/payments",
        json={
            "payment_id": "kb_after_lost_1",
            "user_id": "u1001",
            "card_id": card["card_id"],
            "order_id": "o-after-lost",
            "amount": 100,
            "currency": "CNY",
        },
        headers={"Authorization": f"Bearer {sandbox.api_key}"},
        timeout=5,
    )
    return answer.json()


def test_a_named_card_offers_report_lost_and_an_anonymous_one_does_not(client, launch, card_system):
    launch()
    named = card_path(client, lime_card(card_system, "member"))
    anonymous = card_path(client, lime_card(card_system, "gift"))
    assert f'href="{named}/lost"' in client.get(named).get_data(as_text=True)
    assert "/lost" not in client.get(anonymous).get_data(as_text=True)
    assert client.get(f"{anonymous}/lost").status_code == 404
    assert "挂失尾号" in text_of(client.get(f"{named}/lost"))


def test_where_the_card_system_has_no_report_lost_the_action_is_absent(client, launch, card_system):
    launch(merchant_id="harbor-books")  # standard API without the optional operation
    card = next(c for c in sandbox_cards(card_system, "harbor", user_id="u1001") if c["card_type"] == "book")
    path = card_path(client, card)
    assert "挂失" not in text_of(client.get(path))
    assert client.get(f"{path}/lost").status_code == 404


def test_reporting_lost_freezes_the_card_and_later_payments_are_refused(client, launch, card_system):
    card = lime_card(card_system, "member")
    launch()
    path = card_path(client, card)
    done = report(client, path, card["secret"])
    assert done.status_code == 303 and done.headers["Location"].endswith(path)
    assert card_status(card_system, card) == "FROZEN"
    page = client.get(path)
    assert "尾号 " + card["card_number"][-4:] + " 的卡已挂失并冻结" in text_of(page)
    assert "致电青柠超市（上海）有限公司 400-820-1234" in text_of(page)
    assert f'href="{path}/lost"' not in page.get_data(as_text=True)  # a frozen card isn't reported again
    refused = pay_directly(card_system, card)
    assert refused["result"] == "ERROR" and refused["error"]["code"] == "CARD_FROZEN"


def test_a_second_tap_after_the_card_froze_shows_the_card_not_an_error(client, launch, card_system):
    card = lime_card(card_system, "member")
    launch()
    path = card_path(client, card)
    lost = f"{path}/lost"
    token = csrf_token(client, lost)
    assert client.post(lost, data={"csrf_token": token, "pin": card["secret"]}).status_code == 303
    again = client.post(lost, data={"csrf_token": token, "pin": card["secret"]})
    assert again.status_code == 303 and again.headers["Location"].endswith(path)
    assert client.get(lost).status_code == 404  # nothing left to report


def test_a_wrong_pin_asks_again_and_leaves_the_card_usable(client, launch, card_system):
    card = lime_card(card_system, "member")
    launch()
    path = card_path(client, card)
    wrong = "000000" if card["secret"] != "000000" else "111111"
    answer = report(client, path, wrong)
    assert answer.status_code == 422 and "支付密码不正确，还可以再试 4 次" in text_of(answer)
    assert card["secret"] not in answer.get_data(as_text=True) and wrong not in answer.get_data(as_text=True)
    assert card_status(card_system, card) == "ACTIVE"
    short = report(client, path, "12")
    assert short.status_code == 422 and "请输入 6 位卡密码" in text_of(short)


def test_wrong_pins_count_against_the_same_limit_as_paying(client, launch, card_system):
    card = lime_card(card_system, "member")
    launch()
    path = card_path(client, card)
    wrong = "000000" if card["secret"] != "000000" else "111111"
    for _ in range(3):  # lime's per-card limit is 5
        assert report(client, path, wrong).status_code == 422
    assert "支付密码不正确，还可以再试 1 次" in text_of(report(client, path, wrong))
    last = report(client, path, wrong)
    assert last.status_code == 422 and "卡密码错误次数过多" in text_of(last)
    locked = report(client, path, card["secret"])
    assert locked.status_code == 422 and "卡密码错误次数过多" in text_of(locked)
    assert "致电青柠超市（上海）有限公司 400-820-1234" in text_of(locked)
    assert card_status(card_system, card) == "ACTIVE"


def test_a_lost_answer_is_never_shown_as_done(client, launch, card_system):
    card = lime_card(card_system, "member")
    launch()
    path = card_path(client, card)
    add_fault(card_system, system="lime", op="report_lost", mode="error_5xx", count=1)
    answer = report(client, path, card["secret"])
    assert answer.status_code == 422
    unconfirmed = "我们无法确认挂失是否成功。为保险起见，请立即致电青柠超市（上海）有限公司 400-820-1234 挂失。"
    assert unconfirmed in text_of(answer)
    assert card_status(card_system, card) == "ACTIVE"


def test_a_lost_answer_after_the_card_froze_is_confirmed_by_its_status(client, launch, card_system):
    card = lime_card(card_system, "member")
    launch()
    path = card_path(client, card)
    add_fault(card_system, system="lime", op="report_lost", mode="drop_response", count=1)
    answer = report(client, path, card["secret"])
    assert answer.status_code == 303  # the card system's card detail says FROZEN: that is the confirmation
    assert card_status(card_system, card) == "FROZEN"
    assert "已挂失并冻结" in text_of(client.get(path))


def test_the_english_confirm_step_and_result(client, launch, card_system):
    card = lime_card(card_system, "member")
    launch(locale="en")
    path = card_path(client, card)
    ask = text_of(client.get(f"{path}/lost"))
    assert "Report the card ending " + card["card_number"][-4:] + " lost?" in ask and "Card PIN (6 digits)" in ask
    report(client, path, card["secret"])
    assert "call Lime Market (Shanghai) Co., Ltd. on 400-820-1234" in text_of(client.get(path))
