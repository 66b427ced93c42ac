"""Image decoding and thumbnailing for the upload pipeline (seed 001, in Python).

One upload is decoded exactly once. For JPEG the decode itself is shrunk with libjpeg's
DCT scaling (``Image.draft``) to the smallest scale that still covers the largest target
width, so a 50 MP photo never exists in memory at full size. The largest thumbnail is
resized from the decoded image and every smaller one from the previous, larger result.

Rules the worker can rely on:

* Accepted: JPEG (including MPO, first image), PNG (APNG: first frame), GIF and WebP (first
  frame of an animation). Anything else, including SVG, HTML, PDF, zero bytes, truncated
  files and files Pillow cannot fully decode, raises :class:`ImageRejected`.
* EXIF orientation is honoured (``ImageOps.exif_transpose`` semantics); ``width`` and
  ``height`` of the result describe the image as displayed, after orientation.
* Thumbnails are RGB JPEGs exactly the requested width with proportional height, never
  less than 1 px. An image narrower than a target is never upscaled: that thumbnail keeps
  the original width (so a 50 px image yields 50 px thumbnails for both 200 and 400).
  Thumbnails are bound by width only, so a tall, narrow image keeps its full height.
* Very wide strips (e.g. 65,000 x 10 px) are accepted: their thumbnails are 1 px high.
  Rejecting them would fail legitimate panoramas; a 1 px strip is a valid, if dull, image.
* Trailing bytes after a complete image (a JPEG+ZIP or JPEG+HTML polyglot) are ignored, as
  every decoder does; the thumbnails are re-encoded pixels, so no payload reaches them.
  Many cameras append such data (MPF, vendor blobs), so rejecting it would hurt real users.
* Alpha is composited onto white; palette, grayscale, CMYK and 16-bit images become RGB.
  An RGB colour profile is kept; EXIF and other metadata are not copied to thumbnails.
"""

from __future__ import annotations

import io
import re
import struct
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from PIL import Image

__all__ = [
    "ImageRejected",
    "ProcessedImage",
    "Thumbnail",
    "make_thumbnails",
    "sniff_content_type",
]

JPEG_CONTENT_TYPE: Final = "image/jpeg"

# Pillow format names we accept, by the content type sniffed from the magic bytes. Pillow
# is only ever asked to try the one plugin the bytes claim, which keeps the other plugins'
# parsers (and their attack surface) out of reach of uploaded data.
_PILLOW_FORMATS: Final[dict[str, str]] = {
    "image/jpeg": "JPEG",
    "image/png": "PNG",
    "image/gif": "GIF",
    "image/webp": "WEBP",
}

_ORIENTATION_TAG: Final = 0x0112
_TRANSPOSE_FOR_ORIENTATION: Final[dict[int, Image.Transpose]] = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
# Orientations 5-8 store the image rotated by 90 degrees: stored width is displayed height.
_SWAPS_AXES: Final = frozenset({5, 6, 7, 8})

# Above this ratio, resize() first box-reduces by an integer factor and then applies
# Lanczos to the remaining <= 3x step. Pillow documents 3.0 as indistinguishable from a
# full Lanczos in most cases, and it avoids ~100-tap kernels on full-size PNGs.
_REDUCING_GAP: Final = 3.0
# Up to this ratio a short kernel is enough. The common case is the step after a JPEG's
# DCT-scaled decode, which already did the heavy low-pass and leaves 1-2x to go: Hamming
# (support 1) is as sharp there as bicubic, within 1 level of a full-size Lanczos, and
# costs half of Lanczos-3, whose ~10 ms would be a quarter of the whole 12 MP decode.
# Up to 2x inclusive, which also covers each smaller thumbnail made from the previous one
# (400 -> 200): there a 2x2 box reduce() plus a Hamming touch-up is within ~45 dB PSNR of
# Lanczos at a sixth of its cost (bench/results/thumbnails.md).
_SHORT_KERNEL_UP_TO: Final = 2.0
# With the short kernel, reduce() by the whole factor first (only a 2x step has one).
_SHORT_REDUCING_GAP: Final = 1.0
# reduce() handles 8-bit modes only (16-bit PNGs arrive as I;16 and are resized as they are).
_REDUCIBLE_MODES: Final = frozenset({"L", "LA", "RGB", "RGBA", "CMYK", "YCbCr"})

_WHITE: Final = (255, 255, 255)


class ImageRejected(Exception):
    """The upload is not an image this service can thumbnail; ``reason`` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Thumbnail:
    """One encoded thumbnail."""

    width: int
    height: int
    data: bytes
    content_type: str


@dataclass(frozen=True)
class ProcessedImage:
    """The original's displayed size and format, and its thumbnails keyed by target width."""

    width: int
    height: int
    format: str
    thumbnails: dict[int, Thumbnail]


