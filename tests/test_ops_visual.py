"""The visual editor: a live phone preview that saves nothing, saving that changes only the lines ops changed,
amounts in yuan stored in fen, problems shown without losing the draft; and notices inside their window."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from html import unescape
from html.parser import HTMLParser

import pytest
from kabao_testing import CONFIG_DIR, mint_launch_token, text_of
from ops_testing import login
from werkzeug.datastructures import MultiDict

from bff.ops.desk import Desk, unified
from bff.ops.visual_money import YuanProblem, parse_yuan

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


# --- the editor ---------------------------------------------------------------------------------------------------


class Fields(HTMLParser):
    """The fields a form sends as the page shows them: inputs, checked boxes, selected options, textareas."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: list[tuple[str, str]] = []
        self._select: str | None = None
        self._options: list[tuple[str, bool]] = []
        self._textarea: str | None = None
        self._option: dict[str, str | None] | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "input" and a.get("name") and a.get("type") not in ("submit", "button"):
            if a.get("type") != "checkbox" or "checked" in a:
                self.fields.append((a["name"], a.get("value") or ("on" if a.get("type") == "checkbox" else "")))
        elif tag == "select":
            self._select, self._options = a.get("name"), []
        elif tag == "option" and self._select:
            self._option = a
            self._options.append((a.get("value"), "selected" in a))
        elif tag == "textarea":
            self._textarea = a.get("name")
            self.fields.append((self._textarea, ""))

    def handle_data(self, data):
        if self._textarea:
            name, text = self.fields[-1]
            self.fields[-1] = (name, text + data)
        elif self._option is not None and self._option.get("value") is None:
            value, selected = self._options[-1]
            self._options[-1] = ((value or "") + data, selected)

    def handle_endtag(self, tag):
        if tag == "textarea":
            self._textarea = None
        elif tag == "option":
            self._option = None
        elif tag == "select" and self._select:
            chosen = next((v for v, s in self._options if s), self._options[0][0] if self._options else "")
            self.fields.append((self._select, chosen))
            self._select = None


def form_of(page: str, **changes: str) -> MultiDict:
    """The editor's form as a user's browser sends it, with `changes` typed in."""
    parser = Fields()
    parser.feed(page[page.index('id="visual-editor"') - 6 :])
    form = MultiDict([(k, v.removeprefix("\n") if k.startswith("s_") else v) for k, v in parser.fields])
    for key, value in changes.items():
        form[key] = value
    return form


@pytest.fixture
def ops(ops_app):
    client = ops_app.test_client()
    login(client)
    return client


def _editor(ops, merchant_id="lime-market"):
    response = ops.get(f"/ops/merchants/{merchant_id}/visual")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_the_editor_shows_the_merchants_draft_beside_its_phone_preview(ops):
    page = _editor(ops)
    assert "可视化编辑" in page and "<iframe" in page and 'name="c_primary" id="c_primary" value="#0b7a4b"' in page


def test_the_editor_offers_the_logo_and_card_art_uploads_which_come_back_to_it(ops):
    page = _editor(ops)
    assert 'action="/ops/merchants/lime-market/pictures/logo"' in page
    assert 'action="/ops/merchants/lime-market/pictures/art/gift"' in page
    assert 'name="back" value="/ops/merchants/lime-market/visual?"' in page


MERCHANTS = sorted(p.stem for p in CONFIG_DIR.glob("*.yaml"))
OLD_NOTICE, NEW_NOTICE = "双十二期间使用礼品卡支付满 100 元减 10 元。", "元旦期间全场储值卡九五折"


def _notice_field(form: MultiDict) -> str:
    return next(k for k, v in form.items() if k.endswith("_zh") and v == OLD_NOTICE)


def _preview(ops, form: MultiDict, merchant_id="lime-market") -> str:
    response = ops.post(f"/ops/merchants/{merchant_id}/visual/preview", data=form, headers={"HX-Request": "true"})
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _srcdoc(html: str) -> str:
    return unescape(re.search(r'srcdoc="([^"]*)"', html).group(1))


def _draft(config, merchant_id="lime-market") -> str | None:
    path = config / ".drafts" / f"{merchant_id}.yaml"
    return path.read_text(encoding="utf-8") if path.is_file() else None


def _changed(before: str, after: str) -> list[str]:
    return [line for line in unified(before, after).splitlines()[2:] if line[:1] in "+-"]


def test_saving_the_editor_untouched_changes_no_byte_of_any_merchant_file(ops, config):
    for merchant_id in MERCHANTS:  # one app for all: each file is its own check
        page = _editor(ops, merchant_id)
        saved = ops.post(f"/ops/merchants/{merchant_id}/visual", data=form_of(page, do="save"))
        assert saved.status_code == 303, merchant_id
        assert _draft(config, merchant_id) == (config / f"{merchant_id}.yaml").read_text(encoding="utf-8"), merchant_id


