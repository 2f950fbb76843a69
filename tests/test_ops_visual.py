"""The visual editor: a live phone preview that saves nothing, saving that changes only the lines ops changed,
amounts in yuan stored in fen, problems shown without losing the draft; and notices inside their window."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from kabao_testing import mint_launch_token, text_of

NOTICE = "      - type: notice\n        text: {zh-CN: 双十二期间使用礼品卡支付满 100 元减 10 元。"


def _window(config, starts: datetime | None, ends: datetime | None) -> None:
    path = config / "lime-market.yaml"
    lines = "".join(f"\n        {k}: '{v.isoformat()}'" for k, v in (("starts", starts), ("ends", ends)) if v)
    text = path.read_text(encoding="utf-8")
    head, _, rest = text.partition(NOTICE)
    first, _, tail = rest.partition("\n")
    path.write_text(head + NOTICE + first + lines + "\n" + tail, encoding="utf-8")


def _shopper_wallet(make_app, config) -> str:
    """The wallet page's text as the shopper u1001 of lime-market gets it (balances waited for)."""
    app = make_app(config)
    client = app.test_client()
    client.get(f"/launch?token={mint_launch_token(app.config['KABAO_HOST_SECRET'], 'u1001', 'lime-market')}")
    page = text_of(client.get("/wallet?js=0"))
    assert "绑定新卡" in page  # the wallet itself, with its bind button: the merchant's file was valid
    return page


@pytest.mark.parametrize(
    ("starts", "ends", "shown"),
    [
        (None, None, True),
        (timedelta(hours=-1), timedelta(hours=1), True),
        (timedelta(hours=1), None, False),
        (None, timedelta(minutes=-1), False),
    ],
    ids=["no-window", "inside", "not-yet", "over"],
)
def test_shoppers_see_a_notice_only_between_its_start_and_end(make_app, config, starts, ends, shown):
    now = datetime.now(UTC)
    _window(config, starts and now + starts, ends and now + ends)
    assert ("双十二期间使用礼品卡支付满 100 元减 10 元。" in _shopper_wallet(make_app, config)) is shown


def test_a_naive_notice_time_is_in_the_merchants_zone(make_app, config):
    shanghai_now = datetime.now(UTC) + timedelta(hours=8)  # Asia/Shanghai, lime-market's zone, has no DST
    _window(config, (shanghai_now + timedelta(minutes=30)).replace(tzinfo=None), None)
    assert "双十二期间" not in _shopper_wallet(make_app, config)  # as UTC it would have started hours ago
