"""Second-person approval (KABAO_OPS_PUBLISH_APPROVAL=1): a publish is a request another publisher approves.

The publish happens at approval, from exactly the draft version requested; the audit log and the version
list name who requested and who approved. Rollback needs no approval (it returns to a version that was live).
"""

from __future__ import annotations

import pytest
from kabao_testing import text_of
from ops_testing import csrf, login, publish
from test_ops_releases import save_raw
from werkzeug.security import generate_password_hash

HASH = generate_password_hash("a long enough password", "pbkdf2:sha256:1000")


@pytest.fixture
def approval_app(make_app, config):
    users = f"alice:{HASH}:publisher+editor,bob:{HASH}:publisher,ed:{HASH}:editor"
    return make_app(config, KABAO_OPS_USERS=users, KABAO_OPS_PUBLISH_APPROVAL=True)


def as_user(app, user):
    client = app.test_client()
    assert login(client, user, "a long enough password").status_code == 303
    return client


def live_text(config):
    return (config / "lime-market.yaml").read_text(encoding="utf-8")


def requested(approval_app, config, note="Gift season label"):
    """alice changes the draft and asks to publish it: answers her client and the request's page path."""
    alice = as_user(approval_app, "alice")
    assert save_raw(alice, "lime-market", live_text(config).replace("Money on your cards", "Gift money")).status_code
    confirm = text_of(alice.get("/ops/merchants/lime-market/publish"))
    assert "提交发布申请" in confirm and "确认发布" not in confirm
    asked = publish(alice, "lime-market", note)
    assert asked.status_code == 303 and "/ops/approvals/" in asked.headers["Location"]
    return alice, asked.headers["Location"].split("?")[0]


def decide(client, path, verdict, **form):
    return client.post(f"{path}/{verdict}", data={"csrf_token": csrf(client, path), **form})


def test_a_publish_is_a_request_until_another_publisher_approves_it(approval_app, config):
    before = live_text(config)
    alice, path = requested(approval_app, config)
    page = text_of(alice.get(f"{path}?done=asked"))
    assert "已提交申请" in page and "Gift season label" in page and "待批准" in page
    assert "+    wallet.total: Gift money" in alice.get(path).get_data(as_text=True)  # the diff against live
    assert live_text(config) == before  # nothing went live
    bob = as_user(approval_app, "bob")
    assert "批准并发布" in text_of(bob.get(path))
    approved = decide(bob, path, "approve")
    assert approved.status_code == 303
    assert "Gift money" in live_text(config)
    assert "已批准并发布" in text_of(bob.get(path)) and "处理人 bob" in text_of(bob.get(path))


def test_the_version_list_and_the_audit_log_say_who_requested_and_who_approved(approval_app, config):
    _alice, path = requested(approval_app, config)
    bob = as_user(approval_app, "bob")
    decide(bob, path, "approve")
    versions = text_of(bob.get("/ops/merchants/lime-market/versions"))
    assert "alice 发布" in versions and "由 bob 批准" in versions and "Gift season label" in versions
    audit = text_of(bob.get("/ops/audit?merchant=lime-market"))
    assert "提交发布申请" in audit and "由 bob 批准" in audit


def test_the_requester_cannot_approve_their_own_request(approval_app, config):
    alice, path = requested(approval_app, config)
    assert "批准并发布" not in text_of(alice.get(path))
    refused = decide(alice, path, "approve")
    assert refused.status_code == 403 and "需要另一位发布人批准" in text_of(refused)
    assert "Gift money" not in live_text(config)


def test_a_draft_changed_after_the_request_makes_it_void_and_nothing_goes_live(approval_app, config):
    alice, path = requested(approval_app, config)
    changed = live_text(config).replace("Money on your cards", "Something else")
    assert save_raw(alice, "lime-market", changed).status_code == 200
    bob = as_user(approval_app, "bob")
    assert "申请之后草稿又改过了" in text_of(bob.get(path)) and "批准并发布" not in text_of(bob.get(path))
    void = decide(bob, path, "approve")
    assert void.status_code == 303
    page = text_of(bob.get(path))
    assert "已作废" in page and "the draft changed since the request" in page
    assert "Something else" not in live_text(config) and "Gift money" not in live_text(config)


def test_a_rejected_request_publishes_nothing_and_cannot_be_approved_after(approval_app, config):
    _alice, path = requested(approval_app, config)
    bob = as_user(approval_app, "bob")
    assert decide(bob, path, "reject", reason="wrong season").status_code == 303
    assert "已驳回" in text_of(bob.get(path))
    late = decide(bob, path, "approve")
    assert late.status_code == 409 and "Gift money" not in live_text(config)


def test_an_editor_cannot_approve(approval_app, config):
    _alice, path = requested(approval_app, config)
    ed = as_user(approval_app, "ed")
    assert "批准并发布" not in text_of(ed.get(path))
    assert decide(ed, path, "approve").status_code == 403 and "Gift money" not in live_text(config)


def test_the_approvals_list_shows_the_waiting_request(approval_app, config):
    _alice, path = requested(approval_app, config)
    page = as_user(approval_app, "bob").get("/ops/approvals")
    assert "发布审批" in text_of(page) and "lime-market · main" in text_of(page) and path in page.get_data(as_text=True)


