"""Roles in the ops console: each change is refused (403, in the console's language) to an account without its role."""

from __future__ import annotations

import pytest
from kabao_testing import text_of
from ops_testing import csrf, login
from werkzeug.security import generate_password_hash

from bff.pages.services import services

ROLE_OF = {"viewer": "viewer", "editor": "editor", "publisher": "publisher", "desk": "after-sales", "boss": "admin"}
PASSWORD = "a long enough password"  # noqa: S105 - test accounts
HASH = generate_password_hash(PASSWORD, "pbkdf2:sha256:1000")  # cheap: tests log in often
M = "lime-market"

# every ops view that changes something (or shows the form for it): method, path, form, the role it needs
ACTIONS = [
    ("POST", f"/ops/merchants/{M}", {"text": "x: 1\n", "base": ""}, "editor"),
    ("POST", "/ops/merchants/no-such-shop/check", {}, "editor"),  # allowed: 404, without running a check
    ("POST", "/ops/merchants", {"merchant_id": "new-shop"}, "editor"),
    ("POST", f"/ops/merchants/{M}/drafts", {"name": "spring", "source": "live"}, "editor"),
    ("POST", f"/ops/merchants/{M}/drafts/main/rename", {"new_name": "spring"}, "editor"),
    ("GET", f"/ops/merchants/{M}/drafts/main/discard", {}, "editor"),
    ("POST", f"/ops/merchants/{M}/drafts/main/discard", {"base": ""}, "editor"),
    ("POST", f"/ops/merchants/{M}/pictures/logo", {"base": ""}, "editor"),
    ("POST", f"/ops/merchants/{M}/pictures/art/gift", {"base": ""}, "editor"),
    ("GET", f"/ops/merchants/{M}/publish", {}, "publisher"),
    ("POST", f"/ops/merchants/{M}/publish", {"note": "n", "base": ""}, "publisher"),
    ("GET", f"/ops/merchants/{M}/rollback?version=x", {}, "publisher"),
    ("POST", f"/ops/merchants/{M}/rollback", {"version": "x", "note": "n"}, "publisher"),
    ("POST", "/ops/approvals/0000/approve", {}, "publisher"),
    ("POST", "/ops/approvals/0000/reject", {}, "publisher"),
    ("POST", "/ops/orders/nope/query", {"reason": "r"}, "after-sales"),
    ("POST", "/ops/orders/nope/settle", {"reason": "r"}, "after-sales"),
    ("POST", "/ops/orders/nope/refund", {"reason": "r"}, "after-sales"),
    ("POST", "/ops/orders/nope/resend", {"reason": "r"}, "after-sales"),
    ("GET", "/ops/accounts", {}, "admin"),
    ("POST", "/ops/accounts", {"user": "carol", "password": PASSWORD}, "admin"),
    ("POST", "/ops/accounts/carol/enabled", {"enabled": "0"}, "admin"),
    ("POST", "/ops/accounts/carol/password", {"password": PASSWORD}, "admin"),
    ("POST", "/ops/accounts/carol/roles", {"roles": "editor"}, "admin"),
    ("POST", "/ops/accounts/carol/sessions/abc/end", {}, "admin"),
]


@pytest.fixture
def roles_app(make_app, config):
    """One account per role, from the deployment's account list (`user:hash:roles`)."""
    users = ",".join(f"{user}:{HASH}:{role}" for user, role in ROLE_OF.items())
    return make_app(config, KABAO_OPS_USERS=users)


def as_user(app, user):
    client = app.test_client()
    assert login(client, user, PASSWORD).status_code == 303
    return client


def send(client, method, path, form):
    if method == "GET":
        return client.get(path)
    return client.post(path, data={"csrf_token": csrf(client, "/ops/sessions"), **form})


@pytest.mark.parametrize("user", ROLE_OF)
def test_each_change_is_refused_to_every_other_role_and_allowed_to_its_own(roles_app, user):
    """The table ACTIONS × each role: one login per role (an app per cell would cost the suite minutes)."""
    client, role = as_user(roles_app, user), ROLE_OF[user]
    for method, path, form, needed in ACTIONS:
        response = send(client, method, path, form)
        if role == needed:
            assert response.status_code != 403, (method, path, text_of(response))
        else:
            assert response.status_code == 403, (method, path, response.status_code)
            assert "没有权限" in text_of(response) and "什么都没有改动" in text_of(response), (method, path)


def test_a_refused_save_changes_nothing_and_says_so_in_english_when_asked(roles_app, config):
    before = (config / f"{M}.yaml").read_text()
    client = as_user(roles_app, "viewer")
    client.set_cookie("kabao_ops_lang", "en")
    response = send(client, "POST", f"/ops/merchants/{M}", {"text": "brand: {}\n", "base": ""})
    assert response.status_code == 403
    assert "This needs the editor role for merchant lime-market" in text_of(response)
    assert (config / f"{M}.yaml").read_text() == before
    assert not (config / ".drafts" / f"{M}.yaml").exists()


