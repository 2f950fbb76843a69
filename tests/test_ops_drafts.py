"""Several named drafts per merchant: start from live or another draft, rename, discard (confirmed), 409s."""

from __future__ import annotations

import re

import pytest
from kabao_testing import text_of
from ops_testing import csrf, login

from bff.ops import shelf
from bff.ops.desk import Desk, DraftMovedOn, version_of


@pytest.fixture
def alice(ops_app):
    client = ops_app.test_client()
    login(client)
    return client


def create(client, name, source="live", merchant_id="lime-market"):
    form = {"csrf_token": csrf(client, "/ops/"), "name": name, "source": source}
    return client.post(f"/ops/merchants/{merchant_id}/drafts", data=form)


def base(client, draft, merchant_id="lime-market"):
    page = client.get(f"/ops/merchants/{merchant_id}?draft={draft}").get_data(as_text=True)
    return re.search(r'name="base" value="(\w*)"', page).group(1)


def save(client, draft, text, base_version=None, **extra):
    form = {"csrf_token": csrf(client, "/ops/"), "text": text, "base": base_version or base(client, draft), **extra}
    return client.post(f"/ops/merchants/lime-market?draft={draft}", data=form)


def test_named_drafts_are_listed_with_who_when_and_whether_they_validate(alice, config):
    live = (config / "lime-market.yaml").read_text(encoding="utf-8")
    assert create(alice, "christmas").status_code == 303
    assert save(alice, "christmas", live.replace("Money on your cards", "Christmas money")).status_code == 200
    assert create(alice, "broken", source="christmas").status_code == 303
    broken = live.replace('primary: "#0b7a4b"', "primary: red")
    assert save(alice, "broken", broken).status_code == 409  # it was a valid copy of christmas: asked first
    assert save(alice, "broken", broken, break_valid="yes").status_code == 200
    page = alice.get("/ops/merchants/lime-market")
    table = re.search(r'<table class="ops-table drafts".*?</table>', page.get_data(as_text=True), re.S).group(0)
    assert "christmas" in table and "broken" in table and "alice" in table
    assert re.search(r"broken.*?个问题", table, re.S) and re.search(r"christmas.*?有效", table, re.S)
    assert "Christmas money" in Desk(config).draft_text("lime-market", "christmas")
    assert Desk(config).draft_text("lime-market") is None  # the main draft was not touched
    assert (config / "lime-market.yaml").read_text(encoding="utf-8") == live


def test_a_draft_started_from_another_draft_copies_it(alice, config):
    live = (config / "lime-market.yaml").read_text(encoding="utf-8")
    create(alice, "a")
    save(alice, "a", live.replace("Money on your cards", "From A"))
    create(alice, "b", source="a")
    assert "From A" in Desk(config).draft_text("lime-market", "b")
    refused = create(alice, "a")
    assert refused.status_code == 409 and "已经有名为 a 的草稿" in text_of(refused)


def test_rename_and_discard_with_a_confirmation(alice, config):
    create(alice, "spring")
    form = {"csrf_token": csrf(alice, "/ops/"), "new_name": "spring-sale"}
    assert alice.post("/ops/merchants/lime-market/drafts/spring/rename", data=form).status_code == 303
    assert Desk(config).draft_text("lime-market", "spring") is None
    confirm = alice.get("/ops/merchants/lime-market/drafts/spring-sale/discard")
    assert confirm.status_code == 200 and "丢弃 lime-market 的草稿 spring-sale？" in text_of(confirm)
    token = re.search(r'name="base" value="(\w+)"', confirm.get_data(as_text=True)).group(1)
    done = alice.post(
        "/ops/merchants/lime-market/drafts/spring-sale/discard",
        data={"csrf_token": csrf(alice, "/ops/"), "base": token},
    )
    assert done.status_code == 303 and "草稿 spring-sale 已丢弃。" in text_of(alice.get(done.headers["Location"]))
    assert Desk(config).draft_text("lime-market", "spring-sale") is None
    assert [e.action for e in Desk(config).audit("lime-market")][:3] == [
        "discard draft spring-sale",
        "rename draft spring to spring-sale",
        "create draft spring",
    ]