def test_an_account_limited_to_other_merchants_neither_lists_nor_opens_the_request(approval_app, config):
    _alice, path = requested(approval_app, config)
    approval_app.extensions["kabao_ops_accounts"].add("alice", "tea", "Tea", ["publisher"], "birch-tea", "x" * 12)
    tea = approval_app.test_client()
    assert login(tea, "tea", "x" * 12).status_code == 303
    listed = tea.get("/ops/approvals")
    assert listed.status_code == 200 and path not in listed.get_data(as_text=True)
    opened = tea.get(path)
    assert opened.status_code == 403 and "不包括 lime-market" in text_of(opened)


def test_rollback_needs_no_approval(approval_app, config):
    _alice, path = requested(approval_app, config)
    bob = as_user(approval_app, "bob")
    decide(bob, path, "approve")
    versions = bob.get("/ops/merchants/lime-market/versions").get_data(as_text=True)
    version = versions.split("rollback?version=")[1].split('"')[0]
    form = {"csrf_token": csrf(bob, "/ops/sessions"), "version": version, "note": "back to before"}
    assert bob.post("/ops/merchants/lime-market/rollback", data=form).status_code == 303
    assert "Gift money" not in live_text(config)


class FakeDesk:
    """The desk as a publish request sees it: one draft, and the publishes asked of it."""

    def __init__(self, text):
        self.text, self.published = text, []

    def draft_text(self, merchant_id, draft="main"):
        return self.text

    def problems(self, merchant_id, text):
        return []

    def publish(self, merchant_id, user, base, note, waiver="", draft="main", approved_by=""):
        self.published.append((merchant_id, user, base, note, approved_by))


def test_publish_requests_hold_on_each_ledger_engine(ledger_url):
    from kabao_testing import CONFIG_DIR

    from bff.checkout.migrations import upgrade
    from bff.ledger_db import open_ledger_db
    from bff.ops.approvals import AlreadyDecided, NotYours, PublishRequests
    from bff.ops.desk import version_of

    db = open_ledger_db(ledger_url)
    try:
        upgrade(db)
        book, desk = PublishRequests(db), FakeDesk((CONFIG_DIR / "lime-market.yaml").read_text(encoding="utf-8"))
        first = book.ask(desk, "lime-market", "main", version_of(desk.text), "gift season", "", "alice")
        second = book.ask(desk, "lime-market", "main", version_of(desk.text), "again", "", "alice")
        with pytest.raises(NotYours):
            book.approve(desk, first, "alice")
        assert book.approve(desk, first, "bob").state == "approved"
        assert desk.published == [("lime-market", "alice", version_of(desk.text), "gift season", "bob")]
        with pytest.raises(AlreadyDecided):
            book.approve(desk, first, "carol")
        assert book.reject(second, "bob", "twice").state == "rejected"
        assert [r.state for r in book.recent()] == ["rejected", "approved"]
    finally:
        db.close()


@pytest.mark.parametrize(
    ("setting", "merchant", "waits"),
    [
        ("", "lime-market", False),
        ("0", "lime-market", False),
        ("1", "lime-market", True),
        ("true", "willow-mall", True),
        ("willow-mall, lime-market", "lime-market", True),
        ("willow-mall", "lime-market", False),
        ("willow-mall", None, True),  # some merchant waits: the console shows its approvals page
        (True, "lime-market", True),
    ],
)
def test_approval_is_on_for_every_merchant_or_for_the_merchants_named(setting, merchant, waits):
    from bff.ops.approval_views import approval_applies

    assert approval_applies(setting, merchant) is waits


def test_a_merchant_not_named_publishes_at_once_while_a_named_one_waits(make_app, config):
    users = f"alice:{HASH}:publisher+editor"
    app = make_app(config, KABAO_OPS_USERS=users, KABAO_OPS_PUBLISH_APPROVAL="willow-mall")
    alice = as_user(app, "alice")
    assert save_raw(alice, "lime-market", live_text(config).replace("Money on your cards", "Gift money")).status_code
    published = publish(alice, "lime-market", "not a merchant that waits")
    assert "/ops/approvals/" not in published.headers["Location"]
    assert "Gift money" in live_text(config)


class DyingDesk(FakeDesk):
    """A desk whose process dies in the middle of publishing (the first time)."""

    def publish(self, *args, **kwargs):
        if not self.published:
            self.published.append("died")
            raise SystemExit("the process was killed mid-publish")
        super().publish(*args, **kwargs)


def test_an_approval_whose_process_died_mid_publish_can_be_approved_again_after_a_while(tmp_path, monkeypatch):
    from kabao_testing import CONFIG_DIR

    from bff.checkout.migrations import upgrade
    from bff.ledger_db import open_ledger_db
    from bff.ops import approvals
    from bff.ops.desk import version_of

    db = open_ledger_db(f"sqlite:///{tmp_path / 'ledger.sqlite3'}")
    try:
        upgrade(db)
        book, desk = approvals.PublishRequests(db), DyingDesk((CONFIG_DIR / "lime-market.yaml").read_text("utf-8"))
        asked = book.ask(desk, "lime-market", "main", version_of(desk.text), "gift season", "", "alice")
        with pytest.raises(SystemExit):
            book.approve(desk, asked, "bob")
        assert book.get(asked).state == "approving"
        with pytest.raises(approvals.AlreadyDecided):  # claimed a moment ago: still being published, maybe
            book.approve(desk, asked, "carol")
        now = approvals.time.time()
        monkeypatch.setattr(approvals.time, "time", lambda: now + approvals.CLAIM_SECONDS + 1)
        assert book.approve(desk, asked, "carol").state == "approved"
        assert desk.published[-1] == ("lime-market", "alice", version_of(desk.text), "gift season", "carol")
    finally:
        db.close()
