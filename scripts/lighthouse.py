"""Lighthouse (mobile) on the shopper pages of a running demo: prints the four scores of each page.

Run by hand, not in CI (issue 13, "Measured, not asserted"; axe-core runs in the suite: e2e/test_audit.py):

    .venv/bin/python scripts/lighthouse.py                       # starts `kabao demo` on free ports
    .venv/bin/python scripts/lighthouse.py --simulator http://127.0.0.1:8000 --merchant lime-market

Lighthouse is installed on first use with npm into ~/.cache/kabao-lighthouse (KABAO_LIGHTHOUSE_DIR), and
drives Chromium from /usr/bin/chromium (CHROME_PATH). Pages are opened as the seeded shopper u1001 after a
launch; Lighthouse sends that session's cookie. JSON reports go to --out (default $TMPDIR/kabao-lighthouse).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from e2e.merchants import all_merchants, config_dir  # noqa: E402 - the repository's own helpers
from e2e.stack import Demo, running_stack  # noqa: E402

LIGHTHOUSE_VERSION = "12"
CACHE = Path(os.environ.get("KABAO_LIGHTHOUSE_DIR", Path.home() / ".cache" / "kabao-lighthouse"))
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
SHOPPER = "u1001"
ORDER = 12800
# how each variant asks Chromium for the shopper's settings: a dark preference, text at 150% (24 px of 16)
VARIANTS = {
    "plain": "",
    "dark": "--blink-settings=preferredColorScheme=0",
    "text150": "--blink-settings=defaultFontSize=24",
    "dark+text150": "--blink-settings=preferredColorScheme=0,defaultFontSize=24",
}
CARD_LINK = re.compile(r'href="(/cards/[^"?]+)"')
PAYCODE_LINK = re.compile(r'href="(/paycode[^"]*)"')


def lighthouse() -> Path:
    binary = CACHE / "node_modules" / ".bin" / "lighthouse"
    if not binary.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        print(f"installing lighthouse@{LIGHTHOUSE_VERSION} into {CACHE} …", file=sys.stderr)
        subprocess.run(  # noqa: S603 - npm from PATH, fixed arguments
            [
                shutil.which("npm") or "npm",
                "install",
                "--no-audit",
                "--no-fund",
                "--prefix",
                str(CACHE),
                f"lighthouse@{LIGHTHOUSE_VERSION}",
            ],
            check=True,
        )
    return binary


def shopper_pages(simulator: str, merchant: str, locale: str) -> tuple[dict[str, str], str]:
    """{page name: URL} of the shopper pages, and the Cookie header of the session that sees them."""
    session = requests.Session()
    launch = session.post(
        f"{simulator}/_sandbox/launch-token",
        json={"user_id": SHOPPER, "merchant_id": merchant, "locale": locale},
        timeout=10,
    )
    launch.raise_for_status()
    wallet = session.get(launch.json()["url"], timeout=10)
    wallet.raise_for_status()
    base = wallet.url.split("/wallet")[0]
    # error pages answer 4xx, which Lighthouse refuses to audit: axe checks them (e2e/test_audit.py)
    pages = {"wallet": wallet.url, "bind": f"{base}/bind"}
    complete = session.get(f"{base}/wallet?js=0", timeout=10).text  # a first visit draws its cards by htmx
    for name, link in (("card+history", CARD_LINK), ("paycode", PAYCODE_LINK)):
        found = link.search(complete)
        if found:
            pages[name] = base + found.group(1).replace("&amp;", "&")
    order = {"user_id": SHOPPER, "merchant_id": merchant, "amount": ORDER, "locale": locale}
    minted = session.post(f"{simulator}/_sandbox/checkout-token", json=order, timeout=10)
    if minted.ok:
        checkout = session.get(minted.json()["url"], timeout=10)
        if checkout.ok:
            pages["checkout"] = checkout.url
    cookie = "; ".join(f"{c.name}={c.value}" for c in session.cookies if c.domain in base or not c.domain)
    return pages, cookie


FAILED = "   lighthouse failed (above)"


def audit(binary: Path, url: str, cookie: str, report: Path, variant: str = "plain") -> dict[str, int]:
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as headers:
        json.dump({"Cookie": cookie}, headers)
    env = {**os.environ, "CHROME_PATH": os.environ.get("CHROME_PATH", "/usr/bin/chromium")}
    done = subprocess.run(  # noqa: S603 - lighthouse from the cache, fixed arguments
        [
            str(binary),
            url,
            "--quiet",
            "--output=json",
            f"--output-path={report}",
            f"--extra-headers={headers.name}",
            f"--chrome-flags=--headless=new --no-sandbox --disable-gpu {VARIANTS[variant]}".strip(),
        ],
        env=env,
        check=False,
    )
    os.unlink(headers.name)
    if done.returncode != 0:
        return {}
    found = json.loads(report.read_text(encoding="utf-8"))["categories"]
    return {name: round(100 * (found[name]["score"] or 0)) for name in CATEGORIES}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--simulator", help="a running stack's host-app simulator URL (default: start a demo)")
    parser.add_argument("--merchant", help="merchant id (default: the first with the pay code, so every page is there)")
    parser.add_argument("--locales", default="zh-CN,en")
    parser.add_argument("--variants", default="plain,dark+text150", help=f"comma list of {', '.join(VARIANTS)}")
    parser.add_argument("--out", default=Path(tempfile.gettempdir()) / "kabao-lighthouse", type=Path)
    args = parser.parse_args()
    binary = lighthouse()
    merchants = all_merchants()
    merchant = args.merchant or next((m for m in merchants if m.paycode and m.checkout), merchants[0]).id
    demo = None
    if args.simulator:
        simulator = running_stack(args.simulator).simulator_url
    else:
        demo = Demo(Path(tempfile.mkdtemp(prefix="kabao-lighthouse-demo-")), config_dir())
        simulator = demo.stack.simulator_url
    args.out.mkdir(parents=True, exist_ok=True)
    try:
        print(f"{'page':<36}" + "".join(f"{c:>16}" for c in CATEGORIES))
        for locale in args.locales.split(","):
            pages, cookie = shopper_pages(simulator, merchant, locale)
            for variant in args.variants.split(","):
                for name, url in pages.items():
                    report = args.out / f"{merchant}-{name}-{locale}-{variant}.json"
                    scores = audit(binary, url, cookie, report, variant)
                    shown = "".join(f"{scores[c]:>16}" for c in CATEGORIES) if scores else FAILED
                    print(f"{f'{name} {locale} {variant}':<36}{shown}", flush=True)
    finally:
        if demo is not None:
            demo.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