def test_a_draft_saved_since_the_discard_page_opened_is_not_discarded(alice, config):
    create(alice, "summer")
    seen = base(alice, "summer")
    live = (config / "lime-market.yaml").read_text(encoding="utf-8")
    save(alice, "summer", live.replace("Money on your cards", "Summer"))
    refused = alice.post(
        "/ops/merchants/lime-market/drafts/summer/discard", data={"csrf_token": csrf(alice, "/ops/"), "base": seen}
    )
    assert refused.status_code == 409 and "Summer" in Desk(config).draft_text("lime-market", "summer")


def test_concurrent_saves_of_one_named_draft_409_but_other_drafts_are_independent(alice, ops_app, config):
    bob = ops_app.test_client()
    login(bob, "bob", "battery staple")
    live = (config / "lime-market.yaml").read_text(encoding="utf-8")
    create(alice, "one")
    create(alice, "two")
    seen_by_both = base(alice, "one")
    assert save(alice, "one", live.replace("Money on your cards", "Alice"), seen_by_both).status_code == 200
    assert save(bob, "one", live.replace("Money on your cards", "Bob"), seen_by_both).status_code == 409
    assert save(bob, "two", live.replace("Money on your cards", "Bob"), base(bob, "two")).status_code == 200
    assert "Alice" in Desk(config).draft_text("lime-market", "one")


def test_publishing_a_named_draft_publishes_it_and_keeps_the_others(alice, config):
    live = (config / "lime-market.yaml").read_text(encoding="utf-8")
    create(alice, "gift")
    create(alice, "other")
    save(alice, "gift", live.replace("Money on your cards", "Gift money"))
    form = {"csrf_token": csrf(alice, "/ops/"), "base": base(alice, "gift"), "note": "gift label", "draft": "gift"}
    assert alice.get("/ops/merchants/lime-market/publish?draft=gift").status_code == 200
    done = alice.post("/ops/merchants/lime-market/publish", data=form)
    assert done.status_code == 303 and "发布成功：顾客现在看到的" in text_of(alice.get(done.headers["Location"]))
    assert "Gift money" in (config / "lime-market.yaml").read_text(encoding="utf-8")
    assert Desk(config).draft_text("lime-market", "gift") is None
    assert Desk(config).draft_text("lime-market", "other") is not None


def test_bad_draft_names_are_refused(alice, config):
    assert create(alice, "../../etc").status_code == 422
    assert alice.get("/ops/merchants/lime-market?draft=..%2Fx").status_code == 404
    desk = Desk(config)
    with pytest.raises(ValueError):
        desk.draft_path("lime-market", "../x")


def test_desk_discard_checks_the_version(config):
    desk = Desk(config)
    shelf.create(desk, "peach-bakery", "x", "live", "alice")
    with pytest.raises(DraftMovedOn):
        shelf.discard(desk, "peach-bakery", "x", version_of("something else"), "alice")


def test_the_merchant_list_counts_named_drafts_and_keeps_a_new_merchant_whose_main_draft_was_renamed(alice, config):
    create(alice, "winter")
    assert "另有 1 份命名草稿" in text_of(alice.get("/ops/"))
    alice.post("/ops/merchants", data={"csrf_token": csrf(alice, "/ops/"), "merchant_id": "tea-house"})
    form = {"csrf_token": csrf(alice, "/ops/"), "new_name": "first-try"}
    assert alice.post("/ops/merchants/tea-house/drafts/main/rename", data=form).status_code == 303
    assert "tea-house" in text_of(alice.get("/ops/"))
    opened = alice.get("/ops/merchants/tea-house")
    assert opened.status_code == 303 and opened.headers["Location"].endswith("draft=first-try")
