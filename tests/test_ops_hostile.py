"""The ops console under broken or hostile drafts: every draft shows its problems and stays editable, no 500s."""

from __future__ import annotations

import yaml
from kabao_testing import text_of
from ops_testing import base_of, csrf, login

from bff.ops.desk import Desk

MERCHANT = "lime-market"
NESTED = "brand: " + "[" * 5000 + "]" * 5000 + "\n"
LAUGHS = (  # "billion laughs": a few lines that stand for 10**6 values once aliases are expanded
    'a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]\n'
    + "".join(
        f"{name}: &{name} [{', '.join([f'*{prev}'] * 10)}]\n" for prev, name in zip("abcde", "bcdef", strict=True)
    )
    + "copy:\n  en:\n    wallet.total: *f\n"
)


def save_raw(client, text, merchant_id=MERCHANT):
    data = {"csrf_token": csrf(client, "/ops/"), "text": text, "base": base_of(client, merchant_id)}
    return client.post(f"/ops/merchants/{merchant_id}", data=data)


def with_sections_five(config) -> str:
    data = yaml.safe_load((config / f"{MERCHANT}.yaml").read_text(encoding="utf-8"))
    data["pages"]["wallet"]["sections"] = 5
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


def audit_size(config) -> int:
    path = config / ".history" / "audit.jsonl"
    return path.stat().st_size if path.is_file() else 0


def test_a_draft_of_the_wrong_type_shows_its_problem_and_opens_in_the_raw_editor(ops_app, config):
    client = ops_app.test_client()
    login(client)
    saved = save_raw(client, with_sections_five(config))
    assert saved.status_code == 200 and "pages.wallet.sections" in text_of(saved)
    editor = client.get(f"/ops/merchants/{MERCHANT}")
    assert editor.status_code == 200
    page = text_of(editor)
    assert "pages.wallet.sections" in page and "sections: 5" in page
    assert "表单无法显示这份草稿：pages.wallet.sections 不是列表" in page
    index = client.get("/ops/")
    assert index.status_code == 200 and "个问题" in text_of(index)


def test_the_form_on_a_draft_it_cannot_show_says_so_and_keeps_the_draft(ops_app, config):
    client = ops_app.test_client()
    login(client)
    broken = with_sections_five(config)
    save_raw(client, broken)
    form = {"csrf_token": csrf(client, "/ops/"), "form": "shape", "base": base_of(client, MERCHANT)}
    refused = client.post(f"/ops/merchants/{MERCHANT}", data={**form, "colour_primary": "#123456"})
    assert refused.status_code == 422 and "pages.wallet.sections 不是列表" in text_of(refused)
    assert Desk(config).draft_text(MERCHANT) == broken


def test_deeply_nested_yaml_is_refused_and_the_console_keeps_working(ops_app, config):
    client = ops_app.test_client()
    login(client)
    saved = save_raw(client, NESTED)
    assert saved.status_code == 200 and "nest" in text_of(saved)  # "nested deeper than 64 levels" or libyaml's
    assert client.get("/ops/").status_code == 200
    editor = client.get(f"/ops/merchants/{MERCHANT}")
    assert editor.status_code == 200 and "nest" in text_of(editor)
    assert "[[[[" in editor.get_data(as_text=True)  # the broken text is there to fix
    assert client.get(f"/ops/preview/{MERCHANT}/wallet/cards?source=draft").status_code == 422


def test_aliases_that_expand_hugely_are_refused(ops_app, config):
    client = ops_app.test_client()
    login(client)
    saved = save_raw(client, LAUGHS)
    assert saved.status_code == 200 and "more than 100,000 values, counting aliases in full" in text_of(saved)
    assert client.get("/ops/").status_code == 200
    assert client.get(f"/ops/merchants/{MERCHANT}").status_code == 200


def test_a_draft_over_the_size_limit_is_refused_and_nothing_is_written(ops_app, config):
    client = ops_app.test_client()
    login(client)
    live = (config / f"{MERCHANT}.yaml").read_text(encoding="utf-8")
    refused = save_raw(client, live + "#" + "x" * (300 * 1024) + "\n")
    assert refused.status_code == 413 and "最大 256 KB" in text_of(refused)
    assert Desk(config).draft_text(MERCHANT) is None and audit_size(config) == 0


def test_a_huge_body_is_refused_before_anything_is_written(ops_app, config):
    client = ops_app.test_client()
    login(client)
    refused = save_raw(client, "x" * (10 * 1024 * 1024))
    assert refused.status_code == 413 and "最大 256 KB" in text_of(refused)
    assert Desk(config).draft_text(MERCHANT) is None and audit_size(config) == 0


def test_an_audit_entry_keeps_a_bounded_diff(ops_app, config):
    client = ops_app.test_client()
    login(client)
    live = (config / f"{MERCHANT}.yaml").read_text(encoding="utf-8")
    big = live + "".join(f"# line {i} {'x' * 60}\n" for i in range(3000))  # about 200 KB, within the limit
    assert save_raw(client, big).status_code == 200
    entry = Desk(config).audit(MERCHANT)[0]
    assert entry.action == "save draft" and "truncated" in entry.diff
    assert audit_size(config) < 80 * 1024


def test_a_non_ascii_csrf_token_is_a_400_page(ops_app, config):
    client = ops_app.test_client()
    login(client)
    refused = client.post(f"/ops/merchants/{MERCHANT}/publish", data={"csrf_token": "令牌é"})
    assert refused.status_code == 400 and "表单被拒绝" in text_of(refused)
    header = client.post(f"/ops/merchants/{MERCHANT}/publish", headers={"X-CSRFToken": "tökén"})
    assert header.status_code == 400


def test_a_broken_line_in_the_audit_log_leaves_the_log_readable(ops_app, config):
    client = ops_app.test_client()
    login(client)
    live = (config / f"{MERCHANT}.yaml").read_text(encoding="utf-8")
    save_raw(client, live + "# first\n")
    with open(config / ".history" / "audit.jsonl", "a", encoding="utf-8") as log:
        log.write('{"when": 1, "user": "cut sh\n[1, 2]\n')
    page = client.get("/ops/audit")
    assert page.status_code == 200 and "# first" in text_of(page)
