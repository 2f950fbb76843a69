"""The ops console: its own login, drafts validated by key path, publish and rollback live, audit."""

from __future__ import annotations

import re
from html import unescape

import pytest
from kabao_testing import mint_launch_token, text_of
from ops_testing import base_of, csrf, login, make_ready, publish

from bff.ops.desk import Desk, DraftMovedOn, version_of


def test_without_login_ops_pages_send_to_the_login(ops_app):
    client = ops_app.test_client()
    for path in ("/ops/", "/ops/merchants/lime-market", "/ops/audit"):
        response = client.get(path)
        assert response.status_code == 303 and response.headers["Location"].startswith("/ops/login")


def test_wrong_password_is_refused(ops_app):
    client = ops_app.test_client()
    response = login(client, password="guess")
    assert response.status_code == 401 and "用户名或密码错误" in text_of(response)
    assert client.get("/ops/").status_code == 303


def test_a_shopper_session_gives_no_access_to_ops(ops_app):
    client = ops_app.test_client()
    client.get(f"/launch?token={mint_launch_token(ops_app.config['KABAO_HOST_SECRET'], 'u1001', 'lime-market')}")
    assert client.get("/wallet?js=0").status_code == 200
    assert client.get("/ops/").status_code == 303


def test_an_ops_session_gives_no_access_to_shoppers_cards(ops_app):
    client = ops_app.test_client()
    assert login(client).status_code == 303
    assert client.get("/ops/").status_code == 200
    assert client.get("/wallet?js=0").status_code == 401


def test_plain_text_passwords_are_refused_in_the_account_list(make_app, config):
    with pytest.raises(ValueError, match="password hash"):
        make_app(config, KABAO_OPS_USERS="alice:hunter2")


def test_merchant_list_shows_validation_state_and_drafts(ops_app, config):
    client = ops_app.test_client()
    login(client)
    page = text_of(client.get("/ops/"))
    assert "lime-market" in page and "已上线" in page


def test_saving_shows_problems_by_key_path_and_publish_is_refused(ops_app, config):
    client = ops_app.test_client()
    login(client)
    page = client.get("/ops/merchants/lime-market").get_data(as_text=True)
    base = re.search(r'name="base" value="(\w+)"', page).group(1)
    text = (config / "lime-market.yaml").read_text(encoding="utf-8").replace('primary: "#0b7a4b"', 'primary: "green"')
    saved = client.post(
        "/ops/merchants/lime-market", data={"csrf_token": csrf(client, "/ops/"), "text": text, "base": base}
    )
    assert "brand.colours.primary" in text_of(saved) and "is not a colour" in text_of(saved)
    refused = publish(client, "lime-market")
    assert refused.status_code == 409
    assert 'primary: "#0b7a4b"' in (config / "lime-market.yaml").read_text(encoding="utf-8")


def test_pydantics_own_problems_are_worded_in_the_consoles_language(ops_app, config):
    client = ops_app.test_client()
    login(client)
    page = client.get("/ops/merchants/lime-market").get_data(as_text=True)
    base = re.search(r'name="base" value="(\w+)"', page).group(1)
    text = (config / "lime-market.yaml").read_text(encoding="utf-8")
    text = text.replace("pages:\n  wallet:\n", "pages:\n  wallet:\n    balance_cache_seconds: 99\n", 1)
    text = text.replace('primary: "#0b7a4b"', 'primary: "green"') + "colour: red\n"
    form = {"csrf_token": csrf(client, "/ops/"), "text": text, "base": base}
    said = text_of(client.post("/ops/merchants/lime-market", data=form))
    assert "pages.wallet.balance_cache_seconds 不能大于 30" in said and "colour 这里没有这一项" in said
    assert "is not a colour" in said  # Kabao's own checks keep their words (the CLI prints the same)
    client.set_cookie("kabao_ops_lang", "en")
    page = text_of(client.get("/ops/merchants/lime-market"))
    assert "pages.wallet.balance_cache_seconds Should be at most 30" in page and "Not a key this place has" in page


