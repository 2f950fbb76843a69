"""Wallet pages/s under wrk: Kabao (`kabao serve`) vs the reference app (bench/reference.py), same gunicorn setup.

    .venv/bin/python bench/wrk_wallet.py [--seconds 5] [--connections 4] [--cards 4 8] [--no-pin]

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
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "tests"), str(REPO / "bench")]

from stack import cpu_seconds, listening_pid, wait_for  # noqa: E402
from ttfb import give_cards, launched_shopper  # noqa: E402

from sandbox.runner import free_port  # noqa: E402

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


def cookie_of(shopper: requests.Session) -> str:
    return "; ".join(f"{c.name}={c.value}" for c in shopper.cookies)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--cards", type=int, nargs="+", default=[4, 8])
    parser.add_argument("--no-pin", action="store_true")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: apt-get install wrk")
    pinned = not args.no_pin and len(os.sched_getaffinity(0)) >= 2
    server_cores, client_cores = ({0}, {1}) if pinned else (None, None)
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}; pinned: {pinned}")
    with launched_shopper(min(args.cards)) as (sandbox, base, shopper, _):
        kabao_pid = listening_pid(base)
        with reference_server(f"{sandbox.url}/cs/lime/v1", sandbox.api_key, "u1001") as (ref, ref_pid):
            if pinned:
                pin(kabao_pid, server_cores)
                pin(ref_pid, server_cores)
                pin(sandbox.process.pid, client_cores)
            for wanted in sorted(args.cards):
                cards = give_cards(sandbox.url, wanted)
                page = shopper.get(f"{base}{WALLET}", timeout=30)
                assert page.ok and page.text.count('<li id="card-') == cards, "the wallet does not show every card"
                runs = []
                kabao_url, ref_url = f"{base}{WALLET}", f"{ref}/wallet"
                wrk(kabao_url, cookie_of(shopper), 1, args.connections, client_cores, kabao_pid)  # warm both
                wrk(ref_url, "", 1, args.connections, client_cores, ref_pid)
                for _ in range(3):  # taking turns: a change in the machine's load hits both alike
                    kabao = wrk(kabao_url, cookie_of(shopper), args.seconds, args.connections, client_cores, kabao_pid)
                    reference = wrk(ref_url, "", args.seconds, args.connections, client_cores, ref_pid)
                    runs.append((*kabao, *reference))
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
