"""Load test: N shoppers paying through two BFF instances on PostgreSQL + Redis, then one on SQLite, in one run.

    .venv/bin/pip install -e '.[bench]'      # locust
    .venv/bin/python bench/load.py [--users 200] [--seconds 60] [--only pg|sqlite]

Everything runs on 127.0.0.1 and stops by itself (a hard timeout bounds the whole run): the sandbox card
system, a private PostgreSQL and Redis, `kabao serve` instances (gunicorn), and locust headless with N
simulated shoppers (bench/locustfile.py) doing launch → wallet → card → checkout → pay → result, each
request sent to the next instance in turn. Per setup it prints req/s, p50/p95/p99 per step, the errors,
and the money check (charges the sandbox recorded == orders the ledger has as paid, none charged twice);
then the ratios two instances ÷ one. Not run in CI (it needs the bench extra and minutes of the machine).
"""

from __future__ import annotations

import argparse
import os
import resource
import signal
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "tests"), str(REPO / "bench")]

from kabao_testing import CONFIG_DIR, bff_env  # noqa: E402
from load_report import Outcome, money_check, print_outcome, print_ratios, read_stats, server_errors, unsettled  # noqa: E402
from postgres_testing import start_postgres  # noqa: E402
from stack import KABAO, cpu_seconds, kabao_serve, kabao_worker, start_redis, wait_for  # noqa: E402

from sandbox.runner import RunningSandbox, start_sandbox  # noqa: E402

MERCHANT, SYSTEM, USER = "lime-market", "lime", "u1001"
STOP_SECONDS = 60  # after the run time, how long a shopper may finish the order in hand (then it is stopped)
SETTLE_SECONDS = 120  # after the shoppers stop, how long the workers get to settle what is pending


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=200, help="simulated shoppers (default 200)")
    parser.add_argument("--seconds", type=int, default=60, help="how long locust runs per setup (default 60)")
    parser.add_argument("--spawn-rate", type=float, default=0, help="shoppers started per second (default users/10)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers per instance (default 2)")
    parser.add_argument("--threads", type=int, default=8, help="threads per worker (default 8)")
    parser.add_argument("--only", choices=("pg", "sqlite"), help="run one setup only")
    args = parser.parse_args(argv)
    if not (1 <= args.users <= 1000 and 1 <= args.seconds <= 600):
        parser.error("--users 1..1000 and --seconds 1..600")
    args.spawn_rate = args.spawn_rate or max(1.0, args.users / 10)
    return args


