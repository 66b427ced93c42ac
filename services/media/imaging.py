"""Image decoding and thumbnailing for the upload pipeline (seed 001, in Python).

One upload is decoded exactly once. For JPEG the decode itself is shrunk with libjpeg's
DCT scaling (``Image.draft``) to the smallest scale that still covers the largest target
width, so a 50 MP photo never exists in memory at full size. The largest thumbnail is
resized from the decoded image and every smaller one from the previous, larger result.

Rules the worker can rely on:

* Accepted: JPEG (including MPO, first image), PNG (APNG: first frame), GIF, WebP (first
  frame of an animation) and HEIC/HEIF (primary image, through pillow-heif/libheif, which
  applies the container's rotation and mirroring itself and resets EXIF orientation to 1).
  Anything else, including SVG, HTML, PDF, zero bytes, truncated files and files Pillow
  cannot fully decode, raises :class:`ImageRejected`.
* EXIF orientation is honoured (``ImageOps.exif_transpose`` semantics); ``width`` and
  ``height`` of the result describe the image as displayed, after orientation.
* Thumbnails are RGB JPEGs (and, when asked, WebP and AVIF of the same pixels) exactly the
  requested width with proportional height, never less than 1 px. An image narrower than
  a target is never upscaled: that thumbnail keeps the original width (so a 50 px image
  yields 50 px thumbnails for both 200 and 400). Thumbnails are bound by width only, so a
  tall, narrow image keeps its full height.
* Very wide strips (e.g. 65,000 x 10 px) are accepted: their thumbnails are 1 px high.
  Rejecting them would fail legitimate panoramas; a 1 px strip is a valid, if dull, image.
* Trailing bytes after a complete image (a JPEG+ZIP or JPEG+HTML polyglot) are ignored, as
  every decoder does; the thumbnails are re-encoded pixels, so no payload reaches them.
  Many cameras append such data (MPF, vendor blobs), so rejecting it would hurt real users.
* Alpha is composited onto white; palette, grayscale, CMYK and 16-bit images become RGB.
  An RGB colour profile is kept; EXIF and other metadata are not copied to thumbnails.
* With ``original=True`` the result carries the original without metadata (originals.py:
  lossless for JPEG, PNG, GIF and WebP; HEIF is converted to a JPEG from its pixels), and
  with ``placeholder=True`` a ThumbHash and dominant colour of the smallest thumbnail.
"""

from __future__ import annotations

import base64
import io
import re
import struct
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Final

import pillow_heif
import thumbhash
from PIL import Image

from services.media.originals import LOSSLESS_TYPES, strip_metadata
from services.media.records import ThumbnailFormat

__all__ = [
    "CONTENT_TYPES",
    "HEIF_TYPES",
    "CleanOriginal",
    "ImageRejected",
    "Placeholder",
    "ProcessedImage",
    "Thumbnail",
    "make_thumbnails",
    "sniff_content_type",
]

# Only the primary image is ever decoded: no thumbnails, depth maps or auxiliary images
# (less work, and less of libheif within reach of uploaded bytes).
pillow_heif.register_heif_opener(thumbnails=False, depth_images=False, aux_images=False)

JPEG_CONTENT_TYPE: Final = "image/jpeg"
HEIF_TYPES: Final = frozenset({"image/heic", "image/heif"})
CONTENT_TYPES: Final[dict[ThumbnailFormat, str]] = {
    ThumbnailFormat.JPEG: JPEG_CONTENT_TYPE,
    ThumbnailFormat.WEBP: "image/webp",
    ThumbnailFormat.AVIF: "image/avif",
}
# Encoder settings, chosen by measurement (bench/encoders.py, docs/media.md): the fewest
# bytes whose SSIM against a full-size Lanczos reference is that of the JPEG at quality 80
# (within 0.001) at both widths, with a 400 px encode within 25 ms. On grainy photos WebP
# needs q95 for that and ends larger than the JPEG; AVIF at speed 9 is ~12% smaller.
WEBP_QUALITY: Final = 95
WEBP_METHOD: Final = 2
AVIF_QUALITY: Final = 75
AVIF_SPEED: Final = 9
# A HEIF original is served as this JPEG (browsers outside Safari cannot show HEIC).
ORIGINAL_JPEG_QUALITY: Final = 90
# ThumbHash encodes images of at most 100 x 100 pixels.
_PLACEHOLDER_SIZE: Final = 100