def test_publish_is_served_without_restart_and_rollback_is_one_action(ops_app, config):
    client = ops_app.test_client()
    shopper = ops_app.test_client()
    shopper.get(f"/launch?token={mint_launch_token(ops_app.config['KABAO_HOST_SECRET'], 'u1001', 'lime-market')}")
    before = shopper.get("/wallet?js=0").get_data(as_text=True)
    login(client)
    page = client.get("/ops/merchants/lime-market").get_data(as_text=True)
    base = re.search(r'name="base" value="(\w+)"', page).group(1)
    live = (config / "lime-market.yaml").read_text(encoding="utf-8")
    text = live.replace("卡内可用余额", "礼品卡余额")
    token = csrf(client, "/ops/")
    client.post("/ops/merchants/lime-market", data={"csrf_token": token, "text": text, "base": base})
    assert "卡内可用余额" in text_of(shopper.get("/wallet?js=0"))  # a draft is not live
    assert publish(client, "lime-market").status_code == 303
    assert "礼品卡余额" in text_of(shopper.get("/wallet?js=0"))  # the same running app serves it
    version = Desk(config).versions("lime-market")[0]
    assert (
        client.post(
            "/ops/merchants/lime-market/rollback", data={"csrf_token": token, "version": version, "note": "undo"}
        ).status_code
        == 303
    )
    assert "卡内可用余额" in text_of(shopper.get("/wallet?js=0"))
    assert (config / "lime-market.yaml").read_text(encoding="utf-8") == live
    assert "卡内可用余额" in before


def test_every_change_is_in_the_audit_log_with_who_and_a_diff(ops_app, config):
    client = ops_app.test_client()
    login(client, "bob", "battery staple")
    page = client.get("/ops/merchants/peach-bakery").get_data(as_text=True)
    base = re.search(r'name="base" value="(\w+)"', page).group(1)
    text = (config / "peach-bakery.yaml").read_text(encoding="utf-8").replace("可用金额", "蛋糕卡余额")
    token = csrf(client, "/ops/")
    client.post("/ops/merchants/peach-bakery", data={"csrf_token": token, "text": text, "base": base})
    publish(client, "peach-bakery")
    entries = Desk(config).audit("peach-bakery")
    assert [e.action for e in entries] == ["publish", "save draft"]
    assert all(e.user == "bob" for e in entries)
    assert "-    wallet.total: 可用金额" in entries[0].diff and "+    wallet.total: 蛋糕卡余额" in entries[0].diff
    audit = text_of(client.get("/ops/audit"))
    assert "蛋糕卡余额" in audit
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \(Asia/Shanghai\)", audit)  # the merchant's zone, named


def test_the_second_of_two_concurrent_edits_is_told_the_draft_moved_on(ops_app, config):
    alice, bob = ops_app.test_client(), ops_app.test_client()
    login(alice)
    login(bob, "bob", "battery staple")
    base = re.search(
        r'name="base" value="(\w+)"', alice.get("/ops/merchants/lime-market").get_data(as_text=True)
    ).group(1)
    live = (config / "lime-market.yaml").read_text(encoding="utf-8")
    first = alice.post(
        "/ops/merchants/lime-market",
        data={"csrf_token": csrf(alice, "/ops/"), "text": live + "\n# alice\n", "base": base},
    )
    assert first.status_code == 200
    second = bob.post(
        "/ops/merchants/lime-market", data={"csrf_token": csrf(bob, "/ops/"), "text": live + "\n# bob\n", "base": base}
    )
    assert second.status_code == 409 and "有人保存了这份草稿" in text_of(second)
    assert Desk(config).draft_text("lime-market").endswith("# alice\n")


def test_ops_forms_need_the_ops_csrf_token(ops_app, config):
    client = ops_app.test_client()
    login(client)
    assert client.post("/ops/merchants/lime-market/publish", data={}).status_code == 400


def test_a_new_merchant_needs_its_check_waived_with_a_reason(ops_app, config):
    client = ops_app.test_client()
    login(client)
    token = csrf(client, "/ops/")
    assert client.post("/ops/merchants", data={"csrf_token": token, "merchant_id": "tea-house"}).status_code == 303
    assert make_ready(client, "tea-house").status_code == 200
    refused = publish(client, "tea-house")
    assert refused.status_code == 409 and "连接检查" in text_of(refused)
    done = client.post(
        "/ops/merchants/tea-house/publish",
        data={
            "csrf_token": token,
            "base": base_of(client, "tea-house"),
            "note": "test release",
            "waiver": "sandbox only",
        },
    )
    assert done.status_code == 303 and (config / "tea-house.yaml").is_file()
    assert not list(config.glob(".*.tmp")) and not list(config.glob("*.tmp"))  # no half-written file left