@contextmanager
def hard_timeout(seconds: int) -> Iterator[None]:
    """Raise TimeoutError in the main thread after seconds (the `with` blocks then stop every process)."""

    def expire(*_: object) -> None:
        raise TimeoutError(f"bench/load.py: hard timeout of {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def paying_card(sandbox: RunningSandbox) -> dict:
    """The shopper's active card with the most money: every order pays 1 fen with it."""
    response = requests.get(f"{sandbox.url}/_sandbox/systems/{SYSTEM}/cards", params={"user_id": USER}, timeout=10)
    response.raise_for_status()
    return max((c for c in response.json() if c["status"] == "ACTIVE"), key=lambda c: c["balance"])


def upgrade_ledger(env: dict[str, str]) -> None:
    subprocess.run([str(KABAO), "db", "upgrade"], env=env, check=True, capture_output=True, timeout=60)  # noqa: S603


def run_locust(args: argparse.Namespace, hosts: list[str], env: dict[str, str], work: Path, run: str) -> Path:
    """locust headless against hosts; answers the JSON file of its final stats."""
    stats = work / "locust-stats.json"
    command = [sys.executable, "-m", "locust", "-f", str(REPO / "bench" / "locustfile.py"), "--headless"]
    command += [
        "-u",
        str(args.users),
        "-r",
        str(args.spawn_rate),
        "-t",
        f"{args.seconds}s",
        "--stop-timeout",
        str(STOP_SECONDS),
    ]
    command += ["--only-summary", "--loglevel", "WARNING", "--host", hosts[0]]
    load_env = {
        **env,
        "KABAO_LOAD_HOSTS": ",".join(hosts),
        "KABAO_LOAD_HOST_SECRET": env["KABAO_HOST_SECRET"],
        "KABAO_LOAD_MERCHANT": MERCHANT,
        "KABAO_LOAD_USER": USER,
        "KABAO_LOAD_LAST4": env["KABAO_LOAD_LAST4"],
        "KABAO_LOAD_RETURN_URL": f"{env['KABAO_MERCHANT_SANDBOX_URL']}/sim/return",
        "KABAO_LOAD_RUN": run,
        "KABAO_LOAD_STATS": str(stats),
        "KABAO_LOAD_SECONDS": str(args.seconds),
    }
    with (work / "locust.log").open("wb") as log:
        limit = args.seconds + STOP_SECONDS + 120
        subprocess.run(command, env=load_env, stdout=log, stderr=subprocess.STDOUT, timeout=limit)  # noqa: S603
    if not stats.exists():
        print((work / "locust.log").read_text(errors="replace")[-3000:], file=sys.stderr)
    return stats


def measure(
    args: argparse.Namespace, title: str, env: dict[str, str], ledger: str, sandbox: RunningSandbox, work: Path, extra
) -> Outcome:
    """Start the instances of one setup, put the shoppers on them, and check the money afterwards."""
    upgrade_ledger(env)
    count = 2 if ledger.startswith("postgresql") else 1
    with ExitStack() as stack:
        instances = [
            stack.enter_context(kabao_serve(env, work / f"bff{i + 1}", args.workers, args.threads))
            for i in range(count)
        ]
        workers = [  # a worker beside each instance settles what stayed pending
            stack.enter_context(kabao_worker(env, work / f"bff{i + 1}")) for i in range(count)
        ]
        pids = {
            "sandbox": [sandbox.process.pid],
            "bff": [i.process.pid for i in instances],
            "worker": [w.pid for w in workers],
            **extra,
        }
        before = {name: sum(cpu_seconds(p) for p in group) for name, group in pids.items()}
        load_before = os.getloadavg()[0]
        run = f"L{uuid.uuid4().hex[:8]}"
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        stats = run_locust(args, [i.url for i in instances], env, work, run)
        cpu = {name: sum(cpu_seconds(p) for p in group) - before[name] for name, group in pids.items()}
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu["locust"] = after.ru_utime + after.ru_stime - children.ru_utime - children.ru_stime
        steps, failures = read_stats(stats)
        wait_for(lambda: unsettled(ledger, run) == 0, SETTLE_SECONDS)
        logs = [i.log_text() for i in instances]
        logs += [(work / f"bff{i + 1}" / "worker.log").read_text(errors="replace") for i in range(count)]
    return Outcome(
        title=title,
        steps=steps,
        failures=failures,
        money=money_check(ledger, sandbox.url, SYSTEM, run),
        server_errors=server_errors(logs),
        cpu=cpu,
        load=(load_before, os.getloadavg()[0]),
        seconds=args.seconds,
    )


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    outcomes: list[Outcome] = []
    with (
        hard_timeout(2 * (args.seconds + STOP_SECONDS + SETTLE_SECONDS + 240)),
        tempfile.TemporaryDirectory(prefix="kabao-load-") as tmp,
    ):
        work = Path(tmp)
        with start_sandbox(config_dir=CONFIG_DIR) as sandbox:
            card = paying_card(sandbox)
            base = {**bff_env(sandbox, work), "KABAO_LOAD_LAST4": card["card_number"][-4:]}
            print(f"{args.users} shoppers for {args.seconds} s per setup, {USER} at {MERCHANT} paying 1 fen per order")
            last4, loadavg = card["card_number"][-4:], ", ".join(f"{n:.1f}" for n in os.getloadavg())
            print(f"  with card …{last4} (balance {card['balance']} fen); load average {loadavg}")
            if args.only in (None, "pg"):
                with start_postgres() as pg, start_redis() as redis_url:
                    ledger = pg.create_database("load")
                    env = {**base, "KABAO_LEDGER_URL": ledger, "KABAO_STORE_URL": redis_url}
                    postmaster = int((pg.data_dir / "postmaster.pid").read_text().split()[0])
                    title = f"2 instances × {args.workers} workers on PostgreSQL + Redis"
                    outcomes.append(measure(args, title, env, ledger, sandbox, work / "pg", {"postgres": [postmaster]}))
                print_outcome(outcomes[-1])
            if args.only in (None, "sqlite"):
                ledger = f"sqlite:///{work / 'ledger.sqlite3'}"
                env = {**base, "KABAO_LEDGER_URL": ledger, "KABAO_STORE_URL": f"sqlite:///{work / 'store.sqlite3'}"}
                title = f"1 instance × {args.workers} workers on SQLite (ledger and store)"
                outcomes.append(measure(args, title, env, ledger, sandbox, work / "sqlite", {}))
                print_outcome(outcomes[-1])
    if len(outcomes) == 2:
        print_ratios(outcomes[0], outcomes[1])
    return 0 if all(o.clean for o in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
