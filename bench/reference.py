"""A minimal reference wallet: the same card-system calls, with the same client, in parallel, and similar HTML.

What a BFF page costs beyond this is Kabao's own overhead (issue 12's goal: Kabao >= 0.8x its pages/s).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import requests
from flask import Flask, render_template_string

PAGE = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>卡包</title>
<link rel="stylesheet" href="/static/kabao.css"><script src="/static/htmx.min.js" defer></script></head>
<body><main><h1>卡内可用余额 ¥{{ "%.2f"|format(total / 100) }}</h1><ul>
{% for c in cards %}<li class="wallet-card"><a href="/cards/{{ c.card_id }}"><span>{{ c.card_type }}</span>
<span class="face-number">···· {{ c.card_number[-4:] if c.card_number else c.card_id[-4:] }}</span>
<span class="balance">¥{{ "%.2f"|format(c.balance / 100) }}</span><span>{{ c.status }}</span></a></li>{% endfor %}
</ul></main></body></html>"""


def reference_app(base_url: str, api_key: str, user_id: str, workers: int = 16) -> Flask:
    app = Flask(__name__)
    session = requests.Session()
    session.trust_env = False
    session.headers.update({"Authorization": f"Bearer {api_key}", "Accept": "application/json"})
    pool = ThreadPoolExecutor(workers)
    cards_url = f"{base_url}/users/{user_id}/cards"

    def detail(card_id: str) -> dict:
        return session.get(f"{cards_url}/{card_id}", timeout=(3, 5)).json()["card"]

    @app.get("/wallet")
    def wallet() -> str:
        listed = session.get(cards_url, timeout=(3, 5)).json()["cards"]
        cards = list(pool.map(detail, [c["card_id"] for c in listed]))
        total = sum(c["balance"] for c in cards if c["status"] == "ACTIVE")
        return render_template_string(PAGE, cards=cards, total=total)

    return app
