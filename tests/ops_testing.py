"""What the ops console tests share (fixtures `config` and `ops_app` are in conftest.py): logging in, forms."""

from __future__ import annotations

import re
from html import unescape


def login(client, user="alice", password="correct horse"):  # noqa: S107 - test accounts
    return client.post("/ops/login", data={"user": user, "password": password})


def csrf(client, path):
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).get_data(as_text=True)).group(1)


def base_of(client, merchant_id):
    """The version the editor opened, as its form sends it back."""
    page = client.get(f"/ops/merchants/{merchant_id}").get_data(as_text=True)
    return re.search(r'name="base" value="(\w*)"', page).group(1)


def publish(client, merchant_id, note="test release", **extra):
    """Publish the merchant's draft as the confirm page's form does: the version seen, and a note."""
    form = {"csrf_token": csrf(client, "/ops/"), "base": base_of(client, merchant_id), "note": note, **extra}
    return client.post(f"/ops/merchants/{merchant_id}/publish", data=form)


def ready_text(text):
    """A template draft made ready to go live: the merchant's own name, colours and logo."""
    text = text.replace("新商户", "茶舍").replace("New merchant", "Tea House").replace("#1a5fd0", "#2b6e4f")
    return text.replace("brand:\n", "brand:\n  logo: assets/lime-market.svg\n", 1)


def make_ready(client, merchant_id):
    """Save the merchant's draft made ready (see ready_text) through the raw editor."""
    page = client.get(f"/ops/merchants/{merchant_id}").get_data(as_text=True)
    text = unescape(re.search(r'<textarea id="text"[^>]*>(.*?)</textarea>', page, re.S).group(1))
    form = {"csrf_token": csrf(client, "/ops/"), "base": base_of(client, merchant_id), "text": ready_text(text)}
    return client.post(f"/ops/merchants/{merchant_id}", data=form)
