"""A logo or card-face art uploaded in the console: proved a picture, stored by its content, put in a draft.

The bytes decide what a file is, not its name: Pillow must open it as PNG, JPEG or WebP (no other decoder
is tried) and decode it whole. The name's suffix must agree, so a PNG called .jpg is refused as a mistake.
What is kept is the decoded picture written anew, not the bytes sent: no GPS from a phone photo goes public,
and nothing riding after the picture (a polyglot's HTML) is ever served.
SVG is refused: it is a document that can carry script and outside references, and a raster logo does the
same job; the few SVG logos reviewed in git stay. A refused file is never written.

Stored files are named by their content's hash under assets/ beside the merchant files: a draft's new
picture changes nothing live until it is published, and a path never comes to mean another picture.
Plain Python, no Flask.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from PIL import Image, ImageOps, UnidentifiedImageError

from bff.ops import roundtrip
from bff.ops.files import write_atomically
from bff.ops.shape import NotFormShaped

MAX_BYTES = 512 * 1024
MAX_SIDE = 4096  # pixels on either side
MAX_PIXELS = 8_000_000  # width x height, decoded (about 32 MB in memory as RGBA)
LIMITS = {"side": MAX_SIDE, "megapixels": MAX_PIXELS // 1_000_000}
FORMATS = {"PNG": ".png", "JPEG": ".jpg", "WEBP": ".webp"}
NAMED = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG", ".webp": "WEBP"}
# what other files start with, to say "wrong type" rather than "not a picture"
OTHER_KINDS = {b"GIF8": "GIF", b"BM": "BMP", b"II*\0": "TIFF", b"MM\0*": "TIFF", b"%PDF": "PDF", b"\0\0\1\0": "ICO"}


class PictureRefused(Exception):
    """Why an upload is not taken: a console text key under ops.assets.refused. and its values."""

    def __init__(self, reason: str, **values: Any) -> None:
        super().__init__(reason)
        self.reason, self.values = reason, values


@dataclass(frozen=True)
class Picture:
    data: bytes
    suffix: str
    width: int
    height: int


def _kind_of(data: bytes) -> str | None:
    """A kind of file we don't take that the first bytes give away, else None."""
    head = data[:512].lstrip().lower()
    if head.startswith((b"<svg", b"<?xml", b"<!doctype svg")) or b"<svg" in head:
        return "SVG"
    return next((kind for magic, kind in OTHER_KINDS.items() if data.startswith(magic)), None)


def checked(data: bytes, filename: str) -> Picture:
    """The upload as a picture we take; PictureRefused (nothing kept) when it is not one."""
    if not data:
        raise PictureRefused("empty")
    if len(data) > MAX_BYTES:
        raise PictureRefused("too_big", size=len(data) // 1024, limit=MAX_BYTES // 1024)
    other = _kind_of(data)
    if other:
        raise PictureRefused("svg" if other == "SVG" else "wrong_type", kind=other)
    suffix = PurePosixPath(filename.replace("\\", "/")).suffix.lower()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=tuple(FORMATS))
        with image:
            kind = "JPEG" if image.format == "MPO" else image.format  # a camera's JPEG may open as MPO
            width, height = image.size
            if width > MAX_SIDE or height > MAX_SIDE or width * height > MAX_PIXELS:
                raise PictureRefused("too_many_pixels", width=width, height=height, **LIMITS)
            if NAMED.get(suffix) != kind:
                raise PictureRefused("name_disagrees", kind=kind, suffix=suffix or "-")
            image.load()  # decodes every pixel: a truncated or corrupt file fails here
            redrawn = _redrawn(image, kind)
    except (Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise PictureRefused("too_many_pixels", width="?", height="?", **LIMITS) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
        raise PictureRefused("not_a_picture") from None
    return Picture(redrawn, FORMATS[kind], width, height)


def _redrawn(image: Image.Image, kind: str) -> bytes:
    """The decoded pixels written anew: no camera metadata (a phone photo's GPS), nothing hidden after the picture.

    Its EXIF orientation is applied first, so the picture stands as it did; its colour profile is kept.
    """
    upright = ImageOps.exif_transpose(image) or image
    options: dict[str, Any] = {"icc_profile": image.info.get("icc_profile")} if image.info.get("icc_profile") else {}
    if kind == "PNG" and "transparency" in image.info:
        options["transparency"] = image.info["transparency"]
    if kind in ("JPEG", "WEBP"):
        options["quality"] = 92
    out = io.BytesIO()
    upright.save(out, kind, **options)
    return out.getvalue()


def stored_as(merchant_id: str, picture: Picture) -> str:
    """The path, relative to the config dir, of this picture's file: named by its content."""
    return f"assets/{merchant_id}-{hashlib.sha256(picture.data).hexdigest()[:20]}{picture.suffix}"


def store(config_dir: Path, merchant_id: str, picture: Picture) -> str:
    """Write the picture under assets/ (once: the same content is the same file); its path from the config dir."""
    relative = stored_as(merchant_id, picture)
    target = config_dir / relative
    if not target.is_file():
        write_atomically(target, picture.data)
    return relative


def pointed_at(text: str, face: str | None, relative: str) -> str:
    """The draft's text with brand.logo (face None) or brand.card_faces.<face>.art set; only that line changes."""
    try:
        document = roundtrip.Document(text)
    except roundtrip.NotRoundTrip as exc:
        raise NotFormShaped("the file is not YAML the form can read") from exc
    brand = document.data.get("brand") if isinstance(document.data, dict) else None
    if not isinstance(brand, dict):
        raise NotFormShaped("brand is not a mapping")
    if face is None:
        roundtrip.put(brand, "logo", relative)
    else:
        faces = brand.get("card_faces")
        if not isinstance(faces, dict) or not isinstance(faces.get(face), dict):
            raise NotFormShaped(f"brand.card_faces.{face} is not a card face of this draft")
        roundtrip.put(faces[face], "art", relative)
    return document.dump()
