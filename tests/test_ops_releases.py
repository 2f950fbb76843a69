"""Publish and rollback: confirmed with a note, said to have succeeded, listed with who, when, note and diff.

And what may not go live: a draft still looking like the template; and what may not be lost: a valid draft
silently replaced by an invalid one.
"""

from __future__ import annotations

import re

import pytest
from kabao_testing import text_of
from ops_testing import base_of, csrf, login, make_ready, publish

from bff.ops.desk import Desk, NotPublishable, version_of


def save_raw(client, merchant_id, text, **extra):
    form = {"csrf_token": csrf(client, "/ops/"), "base": base_of(client, merchant_id), "text": text, **extra}
    return client.post(f"/ops/merchants/{merchant_id}", data=form)


@pytest.fixture
def alice(ops_app):
    client = ops_app.test_client()
    login(client)
    return client


def changed_draft(alice, config):
    live = (config / "lime-market.yaml").read_text(encoding="utf-8")
    assert save_raw(alice, "lime-market", live.replace("Money on your cards", "Gift money")).status_code == 200
    return live


def test_publish_asks_for_confirmation_showing_the_diff_and_a_note(alice, config):
    changed_draft(alice, config)
    page = alice.get("/ops/merchants/lime-market")
    assert "发布草稿…" in text_of(page)
    confirm = alice.get("/ops/merchants/lime-market/publish")
    assert confirm.status_code == 200 and "发布 青柠超市 · lime-market？" in text_of(confirm)
    assert "+    wallet.total: Gift money" in confirm.get_data(as_text=True)
    assert re.search(r'<input id="note" name="note" required', confirm.get_data(as_text=True))


def test_publish_without_a_note_is_refused_and_nothing_goes_live(alice, config):
    live = changed_draft(alice, config)
    refused = publish(alice, "lime-market", "   ")
    assert refused.status_code == 409 and "请写一句简短的备注" in text_of(refused)
    assert (config / "lime-market.yaml").read_text(encoding="utf-8") == live


def test_publish_says_it_succeeded_and_the_version_list_shows_who_when_note_and_diff(alice, config):
    changed_draft(alice, config)
    done = publish(alice, "lime-market", "Shorter total label for the gift season")
    assert done.status_code == 303
    page = text_of(alice.get(done.headers["Location"]))
    assert "发布成功：顾客现在看到的就是这个版本。" in page
    assert "Shorter total label for the gift season" in page and "alice" in page
    assert "发布成功" not in text_of(alice.get("/ops/merchants/lime-market"))  # said once
    versions = alice.get("/ops/merchants/lime-market/versions")
    html, text = versions.get_data(as_text=True), text_of(versions)
    assert "alice 发布" in text and "Shorter total label for the gift season" in text
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \(Asia/Shanghai\)", text)  # the merchant's zone, named
    assert "-    wallet.total: Money on your cards" in html and "+    wallet.total: Gift money" in html
    assert ".yaml</code>" not in html  # releases, not bare file names
    alice.set_cookie("kabao_ops_lang", "en")
    assert "Published by alice" in text_of(alice.get("/ops/merchants/lime-market/versions"))


def test_rollback_asks_for_a_note_and_says_it_succeeded(alice, config):
    live = changed_draft(alice, config)
    publish(alice, "lime-market", "Gift label")
    page = alice.get("/ops/merchants/lime-market/versions").get_data(as_text=True)
    link = re.search(r'href="(/ops/merchants/lime-market/rollback\?version=[^"]+)"', page).group(1)
    confirm = alice.get(link.replace("&amp;", "&"))
    assert confirm.status_code == 200 and "回滚 青柠超市 · lime-market？" in text_of(confirm)
    version = re.search(r'name="version" value="([^"]+)"', confirm.get_data(as_text=True)).group(1)
    form = {"csrf_token": csrf(alice, "/ops/"), "version": version}
    refused = alice.post("/ops/merchants/lime-market/rollback", data=form)
    assert refused.status_code == 409 and "请写一句简短的备注" in text_of(refused)
    done = alice.post("/ops/merchants/lime-market/rollback", data={**form, "note": "Marketing wants the old label"})
    assert done.status_code == 303 and "回滚成功：顾客现在看到的" in text_of(alice.get(done.headers["Location"]))
    assert (config / "lime-market.yaml").read_text(encoding="utf-8") == live
    assert "Marketing wants the old label" in text_of(alice.get("/ops/merchants/lime-market/versions"))


def test_desk_refuses_a_rollback_without_a_note(config):
    desk = Desk(config)
    text = desk.live_text("peach-bakery")
    desk.save_draft("peach-bakery", text.replace("Peach Bakery", "Peach Bakery & Cafe"), version_of(text), "alice")
    desk.publish("peach-bakery", "alice", version_of(desk.draft_text("peach-bakery")), "new name")
    version = desk.releases("peach-bakery")[0].replaced
    with pytest.raises(NotPublishable):
        desk.rollback("peach-bakery", version, "alice", "")


def test_a_template_draft_is_refused_saying_what_to_fix(alice, config):
    alice.post("/ops/merchants", data={"csrf_token": csrf(alice, "/ops/"), "merchant_id": "tea-house"})
    confirm = text_of(alice.get("/ops/merchants/tea-house/publish"))
    refused = publish(alice, "tea-house", "first release", waiver="sandbox only")
    assert refused.status_code == 409
    for where in (confirm, text_of(refused)):
        assert "brand.name：zh-CN, en 仍是模板里的占位名称" in where
        assert "brand.colours：仍是模板的默认颜色" in where
        assert "brand.logo：还没有标志" in where
    assert not (config / "tea-house.yaml").exists()
    assert make_ready(alice, "tea-house").status_code == 200
    assert publish(alice, "tea-house", "first release", waiver="sandbox only").status_code == 303


def test_the_raw_editor_does_not_replace_a_valid_draft_with_an_invalid_one_without_asking(alice, config):
    changed_draft(alice, config)
    valid = Desk(config).draft_text("lime-market")
    broken = valid.replace('primary: "#0b7a4b"', "primary: not-a-colour")
    refused = save_raw(alice, "lime-market", broken)
    assert refused.status_code == 409 and "用有问题的草稿替换有效草稿" in text_of(refused)
    assert "brand.colours.primary" in text_of(refused)  # the problems are shown
    assert "not-a-colour" in refused.get_data(as_text=True)  # what was typed is still in the editor
    assert 'name="break_valid"' in refused.get_data(as_text=True)
    assert Desk(config).draft_text("lime-market") == valid
    assert "disabled>发布草稿…" not in refused.get_data(as_text=True)  # the saved draft can still go live
    confirmed = save_raw(alice, "lime-market", broken, break_valid="yes")
    assert confirmed.status_code == 200 and Desk(config).draft_text("lime-market") == broken


def test_an_invalid_draft_may_still_be_saved_over_an_invalid_one(alice, config):
    live = (config / "lime-market.yaml").read_text(encoding="utf-8")
    first = live.replace('primary: "#0b7a4b"', "primary: nope")
    assert save_raw(alice, "lime-market", first).status_code == 200  # no draft yet: live is untouched anyway
    assert save_raw(alice, "lime-market", first.replace("nope", "still-nope")).status_code == 200
