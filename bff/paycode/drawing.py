"""The pay code drawn on the server as SVG: a QR (segno) and a Code 128 (python-barcode), black on white."""

from __future__ import annotations

import io

import barcode
import segno
from markupsafe import Markup

QUIET_MODULES = 10  # Code 128 wants at least 10 modules of white on each side
BAR_HEIGHT = 60  # in modules: tall enough for a handheld scanner held at an angle


def qr_svg(code: str) -> Markup:
    """The code as a QR with its 4-module quiet zone, sized by CSS (viewBox only)."""
    _digits_only(code)
    out = io.BytesIO()
    segno.make_qr(code, error="m").save(  # a full QR: not every till reads Micro QR
        out, kind="svg", border=4, xmldecl=False, svgns=True, omitsize=True, svgclass="qr", dark="#000", light="#fff"
    )
    svg = out.getvalue().decode("ascii").replace("<svg ", '<svg role="img" aria-hidden="true" ', 1)
    return Markup(svg)  # noqa: S704 - segno's SVG of digits, nothing from a request


def barcode_svg(code: str) -> Markup:
    """The code as Code 128: the library encodes it into modules; each run of dark modules is one bar."""
    _digits_only(code)
    modules = "".join(barcode.get("code128", code).build())
    width = len(modules) + 2 * QUIET_MODULES
    bars, x = [], QUIET_MODULES
    for run in _runs(modules):
        if run[0] == "1":
            bars.append(f'<rect x="{x}" y="0" width="{len(run)}" height="{BAR_HEIGHT}"/>')
        x += len(run)
    return Markup(  # noqa: S704 - numbers we computed, nothing from a request
        f'<svg xmlns="http://www.w3.org/2000/svg" class="barcode" role="img" aria-hidden="true"'
        f' viewBox="0 0 {width} {BAR_HEIGHT}" preserveAspectRatio="none">'
        f'<rect width="{width}" height="{BAR_HEIGHT}" fill="#fff"/><g fill="#000">{"".join(bars)}</g></svg>'
    )


def _digits_only(code: str) -> None:
    if not (code.isascii() and code.isdigit()):
        raise ValueError("a pay code is digits only")


def _runs(modules: str) -> list[str]:
    runs: list[str] = []
    for bit in modules:
        if runs and runs[-1][0] == bit:
            runs[-1] += bit
        else:
            runs.append(bit)
    return runs


def masked(code: str) -> str:
    """The digits shown under the barcode before a tap: enough to read back, not enough to pay with."""
    return f"{code[:4]} •••• •••• ••{code[-4:]}"


def grouped(code: str) -> str:
    return " ".join(code[i : i + 4] for i in range(0, len(code), 4))
