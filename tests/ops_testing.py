"""What the ops console tests share (fixtures `config` and `ops_app` are in conftest.py): logging in, forms."""

from __future__ import annotations

import re


def login(client, user="alice", password="correct horse"):  # noqa: S107 - test accounts
    return client.post("/ops/login", data={"user": user, "password": password})


def csrf(client, path):
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).get_data(as_text=True)).group(1)


def base_of(client, merchant_id):
    """The version the editor opened, as its form sends it back."""
    page = client.get(f"/ops/merchants/{merchant_id}").get_data(as_text=True)
    return re.search(r'name="base" value="(\w*)"', page).group(1)
