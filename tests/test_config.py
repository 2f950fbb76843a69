"""Merchant config: every problem names the file, the key path and what is wrong."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from bff.cli import main
from bff.merchants.loader import InvalidConfig, load_merchant, validate_dir

REPO = Path(__file__).resolve().parent.parent
GOOD = REPO / "wallet_config" / "lime-market.yaml"


def write_variant(tmp_path: Path, change, name: str = "shop-a") -> Path:
    data = yaml.safe_load(GOOD.read_text(encoding="utf-8"))
    data["brand"].pop("logo")
    change(data)
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def problems_of(path: Path) -> list[str]:
    with pytest.raises(InvalidConfig) as caught:
        load_merchant(path)
    return [str(p) for p in caught.value.problems]


def test_every_shipped_merchant_file_is_valid():
    merchants, problems = validate_dir(REPO / "wallet_config")
    assert problems == []
    assert len(merchants) >= 3


def test_missing_brand_colour_names_its_key_path(tmp_path):
    path = write_variant(tmp_path, lambda d: d["brand"]["colours"].pop("primary"))
    assert problems_of(path) == ["shop-a.yaml: brand.colours.primary: Field required"]


def test_unknown_section_type_is_refused(tmp_path):
    path = write_variant(tmp_path, lambda d: d["pages"]["wallet"]["sections"].append({"type": "lottery"}))
    [problem] = problems_of(path)
    assert problem.startswith("shop-a.yaml: pages.wallet.sections.6: ")
    assert "lottery" in problem and "card_list" in problem


def test_bad_regex_is_refused(tmp_path):
    path = write_variant(tmp_path, lambda d: d["flows"]["bind"]["card_number"].update(pattern="^6(\\d{15}$"))
    [problem] = problems_of(path)
    assert problem.startswith("shop-a.yaml: flows.bind.card_number.pattern: ")
    assert "not a valid regular expression" in problem


def test_unreadable_colour_contrast_is_refused(tmp_path):
    path = write_variant(tmp_path, lambda d: d["brand"]["colours"].update(on_primary="#10905e"))
    [problem] = problems_of(path)
    assert problem.startswith("shop-a.yaml: brand.colours: ")
    assert "on_primary on primary" in problem and "unreadable" in problem


def test_unreadable_card_face_is_refused(tmp_path):
    path = write_variant(tmp_path, lambda d: d["brand"]["card_faces"]["gift"].update(text="#0b7a4c"))
    [problem] = problems_of(path)
    assert problem.startswith("shop-a.yaml: brand.card_faces.gift: ")


def test_a_secret_written_in_place_of_an_env_var_name_is_refused(tmp_path):
    path = write_variant(tmp_path, lambda d: d["backend"]["credentials"].update(api_key_env="sk_live_9f8e7d6c5b4a"))
    [problem] = problems_of(path)
    assert problem.startswith("shop-a.yaml: backend.credentials.api_key_env: ")
    assert "environment variable" in problem and "sk_live" not in problem


def test_unknown_keys_and_unknown_copy_keys_are_refused(tmp_path):
    def change(d):
        d["brand"]["slogan"] = "hi"
        d["copy"]["zh-CN"]["wallet.totl"] = "typo"

    path = write_variant(tmp_path, change)
    found = problems_of(path)
    assert "shop-a.yaml: brand.slogan: Extra inputs are not permitted" in found
    assert any(p.startswith("shop-a.yaml: copy: zh-CN: unknown text keys wallet.totl") for p in found)


def test_file_name_must_be_a_merchant_id(tmp_path):
    path = write_variant(tmp_path, lambda d: None, name="Shop_A")
    assert problems_of(path) == ["Shop_A.yaml: (file): file name must be the merchant id: a-z, 0-9, '-'"]


def test_config_validate_exits_non_zero_listing_every_error(tmp_path):
    write_variant(tmp_path, lambda d: d["brand"]["colours"].pop("primary"), name="shop-a")
    write_variant(tmp_path, lambda d: d["flows"]["bind"].update(method="fingerprint"), name="shop-b")
    write_variant(tmp_path, lambda d: None, name="shop-c")
    result = CliRunner().invoke(main, ["config", "validate", str(tmp_path)])
    assert result.exit_code == 1
    assert "shop-a.yaml: brand.colours.primary: Field required" in result.output
    assert "shop-b.yaml: flows.bind.method: " in result.output
    assert "ok  shop-c.yaml" in result.output


def test_config_validate_passes_on_the_shipped_files():
    result = CliRunner().invoke(main, ["config", "validate", str(REPO / "wallet_config")])
    assert result.exit_code == 0, result.output


def test_config_schema_is_generated_from_the_model(tmp_path):
    out = tmp_path / "schema.json"
    result = CliRunner().invoke(main, ["config", "schema", "-o", str(out)])
    assert result.exit_code == 0
    schema = json.loads(out.read_text(encoding="utf-8"))
    assert {"brand", "pages", "flows", "backend", "copy"} <= set(schema["properties"])
    assert schema["additionalProperties"] is False


def test_committed_schema_is_up_to_date(tmp_path):
    out = tmp_path / "schema.json"
    CliRunner().invoke(main, ["config", "schema", "-o", str(out)])
    committed = REPO / "wallet_config" / "schema.json"
    assert out.read_text(encoding="utf-8") == committed.read_text(encoding="utf-8"), "run: kabao config schema"


def test_config_new_scaffolds_a_valid_file_and_refuses_to_overwrite(tmp_path):
    runner = CliRunner()
    assert runner.invoke(main, ["config", "new", "tea-house", "--dir", str(tmp_path)]).exit_code == 0
    load_merchant(tmp_path / "tea-house.yaml")
    again = runner.invoke(main, ["config", "new", "tea-house", "--dir", str(tmp_path)])
    assert again.exit_code != 0 and "exists already" in again.output
    assert runner.invoke(main, ["config", "new", "Bad Id", "--dir", str(tmp_path)]).exit_code != 0
