"""A merchant onboarded by config alone on an unseen card system: history paged by has-more, no card ids."""

from __future__ import annotations

import re

import responses
import yaml
from dialect_fake import DIALECT, NUMBER, UnseenSystem
from kabao_testing import REPO, mint_launch_token


def unseen_merchant(config_dir):
    data = yaml.safe_load((REPO / "wallet_config" / "lime-market.yaml").read_text(encoding="utf-8"))
    data["brand"].pop("logo")
    data["backend"] = {"adapter": "mapped", "base_url": "${KABAO_MERCHANT_SANDBOX_URL}/unseen", "dialect": DIALECT}
    config_dir.mkdir()
    (config_dir / "unseen-shop.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


@responses.activate
def test_history_paged_by_has_more_shows_every_row_and_the_number_is_no_card_id(
    make_app, card_system, tmp_path, monkeypatch
):
    monkeypatch.setenv("KABAO_MERCHANT_UNSEEN_KEY", "k3y")
    unseen_merchant(tmp_path / "config")
    UnseenSystem(rows=23).install(f"{card_system.url}/unseen")
    responses.add_passthru(card_system.url)
    app = make_app(tmp_path / "config")
    client = app.test_client()
    client.get(f"/launch?token={mint_launch_token(app.config['KABAO_HOST_SECRET'], 'u1', 'unseen-shop')}")
    wallet = client.get("/wallet?js=0").get_data(as_text=True)
    assert NUMBER[-4:] in wallet and NUMBER not in wallet
    card_url = re.search(r'href="(/cards/[^"?]+)"', wallet).group(1)
    html = client.get(card_url).get_data(as_text=True)
    while match := re.search(r'hx-get="(/cards/[^"]+/transactions\?[^"]*pages=\d+[^"]*)"', html):
        html = client.get(match.group(1).replace("&amp;", "&"), headers={"HX-Request": "true"}).get_data(as_text=True)
    assert len(re.findall(r'<li class="txn"', html)) == 23  # "load more" answers every page loaded so far
    assert "没有更多记录了" in html