def sniff_content_type(data: bytes) -> str | None:
    """Return the content type the magic bytes of ``data`` identify, or ``None``.

    Knows image/jpeg, image/png, image/gif, image/webp and application/pdf; the worker
    compares the answer with the Content-Type the client declared.
    """
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if len(data) >= 12 and data.startswith(b"RIFF") and data[8:12] == b"WEBP":
        return "image/webp"
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    return None


def make_thumbnails(
    data: bytes,
    *,
    widths: Sequence[int] = (200, 400),
    quality: int = 80,
    max_pixels: int = 60_000_000,
) -> ProcessedImage:
    """Decode ``data`` once and return its oriented size and one JPEG per target width.

    Raises :class:`ImageRejected` for anything that is not a fully decodable JPEG, PNG,
    GIF or WebP of at most ``max_pixels`` pixels (Pillow's own bomb limit,
    ``2 * Image.MAX_IMAGE_PIXELS``, also applies). Raises ``ValueError`` for bad arguments.
    Thread-safe: no global state is touched, and Pillow releases the GIL while it decodes,
    resizes and encodes.
    """
    targets = sorted(set(widths), reverse=True)
    if not targets or targets[-1] < 1:
        raise ValueError(f"widths must be positive integers, got {list(widths)!r}")
    if not 1 <= quality <= 100:
        raise ValueError(f"quality must be between 1 and 100, got {quality}")
    if max_pixels < 1:
        raise ValueError(f"max_pixels must be positive, got {max_pixels}")

    content_type = sniff_content_type(data)
    pillow_format = _PILLOW_FORMATS.get(content_type or "")
    if pillow_format is None:
        raise ImageRejected(
            "not an image" if content_type is None else f"not an image: {content_type}"
        )
    if pillow_format == "WEBP" and _riff_size(data) > len(data):
        # libwebp only says "could not create decoder object"; the RIFF header is clearer.
        raise ImageRejected("image is truncated")

    try:
        return _process(data, pillow_format, targets, quality, max_pixels)
    # A bomb warning only arrives as an exception if a warnings filter escalates it; the
    # pixel check in _process rejects everything Pillow would merely warn about.
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageRejected(_bomb_reason(exc, max_pixels)) from exc
    except EOFError as exc:
        raise ImageRejected("image is truncated") from exc
    except (OSError, SyntaxError, ValueError, IndexError, TypeError, struct.error) as exc:
        # Pillow signals damaged pixel data with a zoo of exception types; its messages tell
        # truncation apart from other corruption.
        message = str(exc)
        if "truncated" in message.lower() or "broken data stream" in message:
            raise ImageRejected("image is truncated") from exc
        raise ImageRejected(f"image cannot be decoded: {message or type(exc).__name__}") from exc


def _riff_size(data: bytes) -> int:
    return 8 + int.from_bytes(data[4:8], "little")


def _bomb_reason(exc: Exception, max_pixels: int) -> str:
    match = re.search(r"\((\d+) pixels\) exceeds limit of (\d+)", str(exc))
    if match is None:
        return f"image too large: {exc}"
    pixels, pillow_limit = int(match[1]), int(match[2])
    return f"image too large: {pixels} pixels exceeds the limit of {min(max_pixels, pillow_limit)}"


def _open(data: bytes, pillow_format: str) -> Image.Image:
    try:
        return Image.open(io.BytesIO(data), formats=[pillow_format])
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise
    except (OSError, EOFError, SyntaxError, ValueError, IndexError, struct.error) as exc:
        # The magic bytes matched but the header did not parse: HTML behind a PNG
        # signature, or a file cut off inside its header.
        raise ImageRejected(f"not an image: unreadable {pillow_format} header") from exc


