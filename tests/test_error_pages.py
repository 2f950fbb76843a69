"""Error pages a shopper may land on: their language with no session, and the session-expired page."""

from __future__ import annotations

import re

import pytest
import yaml
from kabao_testing import mint_launch_token, text_of

from tests.test_config import problems_of, write_variant

EN = {"Accept-Language": "en-US,en;q=0.9"}
ZH = {"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5"}


def lang_of(response) -> str:
    return re.search(r'<html lang="([^"]+)"', response.get_data(as_text=True)).group(1)


@pytest.mark.parametrize(
    ("path", "status", "english", "chinese"),
    [
        ("/no-such-page", 404, "Not found", "找不到"),
        ("/wallet", 401, "Please open the wallet again", "请重新进入卡包"),
        ("/launch?token=not-a-token", 400, "", ""),
    ],
)
def test_error_pages_answer_in_the_browsers_language_when_there_is_no_session(client, path, status, english, chinese):
    in_english, in_chinese, unasked = (client.get(path, headers=h) for h in (EN, ZH, {}))
    assert (in_english.status_code, in_chinese.status_code, unasked.status_code) == (status, status, status)
    assert (lang_of(in_english), lang_of(in_chinese), lang_of(unasked)) == ("en", "zh-CN", "zh-CN")
    assert english in text_of(in_english) and chinese in text_of(in_chinese)
    assert text_of(in_english) != text_of(in_chinese)


def test_a_403_launch_answers_in_english_when_the_browser_asks_for_it(app, client):
    token = mint_launch_token(app.config["KABAO_HOST_SECRET"], "u1001", "lime-market", aud="another-app")
    response = client.get(f"/launch?token={token}", headers=EN)
    assert response.status_code == 403 and lang_of(response) == "en"


def test_the_session_language_wins_over_the_browsers(client, launch):
    launch(locale="en")
    response = client.get("/no-such-page", headers=ZH)
    assert response.status_code == 404 and lang_of(response) == "en" and "Not found" in text_of(response)


def end_session(client) -> None:
    with client.session_transaction() as session:
        session["seen"] = 0  # idle since 1970


@pytest.fixture
def app_with_app_url(make_app, config):
    path = config / "lime-market.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["support"]["app_url"] = "limeapp://wallet"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return make_app(config)


def test_an_ended_session_gets_the_merchants_own_page_with_a_way_back_to_the_app(app_with_app_url):
    client = app_with_app_url.test_client()
    token = mint_launch_token(app_with_app_url.config["KABAO_HOST_SECRET"], "u1001", "lime-market", locale="en")
    assert client.get(f"/launch?token={token}").status_code == 303
    end_session(client)
    response = client.get("/wallet", headers=ZH)
    page = response.get_data(as_text=True)
    assert response.status_code == 401
    assert "Lime Market" in text_of(response) and "Please open the wallet again" in text_of(response)
    assert re.search(r'href="/brand/lime-market/[^"]+/brand.css"', page), "the page wears the merchant's colours"
    assert re.search(r'<a class="button block" href="limeapp://wallet">Back to the app</a>', page)
    again = client.get("/cards/anything", headers=EN)  # the brand stays for the next tap, no shopper inside
    assert again.status_code == 401 and "Lime Market" in text_of(again) and "limeapp://wallet" in again.text


def test_without_an_app_url_the_page_says_what_to_do(client, launch):
    launch()
    end_session(client)
    response = client.get("/wallet")
    assert response.status_code == 401
    assert "青柠超市" in text_of(response) and "请回到 App 重新打开卡包" in text_of(response)
    assert "返回 App</a>" not in response.text


def test_an_htmx_tap_after_the_session_ended_reloads_into_that_page(client, launch):
    launch()
    end_session(client)
    response = client.get("/wallet", headers={"HX-Request": "true"})
    assert response.status_code == 401 and response.headers["HX-Refresh"] == "true"


def test_a_bad_app_url_is_refused(tmp_path):
    path = write_variant(tmp_path, lambda d: d["support"].update(app_url="javascript:alert(1)"))
    [problem] = problems_of(path)
    assert problem.startswith("shop-a.yaml: support.app_url: ") and "app link such as limeapp://wallet" in problem
