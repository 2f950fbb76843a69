"""`python -m e2e.qa`: the e2e suite against a deployment, one run and one report per merchant (docs/qa.md).

    python -m e2e.qa --qa-file ~/qa/staging.yaml --report-dir qa-reports [--merchant ID ...] [-- PYTEST ARGS]

writes qa-reports/<merchant>/report.html (self-contained, with screenshots of each flow's key pages and
what each test gave back) and qa-reports/<merchant>/junit.xml, plus failure artifacts in
qa-reports/<merchant>/artifacts/. PYTEST ARGS go to pytest as they are (e.g. `-m deployed`, `-k bind`,
`--headed`, `--phone "iPhone 13"`); without a path among them the whole e2e/ directory is collected
(the tests that need the sandbox are then listed as skipped, with the reason).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

from e2e.qa_file import QaFileError, load

E2E = Path(__file__).resolve().parent


def parse(argv: list[str]) -> tuple[argparse.Namespace, list[str]]:
    own, rest = argv, []
    if "--" in argv:
        own, rest = argv[: argv.index("--")], argv[argv.index("--") + 1 :]
    parser = argparse.ArgumentParser(prog="python -m e2e.qa", description=__doc__.split("\n\n")[0])
    parser.add_argument("--qa-file", required=True, type=Path, help="the QA file (docs/qa-file.example.yaml)")
    parser.add_argument("--report-dir", required=True, type=Path, help="where each merchant's report goes")
    parser.add_argument("--merchant", action="append", default=[], help="only this merchant (repeatable)")
    return parser.parse_args(own), rest


def pytest_command(qa_file: Path, merchant: str, folder: Path, extra: list[str]) -> list[str]:
    paths = [] if any(arg.startswith(("e2e", str(E2E))) for arg in extra) else [str(E2E)]
    return [
        sys.executable,
        "-m",
        "pytest",
        "-p",
        "no:cacheprovider",
        *paths,
        "--kabao-mode=deployed",
        f"--qa-file={qa_file}",
        f"--merchant={merchant}",
        f"--junitxml={folder / 'junit.xml'}",
        f"--html={folder / 'report.html'}",
        "--self-contained-html",
        f"--output={folder / 'artifacts'}",
        *extra,
    ]


def main(argv: list[str] | None = None) -> int:
    args, extra = parse(sys.argv[1:] if argv is None else argv)
    try:
        qa = load(args.qa_file.resolve())
    except QaFileError as exc:
        print(f"e2e.qa: {exc}", file=sys.stderr)
        return 2
    merchants = args.merchant or [m.id for m in qa.merchants]
    worst = 0
    for merchant in merchants:
        folder = (args.report_dir / merchant).resolve()
        folder.mkdir(parents=True, exist_ok=True)
        print(f"== {merchant} against {qa.base_url}: {folder / 'report.html'}", flush=True)
        code = subprocess.call(pytest_command(qa.path, merchant, folder, extra))  # noqa: S603 - our own pytest
        worst = max(worst, code)
    return worst


if __name__ == "__main__":
    sys.exit(main())