def test_an_account_limited_to_some_merchants_changes_only_those(roles_app):
    book = roles_app.extensions["kabao_ops_accounts"]
    book.add("boss", "dora", "Dora", ["editor"], "birch-tea", PASSWORD)
    client = as_user(roles_app, "dora")
    mine = send(client, "POST", "/ops/merchants/birch-tea/drafts", {"name": "spring", "source": "live"})
    assert mine.status_code == 303 and mine.headers["Location"].endswith("/ops/merchants/birch-tea?draft=spring")
    other = send(client, "POST", f"/ops/merchants/{M}/drafts", {"name": "spring", "source": "live"})
    assert other.status_code == 403 and "lime-market" in text_of(other)


def test_an_account_limited_to_some_merchants_reads_only_those(roles_app):
    """A merchant's own staff see their merchant's files, orders, audit and requests, never another's shoppers."""
    book = roles_app.extensions["kabao_ops_accounts"]
    book.add("boss", "dora", "Dora", ["after-sales"], "birch-tea", PASSWORD)
    with roles_app.app_context():
        ledger = services().ledger
        theirs = ledger.open_checkout(M, "u-lime", "ORDER-LIME-1", 1200, "CNY", "")
        mine = ledger.open_checkout("birch-tea", "u-birch", "ORDER-BIRCH-1", 800, "CNY", "")
    send(as_user(roles_app, "editor"), "POST", f"/ops/merchants/{M}/drafts", {"name": "spring", "source": "live"})
    client = as_user(roles_app, "dora")
    roster = text_of(client.get("/ops/"))
    assert "birch-tea" in roster and M not in roster
    for path in (
        f"/ops/merchants/{M}",
        f"/ops/merchants/{M}/versions",
        f"/ops/preview/{M}",
        f"/ops/orders/{theirs.checkout_id}",
    ):
        refused = client.get(path)
        assert refused.status_code == 403 and "不包括 lime-market" in text_of(refused), path
    assert client.get(f"/ops/orders/{mine.checkout_id}").status_code == 200
    found = text_of(client.get("/ops/orders", query_string={"kind": "checkout", "q": theirs.checkout_id}))
    assert "ORDER-LIME-1" not in found
    assert "ORDER-BIRCH-1" in text_of(client.get("/ops/orders", query_string={"kind": "order", "q": "ORDER-BIRCH-1"}))
    dashboard, audit = text_of(client.get("/ops/dashboard")), text_of(client.get("/ops/audit"))
    assert "birch-tea" in dashboard and M not in dashboard
    assert M not in audit and "spring" not in audit  # the editor's draft of lime-market
    assert M in text_of(as_user(roles_app, "viewer").get("/ops/audit"))  # an unlimited account sees it


def test_buttons_an_account_cannot_use_are_not_shown(roles_app, config):
    (config / ".drafts").mkdir(exist_ok=True)
    (config / ".drafts" / f"{M}.yaml").write_text((config / f"{M}.yaml").read_text() + "\n# a change\n")
    viewer_page = text_of(as_user(roles_app, "viewer").get(f"/ops/merchants/{M}"))
    editor_page = text_of(as_user(roles_app, "editor").get(f"/ops/merchants/{M}"))
    publisher_page = text_of(as_user(roles_app, "publisher").get(f"/ops/merchants/{M}"))
    assert "保存草稿" not in viewer_page and "新建草稿" not in viewer_page
    assert "保存草稿" in editor_page and "发布草稿…" not in editor_page
    assert "发布草稿…" in publisher_page and "保存草稿" not in publisher_page
    assert "账号" not in text_of(as_user(roles_app, "editor").get("/ops/"))
    assert "账号" in text_of(as_user(roles_app, "boss").get("/ops/"))


def test_accounts_from_the_file_without_roles_hold_every_role(ops_app):
    client = ops_app.test_client()
    login(client)
    assert client.get("/ops/accounts").status_code == 200


OPEN_TO_EVERY_ACCOUNT = {"ops.login", "ops.logout", "ops_accounts.end_my_other_sessions"}


def test_every_ops_route_that_changes_something_needs_a_role(app):
    """A new ops view taking a POST (an upload, say) is refused to everyone without its role, or this fails."""
    unguarded = [
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/ops") and "POST" in rule.methods and rule.endpoint not in OPEN_TO_EVERY_ACCOUNT
        if not getattr(app.view_functions[rule.endpoint], "ops_role", None)
    ]
    assert unguarded == []
