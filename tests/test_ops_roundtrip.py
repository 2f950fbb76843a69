"""Saving the structured form changes only the lines ops changed: comments, key order and quoting survive."""

from __future__ import annotations

from pathlib import Path

import pytest
from kabao_testing import text_of
from ops_testing import base_of, csrf, login
from werkzeug.datastructures import MultiDict

from bff.ops.desk import Desk, unified
from bff.ops.shape import NotFormShaped, apply_form, shape_of

CONFIG_DIR = Path(__file__).resolve().parents[1] / "wallet_config"
FILES = sorted(CONFIG_DIR.glob("*.yaml")) + [Path(__file__).resolve().parents[1] / "bff/merchants/template.yaml"]


def form_of(text: str, **changes: str) -> MultiDict[str, str]:
    """The form exactly as the editor shows this text, with `changes` typed in."""
    shape = shape_of(text)
    form = MultiDict({"form": "shape", "bind_method": shape["bind_method"]})
    form.update({f"colour_{key}": value for key, value in shape["colours"].items()})
    form.update({f"order_{i}": str(i + 1) for i in range(len(shape["sections"]))})
    form.update({f"copy_{locale}": lines for locale, lines in shape["copy_texts"].items()})
    if shape["checkout"]:
        checkout = shape["checkout"]
        form.update({"max_cards": str(checkout["max_cards"]), "pin": checkout["pin"]})
        form["pin_above"] = str(checkout["pin_above"])
        if checkout["allow_remainder"]:
            form["allow_remainder"] = "on"
    for key, value in changes.items():
        form[key] = value
    return form


def changed_lines(before: str, after: str) -> list[str]:
    return [line for line in unified(before, after).splitlines()[2:] if line[:1] in "+-"]


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_saving_the_form_unchanged_leaves_every_merchant_file_byte_for_byte(path):
    text = path.read_text(encoding="utf-8")
    assert apply_form(text, form_of(text)) == text


@pytest.mark.parametrize("merchant_id", ["lime-market", "willow-mall", "aspen-fitness"])
def test_one_colour_changed_is_a_one_line_diff(merchant_id):
    text = (CONFIG_DIR / f"{merchant_id}.yaml").read_text(encoding="utf-8")
    after = apply_form(text, form_of(text, colour_primary="#123456"))
    lines = changed_lines(text, after)
    assert len(lines) == 2 and lines[0].startswith("-") and lines[1].startswith("+")
    assert '"#123456"' in lines[1]  # the new value keeps the file's double quotes


def test_reordering_sections_keeps_the_comments_and_moves_only_those_lines():
    text = (CONFIG_DIR / "lime-market.yaml").read_text(encoding="utf-8")
    text = text.replace("    sections:\n", "    sections:  # what the wallet shows, top to bottom\n", 1)
    after = apply_form(text, form_of(text, order_0="2", order_1="1"))
    assert "# what the wallet shows, top to bottom" in after and after.splitlines()[0] == text.splitlines()[0]
    assert len(changed_lines(text, after)) <= 4


def test_a_copy_override_changed_is_one_line_and_others_keep_their_place():
    text = (CONFIG_DIR / "lime-market.yaml").read_text(encoding="utf-8")
    after = apply_form(text, form_of(text, copy_en="wallet.total: Money you can spend"))
    assert changed_lines(text, after) == [
        "-    wallet.total: Money on your cards",
        "+    wallet.total: Money you can spend",
    ]


def test_the_form_still_refuses_an_alias_bomb():
    bomb = 'a: &a ["x","x","x","x","x","x","x","x","x","x"]\n' + "".join(
        f"{c}: &{c} [{','.join(['*' + p] * 10)}]\n" for p, c in zip("abcdefg", "bcdefgh", strict=True)
    )
    with pytest.raises(NotFormShaped):
        apply_form(bomb, MultiDict({"form": "shape"}))


def test_a_comment_survives_a_form_save_and_the_audit_entry_is_one_line(ops_app, config):
    path = config / "lime-market.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("brand:\n", "brand:  # agreed with marketing\n", 1))
    client = ops_app.test_client()
    login(client)
    text = path.read_text(encoding="utf-8")
    form = form_of(text, colour_background="#eeeeee", base=base_of(client, "lime-market"))
    form["csrf_token"] = csrf(client, "/ops/")
    saved = client.post("/ops/merchants/lime-market", data=form)
    assert saved.status_code == 200 and "草稿已保存。" in text_of(saved)
    draft = Desk(config).draft_text("lime-market")
    assert "brand:  # agreed with marketing" in draft
    entry = Desk(config).audit("lime-market")[0]
    assert [line for line in entry.diff.splitlines()[2:] if line[:1] in "+-"] == [
        '-    background: "#f2f7f4"',
        '+    background: "#eeeeee"',
    ]


def test_a_colour_added_is_one_added_line_quoted_like_the_others():
    text = (CONFIG_DIR / "lime-market.yaml").read_text(encoding="utf-8")
    after = apply_form(text, form_of(text, colour_surface="#fefefe"))
    assert changed_lines(text, after) == ['+    surface: "#fefefe"']
