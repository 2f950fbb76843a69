"""The onboarding guide and the mapping reference document what the code knows, and agree."""

from __future__ import annotations

from pathlib import Path

from bff.merchants.dialect import PLACEHOLDERS

DOCS = Path(__file__).resolve().parent.parent / "docs"


def test_every_placeholder_of_the_mapping_language_has_a_row_in_its_reference():
    rows = [line for line in (DOCS / "mapping.md").read_text(encoding="utf-8").splitlines() if line.startswith("| `{")]
    documented = {line.split("`")[1].strip("{}") for line in rows}
    assert PLACEHOLDERS | {"params"} <= documented


def test_the_test_cards_file_is_documented_field_by_field():
    guide = (DOCS / "onboarding.md").read_text(encoding="utf-8")
    for field in ("user_id:", "`number`", "`other_number`", "`sms_code_url`", "--config-dir"):
        assert field in guide


def test_both_documents_say_a_system_without_reverse_gives_back_by_refund():
    for name in ("onboarding.md", "mapping.md"):
        text = " ".join((DOCS / name).read_text(encoding="utf-8").replace("`", "").split())
        assert "without reverse" in text.lower() and "by a full refund of that leg" in text, name
    assert "without `reverse`, a failed split can't be undone" not in (DOCS / "mapping.md").read_text(encoding="utf-8")
