"""Ops accounts from the console: an admin adds, disables, resets and re-roles them, and ends their sessions."""

from __future__ import annotations

import logging

import pytest
from kabao_testing import text_of
from ops_testing import csrf, login
from werkzeug.security import generate_password_hash

from bff.ledger_db import open_ledger_db
from bff.ops.accounts import AccountBook, AccountProblem, load_file_accounts, session_key
from bff.ops.auth import check_login

BOSS_PASSWORD = "the boss's long password"  # noqa: S105 - test accounts
NEW_PASSWORD = "carol's first password"  # noqa: S105


@pytest.fixture
def accounts_app(make_app, config):
    """One admin from the deployment's account list, with every role (no roles named)."""
    return make_app(config, KABAO_OPS_USERS=f"boss:{generate_password_hash(BOSS_PASSWORD, 'pbkdf2:sha256:1000')}")


@pytest.fixture
def boss(accounts_app):
    client = accounts_app.test_client()
    assert login(client, "boss", BOSS_PASSWORD).status_code == 303
    return client


def post(client, path, **form):
    return client.post(path, data={"csrf_token": csrf(client, "/ops/sessions"), **form})


def add_carol(boss, roles=("editor",), merchants="", password=NEW_PASSWORD):
    form = {"user": "carol", "display_name": "Carol Chen", "roles": list(roles), "merchants": merchants}
    return post(boss, "/ops/accounts", password=password, **form)


def carol(app, password=NEW_PASSWORD):
    client = app.test_client()
    response = login(client, "carol", password)
    return client if response.status_code == 303 else None


def test_an_admin_adds_an_account_that_logs_in_with_its_roles(accounts_app, boss, caplog):
    caplog.set_level(logging.DEBUG)
    added = add_carol(boss, roles=("editor", "after-sales"), merchants="lime-market birch-tea")
    assert added.status_code == 303
    page = text_of(boss.get(added.headers["Location"]))
    assert "已添加账号 carol。" in page and "Carol Chen" in page and "birch-tea, lime-market" in page
    client = carol(accounts_app)
    assert client is not None and client.get("/ops/accounts").status_code == 403
    account = accounts_app.extensions["kabao_ops_accounts"].get("carol")
    assert account.roles == {"viewer", "editor", "after-sales"} and account.password_hash.startswith("scrypt:")
    assert NEW_PASSWORD not in caplog.text and NEW_PASSWORD not in page
    assert NEW_PASSWORD not in text_of(boss.get("/ops/audit")) and "账号：添加" in text_of(boss.get("/ops/audit"))


def test_a_short_password_or_a_taken_name_is_refused_and_says_why(accounts_app, boss):
    short = add_carol(boss, password="short")
    assert short.status_code == 422 and "密码至少需要 12 个字符。" in text_of(short)
    assert carol(accounts_app, "short") is None
    boss.set_cookie("kabao_ops_lang", "en")
    assert add_carol(boss).status_code == 303
    taken = add_carol(boss)
    assert taken.status_code == 409 and "There is an account carol already." in text_of(taken)
    from_file = post(boss, "/ops/accounts/boss/password", password="a new long password")
    assert from_file.status_code == 409 and "boss comes from the deployment" in text_of(from_file)


def test_disabling_an_account_ends_its_sessions_at_once_and_enabling_lets_it_back(accounts_app, boss):
    add_carol(boss)
    client = carol(accounts_app)
    assert client.get("/ops/").status_code == 200
    assert post(boss, "/ops/accounts/carol/enabled", enabled="0").status_code == 303
    assert client.get("/ops/").status_code == 303  # to the login page
    assert carol(accounts_app) is None
    post(boss, "/ops/accounts/carol/enabled", enabled="1")
    assert carol(accounts_app) is not None


def test_a_new_password_ends_the_sessions_and_only_it_opens_the_account(accounts_app, boss):
    add_carol(boss)
    client = carol(accounts_app)
    assert post(boss, "/ops/accounts/carol/password", password="carol's second password").status_code == 303
    assert client.get("/ops/").status_code == 303
    assert carol(accounts_app) is None and carol(accounts_app, "carol's second password") is not None


def test_changed_roles_apply_to_the_open_session(accounts_app, boss):
    add_carol(boss, roles=("after-sales",))
    client = carol(accounts_app)
    assert post(client, "/ops/merchants/lime-market/drafts", name="spring", source="live").status_code == 403
    assert post(boss, "/ops/accounts/carol/roles", roles=["editor"], merchants="").status_code == 303
    assert post(client, "/ops/merchants/lime-market/drafts", name="spring", source="live").status_code == 303


def test_an_admin_cannot_lock_themself_out(accounts_app, boss):
    book = accounts_app.extensions["kabao_ops_accounts"]
    book.add("boss", "ann", "Ann", ["admin"], "", NEW_PASSWORD)
    ann = accounts_app.test_client()
    login(ann, "ann", NEW_PASSWORD)
    assert post(ann, "/ops/accounts/ann/enabled", enabled="0").status_code == 409
    assert post(ann, "/ops/accounts/ann/roles", roles=["editor"]).status_code == 409
    assert book.get("ann").enabled and "admin" in book.get("ann").roles


