"""A keep-alive card system for the bench: recorded answers replayed over HTTP/1.1, in another process.

The sandbox runs on werkzeug's development server, which answers `Connection: close`: every call then pays a
TCP connect, not the steady state a production card system gives. This server replays answers recorded from
the sandbox (same status, headers and body), keeps connections open (or closes each, with --close, to compare),
writes each answer in ONE send with TCP_NODELAY (asyncio's default), and counts the connections it accepted
(`GET /_accepted`), so a bench can check that calls reuse connections. Bench only: the product's sandbox and
the tests are unchanged.

    python bench/keepalive.py ANSWERS.json PORT_FILE [--close]
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests

END = b"\r\n\r\n"


def encode_answer(status: int, content_type: str, body: bytes, close: bool) -> bytes:
    head = (
        f"HTTP/1.1 {status} {'OK' if status == 200 else 'Answer'}\r\n"
        f"Content-Type: {content_type}\r\nContent-Length: {len(body)}\r\n"
        f"Connection: {'close' if close else 'keep-alive'}\r\n\r\n"
    )
    return head.encode("latin-1") + body


class Replay(asyncio.Protocol):
    accepted = 0

    def __init__(self, answers: dict[str, bytes], close: bool) -> None:
        self.answers = answers
        self.close = close
        self.buffer = b""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        Replay.accepted += 1
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while END in self.buffer:
            head, _, rest = self.buffer.partition(END)
            lines = head.decode("latin-1").split("\r\n")
            length = next(
                (int(v) for k, _, v in (x.partition(":") for x in lines[1:]) if k.lower() == "content-length"), 0
            )
            if len(rest) < length:
                return  # the body is still coming
            self.buffer = rest[length:]
            self.answer(lines[0].split(" ")[1])
            if self.close:
                self.transport.close()
                return

    def answer(self, target: str) -> None:
        if target == "/_accepted":
            body = json.dumps({"accepted": Replay.accepted}).encode()
            self.transport.write(encode_answer(200, "application/json", body, self.close))
        else:
            missing = encode_answer(404, "text/plain", b"not recorded", self.close)
            self.transport.write(self.answers.get(target, missing))  # one send: headers and body together


async def serve(answers: dict[str, bytes], close: bool, port_file: Path) -> None:
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: Replay(answers, close), "127.0.0.1", 0)
    written = port_file.with_suffix(".tmp")
    written.write_text(str(server.sockets[0].getsockname()[1]))
    written.rename(port_file)  # whole or not there
    async with server:
        await server.serve_forever()


@dataclass
class ReplayServer:
    url: str
    pid: int

    def accepted(self) -> int:
        return requests.get(f"{self.url}/_accepted", timeout=5).json()["accepted"]


@contextmanager
def replay_server(recorded: dict[str, tuple[int, str, bytes]], close: bool = False) -> Iterator[ReplayServer]:
    """Serve recorded answers {path with query: (status, content type, body)} from another process."""
    with tempfile.TemporaryDirectory() as tmp:
        answers = {path: [status, kind, body.decode("latin-1")] for path, (status, kind, body) in recorded.items()}
        (Path(tmp) / "answers.json").write_text(json.dumps(answers))
        port_file = Path(tmp) / "port"
        command = [sys.executable, __file__, str(Path(tmp) / "answers.json"), str(port_file)]
        process = subprocess.Popen([*command, *(["--close"] if close else [])])  # noqa: S603 - this file
        try:
            deadline = time.monotonic() + 10
            while not port_file.exists():
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("the replay server did not start")
                time.sleep(0.05)
            yield ReplayServer(f"http://127.0.0.1:{port_file.read_text()}", process.pid)
        finally:
            process.terminate()
            process.wait(10)


def record(base_url: str, paths: list[str], headers: dict[str, str]) -> dict[str, tuple[int, str, bytes]]:
    """The sandbox's answers to these GETs, for replay_server."""
    recorded = {}
    for path in paths:
        answer = requests.get(base_url + path, headers=headers, timeout=10)
        recorded[path] = (answer.status_code, answer.headers.get("Content-Type", "application/json"), answer.content)
    return recorded


def main() -> None:
    answers_file, port_file = Path(sys.argv[1]), Path(sys.argv[2])
    loaded = json.loads(answers_file.read_text())
    close = "--close" in sys.argv[3:]
    answers = {p: encode_answer(s, k, b.encode("latin-1"), close) for p, (s, k, b) in loaded.items()}
    asyncio.run(serve(answers, close, port_file))  # until terminated


if __name__ == "__main__":
    main()
