"""What the demo keeps under its data dir: a working copy of the merchant files, and the environment it made.

The demo never writes the repository's files: ops publishing in the demo's console writes the working copy.
Commands run beside a running demo (`kabao connector check`, `kabao reconcile`) read the environment file,
so they reach the same sandbox, ledger and store with the same keys.
"""

from __future__ import annotations

import os
import shlex
import shutil
from collections.abc import Mapping
from pathlib import Path

from dotenv import dotenv_values

ENV_FILE = "demo.env"
DEFAULT_DATA_DIR = "instance/demo"
PID_VARIABLE = "KABAO_DEMO_PID"
# where a command looks for a running demo's environment; empty turns the lookup off (the tests do)
LOOKUP_VARIABLE = "KABAO_DEMO_ENV"


def working_config(source: Path, data: Path) -> tuple[Path, list[str]]:
    """The demo's copy of the merchant files under data/, made or topped up from source; and what to tell."""
    copy = data / "wallet_config"
    if copy.resolve() == source.resolve():
        return copy, []
    if not copy.is_dir():
        shutil.copytree(source, copy, ignore=shutil.ignore_patterns(".drafts", ".history"))
        return copy, [f"merchant files: a working copy in {copy} (ops publish there; {source} is never written)"]
    notes = [f"merchant files: the working copy in {copy} (delete it to start again from {source})"]
    for path in sorted(source.glob("*.yaml")):
        if not (copy / path.name).exists():  # a merchant added to the repository since the copy was made
            shutil.copy2(path, copy / path.name)
            notes.append(f"  added {path.name} from {source}")
        elif (copy / path.name).read_bytes() != path.read_bytes():
            notes.append(f"  {path.name} differs from {source}/{path.name} (edited in the demo, or updated since)")
    for path in sorted((source / "assets").glob("*")):  # the logos and art those merchants name
        if path.is_file() and not (copy / "assets" / path.name).exists():
            (copy / "assets").mkdir(exist_ok=True)
            shutil.copy2(path, copy / "assets" / path.name)
    return copy, notes


def write_env(data: Path, values: Mapping[str, str]) -> Path:
    """values as a shell- and dotenv-readable file under data/, readable by its owner only (it holds keys)."""
    path = data / ENV_FILE
    lines = [
        "# The environment of the running `kabao demo`: `set -a; . " + str(path) + "; set +a` in a shell.",
        "# Holds the demo's generated secrets: never copy it anywhere else. Rewritten at each start.",
    ]
    lines += [f"{name}={shlex.quote(value)}" for name, value in sorted(values.items())]
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write("\n".join(lines) + "\n")
    return path


def running_demo_env(environ: Mapping[str, str]) -> tuple[Path, dict[str, str]] | None:
    """The environment file of a demo that is running now, and its values; None when there is none."""
    path = Path(environ.get(LOOKUP_VARIABLE, str(Path(DEFAULT_DATA_DIR) / ENV_FILE)))
    if not environ.get(LOOKUP_VARIABLE, "x") or not path.is_file():
        return None
    values = {name: value for name, value in dotenv_values(path).items() if value is not None}
    if not _alive(values.get(PID_VARIABLE, "")):
        return None  # left by a demo that stopped: its sandbox isn't there to answer
    return path, values


def _alive(pid: str) -> bool:
    if not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
