"""The ops console speaks zh-CN by default and English on request, from its own catalogues."""

from __future__ import annotations

import pytest

from bff.i18n.placeholders import placeholders
from bff.ops.language import LOCALES, catalogue


def test_both_console_catalogues_have_the_same_keys_and_placeholders() -> None:
    zh, en = (catalogue(locale) for locale in LOCALES)
    assert sorted(zh) == sorted(en)
    for key, text in zh.items():
        assert placeholders(text) == placeholders(en[key]), key
        assert text.strip() and en[key].strip(), key


def test_the_login_page_is_in_chinese_unless_the_browser_asks_for_english(client) -> None:
    page = client.get("/ops/login").get_data(as_text=True)
    assert '<html lang="zh-CN">' in page and "Kabao 运营后台" in page
    english = client.get("/ops/login", headers={"Accept-Language": "en-GB,en;q=0.9"}).get_data(as_text=True)
    assert '<html lang="en">' in english and "Kabao ops" in english


def test_the_switch_is_remembered_and_goes_back_to_the_page_it_came_from(client) -> None:
    switched = client.get("/ops/language/en?next=/ops/login")
    assert switched.status_code == 303 and switched.headers["Location"].endswith("/ops/login")
    assert '<html lang="en">' in client.get("/ops/login").get_data(as_text=True)
    client.get("/ops/language/zh-CN")
    assert '<html lang="zh-CN">' in client.get("/ops/login", headers={"Accept-Language": "en"}).get_data(as_text=True)


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "/wallet"])
def test_the_switch_only_goes_back_inside_the_console(client, target: str) -> None:
    response = client.get("/ops/language/en", query_string={"next": target})
    assert response.headers["Location"].endswith("/ops/")


def test_an_unknown_language_changes_nothing(client) -> None:
    response = client.get("/ops/language/fr")
    assert "kabao_ops_lang" not in response.headers.get("Set-Cookie", "")
