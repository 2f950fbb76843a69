"""Dark mode: a brand's dark colours, configured or derived, are checked like the light ones."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from bff.cli import main
from bff.merchants.colors import MIN_TEXT_CONTRAST, contrast_ratio
from bff.merchants.loader import validate_dir
from bff.merchants.palette import READ_PAIRS, link_on_white
from tests.test_config import problems_of, write_variant

REPO = Path(__file__).resolve().parent.parent


def dark(**colours):
    return lambda d: d["brand"].update(dark=colours)


def test_an_unreadable_dark_text_colour_names_its_key_path(tmp_path):
    path = write_variant(tmp_path, dark(surface="#1e2024", text="#3a3a3a"))
    [problem] = problems_of(path)
    assert problem.startswith("shop-a.yaml: brand.dark.text: dark scheme: text on surface: contrast ")
    assert "unreadable" in problem


def test_a_dark_primary_too_faint_for_links_is_refused(tmp_path):
    path = write_variant(tmp_path, dark(primary="#0b3a25"))
    [problem] = problems_of(path)
    assert problem.startswith("shop-a.yaml: brand.dark.primary: dark scheme: ")
    assert "primary (links, amounts) on surface" in problem


def test_a_light_dark_background_with_the_derived_light_text_is_refused(tmp_path):
    path = write_variant(tmp_path, dark(background="#f0f0f0"))
    [problem] = problems_of(path)
    assert problem.startswith("shop-a.yaml: brand.dark.background: dark scheme: text on background")


def test_config_validate_reports_a_dark_scheme_problem(tmp_path):
    write_variant(tmp_path, dark(on_primary="#777777", primary="#888888"))
    result = CliRunner().invoke(main, ["config", "validate", str(tmp_path)])
    assert result.exit_code == 1
    assert "brand.dark.on_primary" in result.output and "on_primary on primary" in result.output


def test_light_notices_are_checked_too(tmp_path):
    """The light scheme checks every pair a shopper reads, the primary tint of notices among them."""
    path = write_variant(tmp_path, lambda d: d["brand"]["colours"].update(primary="#0b7a4b", background="#6a6a6a"))
    [problem] = problems_of(path)
    assert problem.startswith("shop-a.yaml: brand.colours: light scheme: text on background")


def test_given_dark_colours_are_used(tmp_path):
    path = write_variant(tmp_path, dark(primary="#7ee2a8", surface="#101512"))
    merchants, problems = validate_dir(path.parent)
    assert problems == []
    scheme = merchants[0].config.brand.dark_scheme()
    assert scheme["primary"] == "#7ee2a8" and scheme["surface"] == "#101512"


@pytest.mark.parametrize("name", sorted(p.stem for p in (REPO / "wallet_config").glob("*.yaml")))
def test_every_shipped_brand_derives_a_readable_dark_scheme_in_its_own_hue(name, tmp_path):
    shutil.copy(REPO / "wallet_config" / f"{name}.yaml", tmp_path)
    shutil.copytree(REPO / "wallet_config" / "assets", tmp_path / "assets")
    [merchant], _ = validate_dir(tmp_path)
    brand = merchant.config.brand
    scheme = brand.dark_scheme()
    for fg, bg, what in READ_PAIRS:
        assert contrast_ratio(scheme[fg], scheme[bg]) >= MIN_TEXT_CONTRAST, what
    assert scheme["primary"] != brand.colours.primary  # lightened for a dark page
    assert scheme["background"] != brand.colours.background


def test_brand_css_gives_both_schemes(client, launch):
    launch()
    page = client.get("/wallet").get_data(as_text=True)
    css = client.get(re.search(r'href="(/brand/[^"]+/brand.css)"', page).group(1)).get_data(as_text=True)
    light, dark_part = css.split("@media (prefers-color-scheme: dark)")
    assert "--primary: #0b7a4b;" in light and "--notice-bg:" in light
    assert (
        "--primary: #0e9f62;" in dark_part and "--bg: #121316;" in dark_part and "--on-primary: #111111;" in dark_part
    )


def test_the_pay_codes_white_panel_links_in_the_light_brand_colour_in_either_scheme(client, launch):
    launch()
    page = client.get("/wallet").get_data(as_text=True)
    css = client.get(re.search(r'href="(/brand/[^"]+/brand.css)"', page).group(1)).get_data(as_text=True)
    light, dark_part = css.split("@media (prefers-color-scheme: dark)")
    assert "--link-on-white: #0b7a4b;" in light and "--link-on-white" not in dark_part


@pytest.mark.parametrize(("primary", "link"), [("#0b7a4b", "#0b7a4b"), ("#ffd23f", "#111111")])
def test_a_primary_too_light_for_a_white_panel_links_in_ink_there(primary, link):
    assert link_on_white(primary) == link
    assert contrast_ratio(link, "#ffffff") >= MIN_TEXT_CONTRAST