def test_desk_refuses_a_stale_base_version(config):
    desk = Desk(config)
    with pytest.raises(DraftMovedOn):
        desk.save_draft("lime-market", "x", "not-the-version", "alice")
    assert desk.save_draft("lime-market", "brand: {}", version_of(desk.live_text("lime-market")), "alice")


def test_the_form_changes_colour_and_section_order_and_shows_the_diff(ops_app, config):
    client = ops_app.test_client()
    login(client)
    page = client.get("/ops/merchants/peach-bakery").get_data(as_text=True)
    base = re.search(r'name="base" value="(\w+)"', page).group(1)
    form = {
        "csrf_token": csrf(client, "/ops/"),
        "form": "shape",
        "base": base,
        "colour_primary": "#7a1f33",
        "colour_on_primary": "#ffffff",
        "colour_background": "#fdf3f1",
        "colour_text": "#3b1f24",
        "order_0": "3",
        "order_1": "1",
        "order_2": "2",
        "order_3": "4",
        "bind_method": "number_only",
        "max_cards": "2",
        "pin": "never",
        "copy_zh-CN": "wallet.total: 可用金额",
        "copy_en": "wallet.total: Ready",
    }
    saved = client.post("/ops/merchants/peach-bakery", data=form)
    assert saved.status_code == 200 and "草稿已保存。" in text_of(saved)
    draft = Desk(config).draft_text("peach-bakery")
    assert "#7a1f33" in draft
    import yaml

    sections = [s["type"] for s in yaml.safe_load(draft)["pages"]["wallet"]["sections"]]
    assert sections == ["bind_button", "card_list", "total_balance", "faq"]
    assert "+    primary: '#7a1f33'" in saved.get_data(as_text=True) or "#7a1f33" in text_of(saved)
    assert "草稿与线上版本的差异" in text_of(saved)


def test_a_new_merchant_publishes_once_its_connector_check_passes(ops_app, config, card_system, monkeypatch):
    monkeypatch.setenv("KABAO_MERCHANT_SANDBOX_URL", card_system.url)
    client = ops_app.test_client()
    login(client)
    token = csrf(client, "/ops/")
    client.post("/ops/merchants", data={"csrf_token": token, "merchant_id": "tea-house"})
    make_ready(client, "tea-house")
    report = client.post("/ops/merchants/tea-house/check", data={"csrf_token": token})
    assert report.status_code == 200 and "连接检查通过" in text_of(report)
    assert "pay duplicate id" in text_of(report)
    assert publish(client, "tea-house").status_code == 303
    assert (config / "tea-house.yaml").is_file()


def test_a_failed_connector_check_does_not_open_the_gate(ops_app, config, card_system, monkeypatch):
    monkeypatch.setenv("KABAO_MERCHANT_SANDBOX_URL", card_system.url)
    client = ops_app.test_client()
    login(client)
    token = csrf(client, "/ops/")
    client.post("/ops/merchants", data={"csrf_token": token, "merchant_id": "tea-house"})
    from kabao_testing import add_fault

    add_fault(card_system, system="tea-house", op="pay", mode="drop_response")
    report = client.post("/ops/merchants/tea-house/check", data={"csrf_token": token})
    assert "连接检查未通过" in text_of(report)
    assert publish(client, "tea-house").status_code == 409
    assert not (config / "tea-house.yaml").exists()


def _save_raw(client, config, change):
    page = client.get("/ops/merchants/lime-market").get_data(as_text=True)
    base = re.search(r'name="base" value="(\w+)"', page).group(1)
    text = change((config / "lime-market.yaml").read_text(encoding="utf-8"))
    return client.post(
        "/ops/merchants/lime-market", data={"csrf_token": csrf(client, "/ops/"), "text": text, "base": base}
    )


def test_the_raw_editor_refuses_naming_kabaos_secrets_by_key_path(ops_app, config):
    client = ops_app.test_client()
    login(client)

    def steal(text):
        text = text.replace("${KABAO_MERCHANT_SANDBOX_URL}/cs/lime/v1", "https://attacker.example/${KABAO_HOST_SECRET}")
        return text.replace("api_key_env: KABAO_MERCHANT_SANDBOX_API_KEY", "api_key_env: KABAO_SECRET_KEY")

    saved = unescape(text_of(_save_raw(client, config, steal)))
    assert "backend.base_url KABAO_HOST_SECRET is one of Kabao's own" in saved
    assert "backend.credentials.api_key_env KABAO_SECRET_KEY is one of Kabao's own" in saved
    refused = publish(client, "lime-market")
    assert refused.status_code == 409 and "backend.base_url" in text_of(refused)
    assert "KABAO_HOST_SECRET" not in (config / "lime-market.yaml").read_text(encoding="utf-8")


