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


def serve(bind: str, base_url: str, api_key: str, user_id: str, threads: int) -> None:
    """The reference app under gunicorn as `kabao serve` runs Kabao: one gthread worker, same keep-alive."""
    from gunicorn.app.base import BaseApplication

    class Server(BaseApplication):
        def load_config(self) -> None:
            settings = {"bind": bind, "workers": 1, "threads": threads, "worker_class": "gthread", "keepalive": 5}
            for key, value in {**settings, "timeout": 60}.items():
                self.cfg.set(key, value)

        def load(self) -> Flask:
            return reference_app(base_url, api_key, user_id)

    Server().run()


if __name__ == "__main__":  # BENCH_REFERENCE_API_KEY=… python bench/reference.py BIND BASE_URL USER_ID THREADS
    import os
    import sys

    bind, base_url, user_id, threads = sys.argv[1:5]
    serve(bind, base_url, os.environ["BENCH_REFERENCE_API_KEY"], user_id, int(threads))