def test_an_admin_sees_each_accounts_sessions_and_ends_one(accounts_app, boss):
    add_carol(boss)
    phone, laptop = carol(accounts_app), carol(accounts_app)
    page = text_of(boss.get("/ops/accounts"))
    assert page.count("来自 127.0.0.1") == 3  # boss's own session and carol's two
    sessions = accounts_app.extensions["kabao_ops_accounts"].sessions("carol", 1800)
    assert len(sessions) == 2
    assert post(boss, f"/ops/accounts/carol/sessions/{sessions[0].key}/end").status_code == 303
    still = [client.get("/ops/").status_code for client in (phone, laptop)]
    assert sorted(still) == [200, 303]  # the newer session (listed first) ended, the other is untouched


def test_a_user_ends_their_other_sessions(accounts_app, boss):
    add_carol(boss)
    phone, laptop = carol(accounts_app), carol(accounts_app)
    assert "结束我的其他会话" in text_of(laptop.get("/ops/sessions"))
    ended = post(laptop, "/ops/sessions/others/end")
    assert "已结束 1 个其他会话。" in text_of(laptop.get(ended.headers["Location"]))
    assert phone.get("/ops/").status_code == 303 and laptop.get("/ops/").status_code == 200


def test_accounts_are_shared_by_every_bff_process(make_app, config, accounts_app, boss):
    add_carol(boss)
    other = make_app(config, KABAO_OPS_USERS=accounts_app.config["KABAO_OPS_USERS"])  # same ledger and store
    client = carol(other)
    assert client is not None and client.get("/ops/").status_code == 200
    post(boss, "/ops/accounts/carol/enabled", enabled="0")
    assert client.get("/ops/").status_code == 303


def test_logging_in_right_never_uses_up_tries_only_failures_do(accounts_app):
    client = accounts_app.test_client()
    for _ in range(9):
        assert login(client, "boss", "wrong").status_code == 401
    for _ in range(20):
        assert login(client, "boss", BOSS_PASSWORD).status_code == 303
    assert login(client, "boss", "wrong").status_code == 401  # the tenth failure
    locked = login(client, "boss", BOSS_PASSWORD)
    assert locked.status_code == 429 and "尝试次数过多。请在 15 分钟后再试。" in text_of(locked)
    client.set_cookie("kabao_ops_lang", "en")
    assert "Too many tries. Try again in 15 minutes." in text_of(login(client, "boss", BOSS_PASSWORD))


def test_the_file_names_roles_with_the_hash_and_refuses_a_plain_password():
    hashed = generate_password_hash("x" * 12, "pbkdf2:sha256:1000")
    accounts = load_file_accounts({"KABAO_OPS_USERS": f"ed:{hashed}:editor+publisher,root:{hashed}"})
    assert accounts["ed"].roles == {"viewer", "editor", "publisher"} and accounts["ed"].password_hash == hashed
    assert accounts["root"].roles == {"viewer", "editor", "publisher", "after-sales", "admin"}
    with pytest.raises(ValueError, match="never the password"):
        load_file_accounts({"KABAO_OPS_USERS": "ed:hunter2hunter2"})


def test_the_account_book_holds_on_each_ledger_engine(ledger_url):
    db = open_ledger_db(ledger_url)
    try:
        from bff.checkout.migrations import upgrade

        upgrade(db)
        book = AccountBook({}, db)
        book.add("boss", "Carol", "Carol C", ["publisher"], "lime-market", NEW_PASSWORD)
        assert check_login(book, "carol", NEW_PASSWORD).merchants == {"lime-market"}
        with pytest.raises(AccountProblem):
            book.add("boss", "carol", "", [], "", NEW_PASSWORD)
        book.open_session("sid-1", "carol", "10.0.0.1")
        book.open_session("sid-2", "carol", "10.0.0.2")
        assert book.session_open("sid-1", "carol") and len(book.sessions("carol", 60)) == 2
        assert not book.end_session(session_key("sid-2"), "bob")  # only carol's own, when a user is named
        assert book.end_session(session_key("sid-2"), "carol")
        assert not book.session_open("sid-2", "carol") and len(book.sessions("carol", 60)) == 1
        book.set_enabled("carol", False)
        assert not book.session_open("sid-1", "carol") and book.sessions("carol", 60) == []
        assert check_login(book, "carol", NEW_PASSWORD) is None
    finally:
        db.close()


def test_session_times_are_in_the_consoles_zone_with_the_zone_named(make_app, config):
    users = f"root:{generate_password_hash('a long enough password', 'pbkdf2:sha256:1000')}"
    app = make_app(config, KABAO_OPS_USERS=users, KABAO_OPS_TIMEZONE="Asia/Tokyo")
    client = app.test_client()
    login(client, "root", "a long enough password")
    page = client.get("/ops/sessions").get_data(as_text=True)
    assert "(Asia/Tokyo)" in page and "UTC" not in page