def test_the_raw_editor_refuses_a_card_system_on_a_metadata_address(ops_app, config):
    client = ops_app.test_client()
    login(client)
    saved = _save_raw(
        client, config, lambda t: t.replace("${KABAO_MERCHANT_SANDBOX_URL}/cs/lime/v1", "http://169.254.169.254/v1")
    )
    assert "backend.base_url 169.254.169.254 is a link-local address" in text_of(saved)


def test_the_form_refuses_copy_with_foreign_placeholders_and_keeps_showing_the_secret_problem(ops_app, config):
    client = ops_app.test_client()
    login(client)
    _save_raw(
        client,
        config,
        lambda t: t.replace('return_urls: ["${KABAO_MERCHANT_SANDBOX_URL', 'return_urls: ["${KABAO_HOST_SECRET'),
    )
    page = client.get("/ops/merchants/lime-market").get_data(as_text=True)
    base = re.search(r'name="base" value="(\w+)"', page).group(1)
    form = {
        "csrf_token": csrf(client, "/ops/"),
        "form": "shape",
        "base": base,
        "colour_primary": "#0b7a4b",
        "colour_on_primary": "#ffffff",
        "copy_en": "checkout.pay: Pay {amount.__class__.__mro__}",
    }
    saved = unescape(text_of(client.post("/ops/merchants/lime-market", data=form)))
    assert "copy.en.checkout.pay {amount.__class__.__mro__} is not a plain placeholder" in saved
    assert "checkout.return_urls KABAO_HOST_SECRET is one of Kabao's own" in saved
    refused = publish(client, "lime-market")
    assert refused.status_code == 409


def test_publishing_a_draft_someone_changed_since_it_was_opened_is_refused(ops_app, config):
    alice, bob = ops_app.test_client(), ops_app.test_client()
    login(alice)
    login(bob, "bob", "battery staple")
    live = (config / "lime-market.yaml").read_text(encoding="utf-8")
    token = csrf(alice, "/ops/")
    alice.post(
        "/ops/merchants/lime-market",
        data={
            "csrf_token": token,
            "text": live + "# one\n",
            "base": base_of(alice, "lime-market"),
            "note": "test release",
        },
    )
    seen_by_bob = base_of(bob, "lime-market")
    alice.post(
        "/ops/merchants/lime-market",
        data={
            "csrf_token": token,
            "text": live + "# two\n",
            "base": base_of(alice, "lime-market"),
            "note": "test release",
        },
    )
    refused = bob.post(
        "/ops/merchants/lime-market/publish",
        data={"csrf_token": csrf(bob, "/ops/"), "base": seen_by_bob, "note": "test release"},
    )
    assert refused.status_code == 409 and "这个商户有人改过" in text_of(refused)
    assert (config / "lime-market.yaml").read_text(encoding="utf-8") == live  # what bob never saw is not live
    done = bob.post(
        "/ops/merchants/lime-market/publish",
        data={"csrf_token": csrf(bob, "/ops/"), "base": base_of(bob, "lime-market"), "note": "test release"},
    )
    assert done.status_code == 303 and (config / "lime-market.yaml").read_text(encoding="utf-8").endswith("# two\n")
    again = alice.post(
        "/ops/merchants/lime-market/publish", data={"csrf_token": token, "base": seen_by_bob, "note": "test release"}
    )
    assert again.status_code == 409 and [e.action for e in Desk(config).audit("lime-market")].count("publish") == 1


def test_a_merchants_turn_is_held_by_one_change_at_a_time(tmp_path, config):
    from bff.ops.turns import Busy, Turns
    from bff.store import open_store

    store = open_store(f"sqlite:///{tmp_path / 'store.sqlite3'}")
    first, second = Turns(store, wait=0.2), Turns(store, wait=0.2)
    with first.of("lime-market"):
        with pytest.raises(Busy), second.of("lime-market"):
            pass
        with second.of("peach-bakery"):  # another merchant's turn is free
            pass
    desk = Desk(config, turns=second)  # given back: the next change goes ahead
    assert desk.save_draft("lime-market", "brand: {}", version_of(desk.live_text("lime-market")), "alice")
    store.close()
