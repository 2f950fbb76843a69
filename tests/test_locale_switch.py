"""The language switch sends the shopper back to the page they were on, and never anywhere else."""

from __future__ import annotations

import pytest
from kabao_testing import csrf_token

from bff.security.redirects import same_site_path

OFF_SITE = [
    "//evil.example/",
    "/\t/evil.example/",
    "/\n/evil.example/",
    "\t//evil.example/",
    " //evil.example/",
    "/\\evil.example/",
    "\\\\evil.example/",
    "/\\/evil.example/",
    "https://evil.example/",
    "javascript:alert(1)",
    "evil.example",
    "/\r\nSet-Cookie: stolen=1",
    "/wallet\r\n",
    "/wallet\x00",
    "/\u3000/evil.example/",
    "",
]


@pytest.mark.parametrize("target", OFF_SITE)
def test_off_site_or_broken_next_goes_to_the_wallet(client, launch, target):
    launch()
    response = client.post(
        "/locale", data={"csrf_token": csrf_token(client, "/wallet"), "locale": "en", "next": target}
    )
    assert response.status_code == 303
    assert response.headers["Location"] == "/wallet"


@pytest.mark.parametrize("target", ["/wallet", "/cards/c_123?cursor=abc", "/checkout/ab12/result"])
def test_a_same_site_next_is_followed(client, launch, target):
    launch()
    response = client.post(
        "/locale", data={"csrf_token": csrf_token(client, "/wallet"), "locale": "en", "next": target}
    )
    assert (response.status_code, response.headers["Location"]) == (303, target)


@pytest.mark.parametrize("target", OFF_SITE)
def test_only_plain_same_site_paths_are_allowed(target):
    assert same_site_path(target) is None