# Pillow format names we accept, by the content type sniffed from the magic bytes. Pillow
# is only ever asked to try the one plugin the bytes claim, which keeps the other plugins'
# parsers (and their attack surface) out of reach of uploaded data.
_PILLOW_FORMATS: Final[dict[str, str]] = {
    "image/jpeg": "JPEG",
    "image/png": "PNG",
    "image/gif": "GIF",
    "image/webp": "WEBP",
    "image/heic": "HEIF",
    "image/heif": "HEIF",
}
# ISO BMFF major brands (the `ftyp` box) of HEVC-coded HEIF: what phones write.
_HEIC_BRANDS: Final = frozenset({b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm"})
_HEIF_BRANDS: Final = frozenset({b"mif1", b"msf1", b"heif"})

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
class Placeholder:
    """What a list paints before the thumbnail arrives."""

    thumbhash: str  # base64 of a ThumbHash (at most 25 bytes)
    dominant_color: str  # "#rrggbb"


@dataclass(frozen=True)
class CleanOriginal:
    """The original as served: no metadata but orientation (JPEG, PNG, WebP) and colour."""

    data: bytes
    content_type: str


@dataclass(frozen=True)
class ProcessedImage:
    """The original's displayed size and format, and its renditions by format and width.

    ``thumbnails`` are the JPEG ones by width; ``renditions`` every format asked for.
    """

    width: int
    height: int
    format: str
    renditions: dict[tuple[ThumbnailFormat, int], Thumbnail]
    placeholder: Placeholder | None = None
    original: CleanOriginal | None = None
    thumbnails: dict[int, Thumbnail] = field(init=False)

    def __post_init__(self) -> None:
        jpeg = {w: t for (f, w), t in self.renditions.items() if f is ThumbnailFormat.JPEG}
        object.__setattr__(self, "thumbnails", jpeg)


def sniff_content_type(data: bytes) -> str | None:
    """Return the content type the magic bytes of ``data`` identify, or ``None``.

    Knows image/jpeg, image/png, image/gif, image/webp, image/heic, image/heif and
    application/pdf; the worker compares the answer with the Content-Type the client declared.
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
    if data[4:8] == b"ftyp":
        brand = data[8:12]
        if brand in _HEIC_BRANDS:
            return "image/heic"
        if brand in _HEIF_BRANDS:
            return "image/heif"
    return None


def make_thumbnails(
    data: bytes,
    *,
    widths: Sequence[int] = (200, 400),
    formats: Sequence[ThumbnailFormat] = (ThumbnailFormat.JPEG,),
    quality: int = 80,
    max_pixels: int = 60_000_000,
    placeholder: bool = False,
    original: bool = False,
) -> ProcessedImage:
    """Decode ``data`` once and return its oriented size and one thumbnail per target width
    and format (``quality`` is the JPEG's; WebP and AVIF use the measured settings above).

    ``placeholder``: also a ThumbHash and dominant colour; ``original``: also the original
    without metadata. Raises :class:`ImageRejected` for anything that is not a fully
    decodable JPEG, PNG, GIF, WebP or HEIF of at most ``max_pixels`` pixels (Pillow's own
    bomb limit, ``2 * Image.MAX_IMAGE_PIXELS``, also applies). Raises ``ValueError`` for bad
    arguments. Thread-safe: no global state is touched, and Pillow releases the GIL while it
    decodes, resizes and encodes.
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
    if pillow_format == "HEIF" and _bmff_truncated(data):
        # libheif refuses a cut-off file as unidentifiable; its box sizes say what happened.
        raise ImageRejected("image is truncated")
    wanted = _Wanted(
        content_type=content_type or "",
        formats=tuple(dict.fromkeys(formats)),
        placeholder=placeholder,
        original=original,
    )

    try:
        return _process(
            data,
            pillow_format,
            targets=targets,
            quality=quality,
            max_pixels=max_pixels,
            wanted=wanted,
        )
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


@dataclass(frozen=True)
class _Wanted:
    content_type: str
    formats: tuple[ThumbnailFormat, ...]
    placeholder: bool
    original: bool


def _riff_size(data: bytes) -> int:
    return 8 + int.from_bytes(data[4:8], "little")


def _bmff_truncated(data: bytes) -> bool:
    """True when a top-level ISO BMFF box claims more bytes than the file has."""
    pos, size = 0, len(data)
    while pos + 8 <= size:
        length = int.from_bytes(data[pos : pos + 4], "big")
        if length == 1:  # 64-bit size follows the type
            if pos + 16 > size:
                return True
            length = int.from_bytes(data[pos + 8 : pos + 16], "big")
        elif length == 0:  # the box runs to the end of the file
            return False
        if length < 8:
            return False  # malformed rather than cut off: libheif says so
        pos += length
    return pos > size


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
    data: bytes,
    pillow_format: str,
    *,
    targets: list[int],
    quality: int,
    max_pixels: int,
    wanted: _Wanted,
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
        if not isinstance(icc_profile, bytes) or icc_profile[16:20] != b"RGB ":
            # Only a profile describing RGB data is copied: a CMYK or gray profile on an
            # RGB file would be wrong.
            icc_profile = None
        source = _resizable(im)
        # HEIF's clean original is made from the decoded pixels, so while they exist.
        converted = _converted_original(source, icc_profile) if _converts(wanted) else None

        renditions: dict[tuple[ThumbnailFormat, int], Thumbnail] = {}
        previous: Image.Image | None = None
        last: tuple[int, int] | None = None
        rgb: Image.Image | None = None
        for target in targets:
            out_w, out_h = sizes[target]
            if last == (out_w, out_h):
                # Both targets are wider than the original: same pixels, same bytes.
                for fmt in wanted.formats:
                    renditions[fmt, target] = renditions[fmt, targets[targets.index(target) - 1]]
                continue
            if previous is None:
                # Resize in stored orientation, then transpose the small result: rotating a
                # thumbnail is far cheaper than rotating the decoded image.
                resized = _resize(source, (out_h, out_w) if swaps else (out_w, out_h))
                previous = resized if transpose is None else resized.transpose(transpose)
            else:
                # Each smaller size from the previous result: a short, cheap Lanczos step.
                previous = _resize(previous, (out_w, out_h))
            last = (out_w, out_h)
            rgb = _to_rgb(previous)
            for fmt in wanted.formats:
                try:
                    renditions[fmt, target] = _encode(rgb, icc_profile, fmt, quality)
                except (OSError, ValueError) as exc:
                    # An encoder failing on pixels that decoded fine: FAILED, and say which.
                    raise ImageRejected(
                        f"the {target} px {fmt.value} thumbnail could not be made: {exc}"
                    ) from exc
        placeholder = _placeholder(rgb) if wanted.placeholder and rgb is not None else None

    # Lossless copies come after the decoded image is released (close() alone keeps the
    # pixels until the object goes), so a large PNG's peak is the decode or the copy, not both.
    del im, source
    clean = converted
    if wanted.original and wanted.content_type in LOSSLESS_TYPES:
        stripped = strip_metadata(data, content_type=wanted.content_type, orientation=orientation)
        clean = CleanOriginal(data=stripped, content_type=wanted.content_type)
    return ProcessedImage(
        width=width,
        height=height,
        format=pillow_format,
        renditions=renditions,
        placeholder=placeholder,
        original=clean,
    )


def _converts(wanted: _Wanted) -> bool:
    return wanted.original and wanted.content_type not in LOSSLESS_TYPES


def _converted_original(decoded: Image.Image, icc_profile: bytes | None) -> CleanOriginal:
    """HEIF: decoded at full size already (libheif has no reduced-scale decode) and oriented
    by libheif; served as a JPEG of those pixels with the colour profile only."""
    options: dict[str, object] = {"quality": ORIGINAL_JPEG_QUALITY}
    if icc_profile is not None:
        options["icc_profile"] = icc_profile
    buffer = io.BytesIO()
    _to_rgb(decoded).save(buffer, format="JPEG", **options)
    return CleanOriginal(data=buffer.getvalue(), content_type=JPEG_CONTENT_TYPE)


def _placeholder(rgb: Image.Image) -> Placeholder:
    """ThumbHash and dominant colour of the smallest thumbnail (already at most 200 px)."""
    small = rgb.copy()
    small.thumbnail((_PLACEHOLDER_SIZE, _PLACEHOLDER_SIZE), Image.Resampling.BOX)
    rgba = small.convert("RGBA")
    digest = thumbhash.rgba_to_thumb_hash(rgba.width, rgba.height, rgba.tobytes())
    # Dominant colour: the fullest cell of a 16 x 16 x 16 colour histogram, at its centre
    # (what sharp's stats().dominant reports), not the average, which muddies two-colour
    # images. The thumbnail is RGB, so each colour is an (r, g, b) tuple.
    cells = small.point(lambda value: value & 0xF0)
    counted: list[tuple[int, tuple[int, int, int]]] = cells.getcolors(4096) or []  # type: ignore[assignment]
    _, (red, green, blue) = max(counted, default=(0, (0, 0, 0)))
    red, green, blue = red | 0x08, green | 0x08, blue | 0x08
    return Placeholder(
        thumbhash=base64.b64encode(digest).decode("ascii"),
        dominant_color=f"#{red:02x}{green:02x}{blue:02x}",
    )


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


def _encode(
    rgb: Image.Image, icc_profile: bytes | None, fmt: ThumbnailFormat, quality: int
) -> Thumbnail:
    # Keep the colour profile (wide-gamut phone photos look wrong without it).
    options: dict[str, object] = {} if icc_profile is None else {"icc_profile": icc_profile}
    if fmt is ThumbnailFormat.JPEG:
        # No optimize=True: its second Huffman pass costs ~1 ms of a ~47 ms 12 MP thumbnail
        # run (the difference between meeting and missing 1.2x the decode floor) for ~4.4%
        # fewer bytes (29.2 vs 30.5 kB at 400 px). The pixels are identical either way.
        options["quality"] = quality
    elif fmt is ThumbnailFormat.WEBP:
        options.update(quality=WEBP_QUALITY, method=WEBP_METHOD)
    else:
        # One encoder thread: the thumbnail pool already runs one image per CPU.
        options.update(quality=AVIF_QUALITY, speed=AVIF_SPEED, max_threads=1)
    buffer = io.BytesIO()
    rgb.save(buffer, format=fmt.value, **options)
    return Thumbnail(
        width=rgb.width, height=rgb.height, data=buffer.getvalue(), content_type=CONTENT_TYPES[fmt]
    )