def test_the_live_preview_shows_the_new_colour_and_notice_and_saves_nothing(ops, config):
    form = form_of(_editor(ops), c_primary="#5b2a86")
    form[_notice_field(form)] = NEW_NOTICE
    live = _preview(ops, form)
    phone = _srcdoc(live)
    assert NEW_NOTICE in phone and OLD_NOTICE not in phone
    stylesheet = re.search(r'href="(/ops/merchants/visual/brand.css[^"]*)"', phone).group(1)
    assert "--primary: #5b2a86;" in ops.get(unescape(stylesheet)).get_data(as_text=True)
    assert 'hx-swap-oob="true"' in live and "没有问题" in live
    assert _draft(config) is None and ops.get("/ops/audit").get_data(as_text=True).count("save draft") == 0


def test_the_contrast_of_each_pair_is_shown_in_words_as_ops_pick_a_colour(ops):
    live = _preview(ops, form_of(_editor(ops), c_primary="#9be7c4"))  # pale green under white text
    row = re.search(r"主色上的文字（顶栏、按钮、总额）</td>\s*<td>([\d.]+):1</td>\s*<td>(.*?)</td>", live, re.S)
    assert float(row.group(1)) < 4.5 and "太淡，看不清" in row.group(2)
    assert "需要先修正" in live and "<iframe" not in live  # the last good preview stays as it is


def test_saving_changes_only_the_lines_ops_changed_and_the_audit_shows_only_those(ops, config):
    live = config / "lime-market.yaml"
    live.write_text(live.read_text(encoding="utf-8").replace("  colours:\n", "  colours:  # 品牌色，勿随意改\n"))
    before = live.read_text(encoding="utf-8")
    form = form_of(_editor(ops), c_primary="#5b2a86", do="save")
    form[_notice_field(form)] = NEW_NOTICE
    assert ops.post("/ops/merchants/lime-market/visual", data=form).status_code == 303
    after = _draft(config)
    lines = _changed(before, after)
    assert len(lines) == 4 and "# 品牌色，勿随意改" in after
    assert lines[1] == '+    primary: "#5b2a86"' and NEW_NOTICE in lines[3]
    entry = Desk(config).audit("lime-market")[0]
    assert entry.action == "save draft"
    assert [line for line in entry.diff.splitlines()[2:] if line[:1] in "+-"] == lines


@pytest.mark.parametrize(
    ("typed", "fen"), [("350.50", 35050), ("¥1,200", 120000), ("0.01", 1), ("300", 30000), (" 300. ", 30000)]
)
def test_yuan_as_ops_type_them_are_read_in_fen(typed, fen):
    assert parse_yuan(typed) == fen


@pytest.mark.parametrize(
    ("typed", "reason"),
    [("12.345", "decimals"), ("-5", "negative"), ("99999999", "absurd"), ("三百", "format"), ("1e3", "format")],
)
def test_an_amount_that_is_not_yuan_is_refused_with_its_reason(typed, reason):
    with pytest.raises(YuanProblem) as refused:
        parse_yuan(typed)
    assert refused.value.reason == reason


def test_an_amount_typed_in_yuan_is_stored_in_fen(ops, config):
    form = form_of(_editor(ops), pin="above", pin_above="¥1,200.50", do="save")
    assert ops.post("/ops/merchants/lime-market/visual", data=form).status_code == 303
    assert "pin: {required: above, above_amount: 120050}" in _draft(config)


@pytest.mark.parametrize(
    ("field", "typed", "says"),
    [("pin_above", "12.345", "最多两位小数"), ("pin_above", "-5", "不能是负数"), ("c_primary", "green", "不是颜色")],
)
def test_a_bad_colour_or_amount_is_a_problem_in_the_console_language(ops, field, typed, says):
    live = _preview(ops, form_of(_editor(ops), pin="above", **{field: typed}))
    assert says in live and typed in unescape(live) and "<iframe" not in live  # the last good preview stays


def test_a_save_with_a_bad_amount_is_refused_and_keeps_the_draft_and_what_was_typed(ops, config):
    ops.post("/ops/merchants/lime-market/visual", data=form_of(_editor(ops), do="save"))
    kept = _draft(config)
    form = form_of(_editor(ops), pin="above", pin_above="12.345", c_primary="#5b2a86", do="save")
    refused = ops.post("/ops/merchants/lime-market/visual", data=form)
    page = unescape(refused.get_data(as_text=True))
    assert refused.status_code == 422 and "没有保存" in page and "最多两位小数" in page
    assert 'value="12.345"' in page and 'value="#5b2a86"' in page  # what ops typed is still there to correct
    assert _draft(config) == kept


def test_moving_a_section_up_redraws_the_form_and_saves_nothing(ops, config):
    form = form_of(_editor(ops), do="up:1")
    page = ops.post("/ops/merchants/lime-market/visual", data=form).get_data(as_text=True)
    assert page.index('name="s_0_type" value="card_list"') < page.index('name="s_1_type" value="total_balance"')
    assert _draft(config) is None
    form = form_of(page, do="save")
    assert ops.post("/ops/merchants/lime-market/visual", data=form).status_code == 303
    sections = _draft(config).split("sections:\n", 1)[1]
    assert sections.index("type: card_list") < sections.index("type: total_balance")