def _process(
    data: bytes, pillow_format: str, targets: list[int], quality: int, max_pixels: int
) -> ProcessedImage:
    with _open(data, pillow_format) as im:
        stored_w, stored_h = im.size
        # Checked before any pixel is decoded. Image.MAX_IMAGE_PIXELS is process-global and
        # deliberately left alone, so concurrent callers cannot disturb each other.
        pixels = stored_w * stored_h
        if pixels > max_pixels:
            raise ImageRejected(
                f"image too large: {pixels} pixels exceeds the limit of {max_pixels}"
            )
        if pixels < 1:
            raise ImageRejected("image has no pixels")

        # JPEG: the orientation is read from the header before load(), because draft() is a
        # no-op once pixels are decoded (and ImageOps.exif_transpose would load at full
        # size). Other formats cannot decode at reduced scale, so they load first: PNG may
        # keep its eXIf chunk after the pixel data.
        is_jpeg = im.format in ("JPEG", "MPO")
        if not is_jpeg:
            im.load()
        orientation = _orientation(im)
        transpose = _TRANSPOSE_FOR_ORIENTATION.get(orientation)
        swaps = orientation in _SWAPS_AXES
        width, height = (stored_h, stored_w) if swaps else (stored_w, stored_h)
        sizes = {target: _target_size(target, width, height) for target in targets}
        if is_jpeg:
            # Smallest DCT scale (1/8, 1/4, 1/2) whose result still covers the largest
            # thumbnail, in stored orientation.
            largest_w, largest_h = sizes[targets[0]]
            im.draft("RGB", (largest_h, largest_w) if swaps else (largest_w, largest_h))
            im.load()
        icc_profile = im.info.get("icc_profile")
        source = _resizable(im)

        thumbnails: dict[int, Thumbnail] = {}
        previous: Image.Image | None = None
        last: Thumbnail | None = None
        for target in targets:
            out_w, out_h = sizes[target]
            if last is not None and (last.width, last.height) == (out_w, out_h):
                # Both targets are wider than the original: same pixels, same bytes.
                thumbnails[target] = last
                continue
            if previous is None:
                # Resize in stored orientation, then transpose the small result: rotating a
                # thumbnail is far cheaper than rotating the decoded image.
                resized = _resize(source, (out_h, out_w) if swaps else (out_w, out_h))
                previous = resized if transpose is None else resized.transpose(transpose)
            else:
                # Each smaller size from the previous result: a short, cheap Lanczos step.
                previous = _resize(previous, (out_w, out_h))
            last = thumbnails[target] = _encode(previous, icc_profile, quality)

    return ProcessedImage(width=width, height=height, format=pillow_format, thumbnails=thumbnails)


def _orientation(im: Image.Image) -> int:
    try:
        value = im.getexif().get(_ORIENTATION_TAG, 1)
    except (OSError, SyntaxError, ValueError, KeyError, TypeError):
        # A corrupt EXIF block should not fail an otherwise good image: show it as stored.
        return 1
    return value if isinstance(value, int) and value in range(1, 9) else 1


def _target_size(target: int, width: int, height: int) -> tuple[int, int]:
    out_w = min(target, width)  # never upscale
    out_h = max(1, round(height * out_w / width))
    return out_w, out_h


def _resize(im: Image.Image, size: tuple[int, int]) -> Image.Image:
    if im.size == size:
        return im
    if im.width / size[0] <= _SHORT_KERNEL_UP_TO and im.height / size[1] <= _SHORT_KERNEL_UP_TO:
        gap = _SHORT_REDUCING_GAP if im.mode in _REDUCIBLE_MODES else None
        return im.resize(size, Image.Resampling.HAMMING, reducing_gap=gap)
    return im.resize(size, Image.Resampling.LANCZOS, reducing_gap=_REDUCING_GAP)


def _resizable(im: Image.Image) -> Image.Image:
    """Convert only modes that cannot be resampled; the rest convert once they are small."""
    if im.mode == "P":
        return im.convert("RGBA" if "transparency" in im.info else "RGB")
    if im.mode == "PA":
        return im.convert("RGBA")
    if im.mode == "1":
        return im.convert("L")
    return im


def _to_rgb(im: Image.Image) -> Image.Image:
    mode = im.mode
    if mode == "RGB":
        return im
    if mode in ("RGBA", "LA"):
        rgba = im.convert("RGBA")
        flat = Image.new("RGB", rgba.size, _WHITE)
        flat.paste(rgba, mask=rgba.getchannel("A"))
        return flat
    if mode.startswith("I;16") or mode in ("I", "F"):
        # convert("L") clips high-bit-depth values instead of scaling them. I;16 is 16-bit
        # by definition; I/F are taken as 16-bit data only if they exceed the 8-bit range.
        _, high = im.getextrema()
        sixteen_bit = mode.startswith("I;16") or float(high) > 255  # type: ignore[arg-type]
        scale = 255 / 65535 if sixteen_bit else 1.0
        return im.point(lambda value: value * scale).convert("L").convert("RGB")
    return im.convert("RGB")  # L, CMYK, YCbCr


def _encode(im: Image.Image, icc_profile: object, quality: int) -> Thumbnail:
    rgb = _to_rgb(im)
    # No optimize=True: its second Huffman pass costs ~1 ms of a ~47 ms 12 MP thumbnail run
    # (the difference between meeting and missing 1.2x the decode floor) for ~4.4% fewer
    # bytes (29.2 vs 30.5 kB at 400 px). The pixels are identical either way.
    options: dict[str, object] = {"quality": quality}
    # Keep the colour profile (wide-gamut phone photos look wrong without it), but only
    # when it describes RGB data: a CMYK or gray profile on an RGB JPEG would be wrong.
    if isinstance(icc_profile, bytes) and icc_profile[16:20] == b"RGB ":
        options["icc_profile"] = icc_profile
    buffer = io.BytesIO()
    rgb.save(buffer, format="JPEG", **options)
    return Thumbnail(
        width=rgb.width, height=rgb.height, data=buffer.getvalue(), content_type=JPEG_CONTENT_TYPE
    )
