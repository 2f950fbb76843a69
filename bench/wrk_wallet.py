"""Wallet pages/s under wrk: Kabao (`kabao serve`) vs the reference app (bench/reference.py), same gunicorn setup.

    .venv/bin/python bench/wrk_wallet.py [--seconds 5] [--connections 4] [--cards 4 8] [--no-pin] [--keep-alive]

Starts the sandbox, `kabao serve` (1 worker, 4 threads) and the reference app under gunicorn the same way
(1 gthread worker, 4 threads), launches one shopper, and drives each server's complete wallet page
(`/wallet?js=0` for Kabao: balances fetched in parallel and rendered, what the reference app does) with wrk on
127.0.0.1 for --seconds, with the shopper's session cookie; 4 and 8 cards. Kabao and the reference take turns,
3 runs each; it prints the median req/s and the median ratio Kabao ÷ reference (goal >= 0.8). With two or more
cores the servers run on core 0 and wrk and the sandbox on core 1 (--no-pin: wherever the kernel puts them).
Installs nothing: it says `apt-get install wrk` when wrk is missing.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "tests"), str(REPO / "bench")]

from kabao_testing import CONFIG_DIR, bff_env, mint_launch_token  # noqa: E402
from keepalive import record, replay_server  # noqa: E402
from stack import cpu_seconds, kabao_serve, wait_for  # noqa: E402
from ttfb import MERCHANT, USER, give_cards  # noqa: E402

from sandbox.runner import RunningSandbox, free_port, start_sandbox  # noqa: E402

WALLET, GOAL = "/wallet?js=0", 0.8
RATE = re.compile(r"Requests/sec:\s+([\d.]+)")


def pin(pid: int, cores: set[int]) -> None:
    """Every thread of a process and of its children onto these cores (threads started later inherit it)."""
    for task in Path(f"/proc/{pid}/task").glob("*"):
        os.sched_setaffinity(int(task.name), cores)
        children = task / "children"
        for child in children.read_text().split() if children.exists() else []:
            pin(int(child), cores)


@contextmanager
def reference_server(base_url: str, api_key: str, user_id: str, threads: int = 4) -> Iterator[tuple[str, int]]:
    """The reference app under gunicorn on a free loopback port: (its URL, its pid)."""
    port = free_port()
    command = [
        sys.executable,
        str(REPO / "bench" / "reference.py"),
        f"127.0.0.1:{port}",
        base_url,
        user_id,
        str(threads),
    ]
    env = {**os.environ, "BENCH_REFERENCE_API_KEY": api_key}
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # noqa: S603
    url = f"http://127.0.0.1:{port}"

    def up() -> bool:
        try:
            return requests.get(f"{url}/wallet", timeout=2).ok
        except requests.RequestException:
            return False

    try:
        if not wait_for(up, 30):
            raise RuntimeError("the reference app did not answer")
        yield url, process.pid
    finally:
        process.terminate()
        process.wait(15)


def wrk(url: str, cookie: str, seconds: int, connections: int, cores: set[int] | None, pid: int) -> tuple[float, float]:
    """req/s of one wrk run and the server's CPU ms per answer (pid: the server's); refuses errors, non-2xx."""
    command = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "-H", f"Cookie: {cookie}", url]
    cpu = cpu_seconds(pid)
    out = subprocess.run(  # noqa: S603 - the Debian binary, fixed arguments
        command,
        capture_output=True,
        text=True,
        check=True,
        preexec_fn=(lambda: os.sched_setaffinity(0, cores)) if cores else None,
    ).stdout
    cpu = cpu_seconds(pid) - cpu
    if "Non-2xx" in out or "Socket errors" in out:
        raise RuntimeError(f"wrk saw errors:\n{out}")
    answers = int(re.search(r"(\d+) requests in", out).group(1))
    return float(RATE.search(out).group(1)), cpu / max(answers, 1) * 1000


@contextmanager
def card_system(sandbox: RunningSandbox, keep_alive: bool) -> Iterator[tuple[str, int]]:
    """The card system both servers call (its URL and pid): the sandbox (werkzeug, `Connection: close`), or with
    keep_alive bench/keepalive.py replaying the sandbox's answers for the shopper's list and cards."""
    if not keep_alive:
        yield sandbox.url, sandbox.process.pid
        return
    listed, auth = f"/cs/lime/v1/users/{USER}/cards", {"Authorization": f"Bearer {sandbox.api_key}"}
    ids = [card["card_id"] for card in requests.get(sandbox.url + listed, headers=auth, timeout=10).json()["cards"]]
    with replay_server(record(sandbox.url, [listed, *(f"{listed}/{i}" for i in ids)], auth)) as replay:
        yield replay.url, replay.pid


def launch(base: str, host_secret: str) -> str:
    """A shopper launched into the wallet: its Cookie header."""
    shopper = requests.Session()
    shopper.trust_env = False
    shopper.get(f"{base}/launch?token={mint_launch_token(host_secret, USER, MERCHANT)}", timeout=30).raise_for_status()
    return "; ".join(f"{c.name}={c.value}" for c in shopper.cookies)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--cards", type=int, nargs="+", default=[4, 8])
    parser.add_argument("--no-pin", action="store_true")
    parser.add_argument("--keep-alive", action="store_true", help="a kept-alive replay of the card system's answers")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: apt-get install wrk")
    pinned = not args.no_pin and len(os.sched_getaffinity(0)) >= 2
    client_cores = {1} if pinned else None
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}; pinned: {pinned}")
    with start_sandbox(config_dir=CONFIG_DIR) as sandbox, tempfile.TemporaryDirectory() as tmp:
        for wanted in sorted(args.cards):
            cards = give_cards(sandbox.url, wanted)
            with (
                card_system(sandbox, args.keep_alive) as (card_url, card_pid),
                kabao_serve(
                    {**bff_env(sandbox, Path(tmp)), "KABAO_MERCHANT_SANDBOX_URL": card_url},
                    Path(tmp) / f"bff-{wanted}",
                    workers=1,
                    threads=4,
                ) as bff,
                reference_server(f"{card_url}/cs/lime/v1", sandbox.api_key, USER) as (ref, ref_pid),
            ):
                cookie = launch(bff.url, sandbox.host_secret)
                page = requests.get(f"{bff.url}{WALLET}", headers={"Cookie": cookie}, timeout=30).text
                assert page.count('<li id="card-') == cards, "the wallet does not show every card"
                if pinned:
                    for pid, cores in ((bff.process.pid, {0}), (ref_pid, {0}), (card_pid, {1})):
                        pin(pid, cores)
                servers = ((f"{bff.url}{WALLET}", cookie, bff.process.pid), (f"{ref}/wallet", "", ref_pid))
                runs = compare(servers, args.seconds, args.connections, client_cores)
            report(runs, cards, args)


def compare(servers: tuple, seconds: int, connections: int, cores: set[int] | None) -> list[tuple[float, ...]]:
    """Kabao and the reference taking turns, 3 runs (a change in the machine's load hits both alike)."""
    for url, cookie, pid in servers:  # warm both
        wrk(url, cookie, 1, connections, cores, pid)
    return [
        tuple(figure for url, cookie, pid in servers for figure in wrk(url, cookie, seconds, connections, cores, pid))
        for _ in range(3)
    ]


def report(runs: list[tuple[float, ...]], cards: int, args: argparse.Namespace) -> None:
    rate, cpu, ref_rate, ref_cpu = (statistics.median(r[i] for r in runs) for i in range(4))
    ratio = statistics.median(r[0] / r[2] for r in runs)
    each = ", ".join(f"{r[0]:.0f}/{r[2]:.0f}" for r in runs)
    print(
        f"wallet with {cards} cards, wrk {args.connections} connections x {args.seconds} s, 3 runs "
        f"(Kabao/reference req/s: {each}):\n"
        f"   Kabao {rate:.0f} req/s ({cpu:.2f} ms CPU per page), reference {ref_rate:.0f} req/s "
        f"({ref_cpu:.2f} ms CPU per page): ratio {ratio:.2f} (goal >= {GOAL})"
    )


if __name__ == "__main__":
    main()