def test_a_notice_added_in_the_editor_is_saved_with_its_window(ops, config):
    page = ops.post("/ops/merchants/lime-market/visual", data=form_of(_editor(ops), do="add:notice")).get_data(
        as_text=True
    )
    n = int(re.search(r'name="sections" value="(\d+)"', page).group(1)) - 1
    form = form_of(page, do="save", **{f"s_{n}_zh": "春节照常营业", f"s_{n}_starts": "2027-02-01T09:00"})
    form[f"s_{n}_ends"] = "2027-02-10T18:00"
    assert ops.post("/ops/merchants/lime-market/visual", data=form).status_code == 303
    draft = _draft(config)
    assert "- type: notice\n        text: {zh-CN: 春节照常营业}\n        starts: 2027-02-01T09:00\n" in draft
    assert "ends: 2027-02-10T18:00" in draft and not _problems(ops)


def test_faq_items_are_added_moved_and_removed_and_saved_in_that_order(ops, config):
    page = _editor(ops)
    faq = re.search(r'name="s_(\d+)_type" value="faq"', page).group(1)
    post = lambda form: ops.post("/ops/merchants/lime-market/visual", data=form).get_data(as_text=True)  # noqa: E731
    page = post(form_of(page, do=f"faq-add:{faq}"))
    new = int(re.search(rf'name="s_{faq}_items" value="(\d+)"', page).group(1)) - 1
    typed = {f"s_{faq}_i{new}_q_zh": "可以开发票吗？", f"s_{faq}_i{new}_a_zh": "可以，在订单页申请。"}
    page = post(form_of(page, do=f"faq-up:{faq}:{new}", **typed))
    page = post(form_of(page, do=f"faq-remove:{faq}:0"))
    assert ops.post("/ops/merchants/lime-market/visual", data=form_of(page, do="save")).status_code == 303
    items = _draft(config).split("- type: faq", 1)[1].split("- type:", 1)[0]
    assert "卡密码在哪里" not in items  # the first item, removed
    assert items.index("可以开发票吗？") < items.index("余额会过期吗")  # the new one, moved above the last


def _problems(ops) -> bool:
    return "需要先修正" in _editor(ops)


def test_an_override_is_picked_from_the_list_of_texts_with_their_default(ops, config):
    page = _editor(ops)
    assert '<option value="wallet.bind">绑定新卡 · ' in page  # the searchable list shows each default text
    form = form_of(page, do="copy-add", copy_pick="wallet.bind", copy_locale="zh-CN")
    page = ops.post("/ops/merchants/lime-market/visual", data=form).get_data(as_text=True)
    row = re.search(r'name="k_(\d+)_key" value="wallet.bind"', page).group(1)
    assert "绑定新卡" in page.split(f'name="k_{row}_key"')[1].split("</tr>")[0]
    form = form_of(page, do="save", **{f"k_{row}_text": "添加会员卡"})
    assert ops.post("/ops/merchants/lime-market/visual", data=form).status_code == 303
    assert "    wallet.bind: 添加会员卡\n" in _draft(config)


@pytest.mark.parametrize(
    "query",
    [
        '{"l":{"--primary":"red;} body{display:none"},"d":{},"f":{}}',
        '{"l":{"--primary;x":"#000000"},"d":{},"f":{}}',
        '{"l":{},"d":{},"f":{"a} b{":["#000000","#ffffff"]}}',
        "not json",
    ],
)
def test_the_preview_stylesheet_takes_only_brand_colours(ops, query):
    assert ops.get("/ops/merchants/visual/brand.css", query_string={"s": query}).status_code == 404


@pytest.mark.parametrize("path", ["../../etc/passwd", "/etc/hostname", "lime-market.yaml", ".drafts/x.svg/../x.yaml"])
def test_the_preview_logo_is_only_an_image_inside_the_config_dir(ops, path):
    assert ops.get("/ops/merchants/lime-market/visual/logo", query_string={"path": path}).status_code == 404


def test_the_editor_is_for_logged_in_ops_only(ops_app):
    client = ops_app.test_client()
    assert client.get("/ops/merchants/lime-market/visual").status_code == 303
    assert client.post("/ops/merchants/lime-market/visual/preview").status_code == 303


def test_the_editor_speaks_english_when_the_console_does(ops):
    ops.set_cookie("kabao_ops_lang", "en")
    page = _editor(ops)
    assert "Visual editor: Lime Market · lime-market" in page and "Save draft" in page and "可视化编辑" not in page
    live = _preview(ops, form_of(page, pin="above", pin_above="12.345"))
    assert "has more than two decimals" in unescape(live)


def test_the_preview_shows_the_page_and_state_ops_choose(ops):
    page = _editor(ops)
    assert '<option value="checkout/pin" >支付：要输入支付密码</option>' in page
    phone = _srcdoc(_preview(ops, form_of(page, view="checkout/pin", pin="always")))
    assert "支付订单" in phone and "的卡的支付密码" in phone
