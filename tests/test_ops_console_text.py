"""Every ops page speaks the console's language: no raw key reaches a page, and merchants are listed by name."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from kabao_testing import text_of
from ops_testing import csrf, login, publish

from bff.cards.models import PaymentStatus
from bff.checkout.refunds import RefundProblem
from bff.checkout.states import AttemptStatus, CheckoutStatus, LegStatus
from bff.ops.audit_words import ACTIONS, action_words
from bff.ops.desk import Desk, version_of
from bff.ops.language import LOCALES, catalogue, ops_said
from bff.ops.phrases import Phrase
from bff.ops.preview import PAGE_TITLES, STATES
from bff.ops.shape import COLOURS

ROOT = Path(__file__).resolve().parents[1]
KEY = re.compile(r"""(?:\bot|\bops_text|\bPhrase)\(\s*["'](ops\.[a-z_.]+)["']""")
RAW_KEY = re.compile(r"\bops\.[a-z_]+\.[a-zA-Z_]")  # e.g. ops.edit.save: a key shown instead of its text
PLACEHOLDER = re.compile(r"\{[a-z_]+\}")


def used_keys() -> set[str]:
    """The keys the console's templates and code name literally."""
    files = [*(ROOT / "bff/templates/ops").glob("*.html"), *(ROOT / "bff/ops").glob("*.py")]
    found = {key for path in files for key in KEY.findall(path.read_text(encoding="utf-8"))}
    return {key for key in found if not key.endswith((".", "_"))}  # a prefix ("ops.status." ~ value): word_keys()


def word_keys() -> set[str]:
    """The keys the console builds from a value (a status, a section type, a preview state …)."""
    statuses = {s.value for enum in (CheckoutStatus, AttemptStatus, LegStatus, PaymentStatus) for s in enum}
    return {
        *(f"ops.status.{s}" for s in statuses),
        *(f"ops.refund.{p.value}" for p in RefundProblem),
        *(f"ops.orders.kind.{k}" for k in ("order", "checkout", "payment", "shopper", "last4")),
        *(f"ops.colour.{c}" for c in COLOURS),
        *(f"ops.section.{s}" for s in ("total_balance", "card_list", "bind_button", "notice", "faq", "help")),
        *(f"ops.bind.{m}" for m in ("password", "sms", "number_only")),
        *(f"ops.pin.{p}" for p in ("always", "above", "never")),
        *(f"ops.index.state.{s}" for s in ("live", "new", "draft", "invalid", "check_failed")),
        *(f"ops.preview.page.{p}" for p in PAGE_TITLES),
        *(f"ops.preview.state.{p}.{s}" for p, s, _label in STATES),
        *(key for _pattern, key in ACTIONS),
    }


@pytest.mark.parametrize("locale", LOCALES)
def test_every_key_the_console_uses_is_in_both_catalogues(locale: str) -> None:
    keys = used_keys() | word_keys()
    assert len(keys) > 300
    assert sorted(keys - set(catalogue(locale))) == []


def assert_no_raw_key(response, where: str) -> None:
    html = response.get_data(as_text=True)
    assert not RAW_KEY.findall(html), where
    shown = re.sub(r"<(textarea|pre)\b.*?</\1>", " ", html, flags=re.S)  # a merchant file may hold {placeholders}
    assert not PLACEHOLDER.findall(text_of_html(shown)), where


def english_left(response) -> list[str]:
    """The console's English sentences found on a page that should be in Chinese (code, diffs and files aside)."""
    html = re.sub(r"<(textarea|pre|code)\b.*?</\1>", " ", response.get_data(as_text=True), flags=re.S)
    shown = text_of_html(html)
    sentences = [t for t in catalogue("en").values() if " " in t and "{" not in t and len(t) > 12]
    return [t for t in sentences if t in shown]


def text_of_html(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.fixture
def alice(ops_app, config):
    """Logged in, with a release of lime-market, a draft of it and a new merchant: every page has content."""
    client = ops_app.test_client()
    login(client)
    token = csrf(client, "/ops/")
    live = (config / "lime-market.yaml").read_text(encoding="utf-8")
    client.post("/ops/merchants/lime-market", data=_raw_form(client, token, live.replace("# ", "#  ", 1)))
    assert publish(client, "lime-market", "a note").status_code == 303
    client.post("/ops/merchants/lime-market", data=_raw_form(client, token, live))
    client.post("/ops/merchants", data={"csrf_token": token, "merchant_id": "tea-house"})
    return client


def _raw_form(client, token: str, text: str) -> dict[str, str]:
    page = client.get("/ops/merchants/lime-market").get_data(as_text=True)
    return {"csrf_token": token, "base": re.search(r'name="base" value="(\w*)"', page).group(1), "text": text}


MAIN_PAGES = [
    "/ops/",
    "/ops/merchants/lime-market",
    "/ops/merchants/tea-house",
    "/ops/merchants/lime-market/publish",
    "/ops/merchants/tea-house/publish",
    "/ops/merchants/lime-market/versions",
    "/ops/merchants/lime-market/drafts/main/discard",
    "/ops/audit",
    "/ops/orders",
    "/ops/orders?kind=order&q=no-such-order",
    "/ops/orders?kind=shopper&q=u1001",
    "/ops/dashboard",
    "/ops/preview/lime-market",
]


@pytest.mark.parametrize("locale", LOCALES)
def test_no_ops_page_shows_a_raw_key_in_either_language(alice, config, locale: str) -> None:
    alice.set_cookie("kabao_ops_lang", locale)
    version = Desk(config).releases("lime-market")[0].replaced
    pages = [*MAIN_PAGES, f"/ops/merchants/lime-market/rollback?version={version}"]
    for path in pages:
        response = alice.get(path)
        assert response.status_code == 200, path
        assert f'<html lang="{locale}">' in response.get_data(as_text=True), path
        assert_no_raw_key(response, path)
        if locale == "zh-CN":
            assert english_left(response) == [], path
    refused = alice.post("/ops/merchants/lime-market/publish", data={})  # no CSRF token: the message page
    assert refused.status_code == 400
    assert_no_raw_key(refused, "csrf refused")
    not_created = alice.post("/ops/merchants", data={"csrf_token": csrf(alice, "/ops/"), "merchant_id": "X"})
    assert not_created.status_code == 409
    assert_no_raw_key(not_created, "not created")


def test_the_login_page_and_its_refusal_speak_both_languages(ops_app) -> None:
    client = ops_app.test_client()
    zh = text_of(login(client, password="guess"))
    assert "用户名或密码错误。" in zh and "用户名" in zh and "密码" in zh
    client.set_cookie("kabao_ops_lang", "en")
    en = text_of(login(client, password="guess"))
    assert "Wrong user name or password." in en and "User" in en and "Password" in en


def merchant_row(page: str, merchant_id: str) -> str:
    return re.search(rf'<li class="ops-card merchant-row" id="merchant-{merchant_id}">(.*?)</li>', page, re.S).group(1)


def states_of(row: str) -> list[str]:
    return re.findall(r'<span class="tag state-[a-z_]+[^"]*">([^<]+)</span>', row)


def test_the_merchant_list_shows_each_merchant_by_name_logo_and_state(ops_app, config) -> None:
    client = ops_app.test_client()
    login(client)
    token = csrf(client, "/ops/")
    peach = (config / "peach-bakery.yaml").read_text(encoding="utf-8")
    draft = {"csrf_token": token, "text": peach + "# a change\n"}
    draft["base"] = re.search(r'name="base" value="(\w*)"', client.get("/ops/merchants/peach-bakery").text).group(1)
    client.post("/ops/merchants/peach-bakery", data=draft)
    (config / "harbor-books.yaml").write_text("brand: [not, a, mapping]\n", encoding="utf-8")
    ops_app.extensions["kabao"].registry.refresh(force=True)
    willow = Desk(config)
    willow.record_check("willow-mall", willow.live_text("willow-mall"), False, "alice", "pay: no answer")
    client.post("/ops/merchants", data={"csrf_token": token, "merchant_id": "tea-house"})

    page = client.get("/ops/").get_data(as_text=True)
    lime = merchant_row(page, "lime-market")
    assert "青柠超市" in lime and '<small class="merchant-id">lime-market</small>' in lime
    logo = re.search(r'<img class="merchant-logo" src="([^"]+)"', lime).group(1)
    served = client.get(logo)
    served.close()  # a file it streams
    assert served.status_code == 200 and served.mimetype == "image/svg+xml"
    assert states_of(lime) == ["已上线"]
    assert states_of(merchant_row(page, "peach-bakery")) == ["已上线", "草稿有改动"]
    harbor = merchant_row(page, "harbor-books")
    assert states_of(harbor) == ["配置有误"] and "仍在使用上一个有效版本" in harbor
    assert states_of(merchant_row(page, "willow-mall")) == ["已上线", "连接检查未通过"]
    tea = merchant_row(page, "tea-house")
    assert "新商户" in tea and states_of(tea) == ["未上线", "草稿有改动"]
    assert '<span class="merchant-logo letter"' in tea and ">新</span>" in tea  # no logo yet: its first letter

    client.set_cookie("kabao_ops_lang", "en")
    english = client.get("/ops/").get_data(as_text=True)
    assert "Lime Market" in merchant_row(english, "lime-market")
    assert states_of(merchant_row(english, "peach-bakery")) == ["Live", "Draft differs"]
    assert states_of(merchant_row(english, "willow-mall")) == ["Live", "Check failed"]
    assert ">N</span>" in merchant_row(english, "tea-house")


def test_a_passed_check_clears_the_check_failed_state(ops_app, config) -> None:
    client = ops_app.test_client()
    login(client)
    desk = Desk(config)
    desk.record_check("willow-mall", desk.live_text("willow-mall"), False, "alice", "pay: no answer")
    desk.record_check("willow-mall", desk.live_text("willow-mall"), True, "alice", "all fine")
    assert states_of(merchant_row(client.get("/ops/").get_data(as_text=True), "willow-mall")) == ["已上线"]


def test_statuses_and_audit_actions_are_words_of_the_console_language(ops_app, config) -> None:
    client = ops_app.test_client()
    login(client)
    desk = Desk(config)
    text = desk.live_text("lime-market")
    desk.record_check("lime-market", text, True, "alice", "ok")
    desk.save_draft("lime-market", text + "# x\n", version_of(text), "bob")
    audit = text_of(client.get("/ops/audit"))
    assert "连接检查通过" in audit and "保存草稿" in audit
    client.set_cookie("kabao_ops_lang", "en")
    assert "connector check passed" in text_of(client.get("/ops/audit"))


@pytest.mark.parametrize(
    ("action", "zh", "en"),
    [
        ("publish christmas", "发布草稿 christmas", "publish draft christmas"),
        ("rename draft a to b", "草稿 a 改名为 b", "rename draft a to b"),
        ("after-sales: refund leg", "售后：单卡退款", "after-sales: refund leg"),
        ("publish requested", "提交发布申请", "publish requested"),  # not the draft "requested"
        ("approve publish", "approve publish", "approve publish"),  # an action this table doesn't know: as written
    ],
)
def test_audit_actions_are_said_in_the_console_language(ops_app, action: str, zh: str, en: str) -> None:
    for locale, words in (("zh-CN", zh), ("en", en)):
        with ops_app.test_request_context("/ops/audit", headers={"Cookie": f"kabao_ops_lang={locale}"}):
            assert action_words(action) == words


def test_a_phrase_is_english_as_data_and_translated_when_shown(ops_app) -> None:
    refused = Phrase("ops.order.refused.refund", problem=Phrase("ops.refund.REFUND_EXCEEDED"))
    assert refused == "refused: more than what is left to refund (nothing was refunded)"
    with ops_app.test_request_context("/ops/"):
        assert ops_said(refused) == "已拒绝：超过可退金额（未退款）"
        assert ops_said("a validation message") == "a validation message"
