"""Deterministic image corpus for the thumbnail tests and benchmark, generated in code.

Every function returns the bytes of one file; the same arguments always give the same
bytes (for a given Pillow version). Nothing here is downloaded or checked in.
"""

from __future__ import annotations

import io
import random
import struct
import zipfile
import zlib
from functools import cache

from PIL import Image, ImageChops, ImageDraw

RED = (255, 0, 0)
GREEN = (0, 255, 0)
BLUE = (0, 0, 255)
YELLOW = (255, 255, 0)
ORIENTATION_TAG = 0x0112


def photo_like(width: int, height: int, *, seed: int = 0) -> Image.Image:
    """An RGB image that compresses like a photo: gradients, soft blobs, shapes and grain."""
    rng = random.Random(seed)
    # Gradients: one per channel, in different directions.
    red = Image.linear_gradient("L").resize((width, height), Image.Resampling.BILINEAR)
    green = Image.radial_gradient("L").resize((width, height), Image.Resampling.BILINEAR)
    blue = (
        Image.linear_gradient("L")
        .transpose(Image.Transpose.ROTATE_90)
        .resize((width, height), Image.Resampling.BILINEAR)
    )
    image = Image.merge("RGB", (red, green, blue))
    # Soft low-frequency "clouds": a tiny random image blown up with bicubic.
    small = (max(2, width // 64), max(2, height // 64))
    clouds = Image.frombytes("RGB", small, rng.randbytes(small[0] * small[1] * 3))
    image = Image.blend(image, clouds.resize((width, height), Image.Resampling.BICUBIC), 0.35)
    # Hard edges, so the encoder and resampler see detail.
    draw = ImageDraw.Draw(image)
    scale = max(1, min(width, height) // 10)
    for _ in range(40):
        x, y = rng.randrange(width), rng.randrange(height)
        w, h = rng.randint(1, scale * 2), rng.randint(1, scale * 2)
        colour = (rng.randrange(256), rng.randrange(256), rng.randrange(256))
        if rng.random() < 0.5:
            draw.ellipse((x, y, x + w, y + h), fill=colour)
        else:
            draw.rectangle((x, y, x + w, y + h), fill=colour)
    # Luminance grain of +-8 levels, like sensor noise.
    grain = Image.frombytes("L", (width, height), rng.randbytes(width * height))
    grain = grain.point(lambda v: v // 16)
    grain_rgb = Image.merge("RGB", (grain, grain, grain))
    return ImageChops.add(image, grain_rgb, scale=1.0, offset=-8)


def corner_marked(width: int, height: int) -> Image.Image:
    """Gray image with a coloured block in each stored corner: red TL, green TR, blue BL,
    yellow BR. Each block is a quarter of the width and height."""
    image = Image.new("RGB", (width, height), (128, 128, 128))
    draw = ImageDraw.Draw(image)
    bw, bh = width // 4, height // 4
    draw.rectangle((0, 0, bw - 1, bh - 1), fill=RED)
    draw.rectangle((width - bw, 0, width - 1, bh - 1), fill=GREEN)
    draw.rectangle((0, height - bh, bw - 1, height - 1), fill=BLUE)
    draw.rectangle((width - bw, height - bh, width - 1, height - 1), fill=YELLOW)
    return image


def encode(
    image: Image.Image,
    fmt: str,
    *,
    orientation: int | None = None,
    **options: object,
) -> bytes:
    """Encode ``image``; ``orientation`` writes an EXIF Orientation tag."""
    if orientation is not None:
        exif = Image.Exif()
        exif[ORIENTATION_TAG] = orientation
        options["exif"] = exif.tobytes()
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def photo_jpeg(
    width: int,
    height: int,
    *,
    orientation: int | None = None,
    quality: int = 90,
    seed: int = 0,
    marker: tuple[int, int, int] | None = None,
) -> bytes:
    """A photo-like JPEG; ``marker`` paints the stored top-left sixth in one colour."""
    image = photo_like(width, height, seed=seed)
    if marker is not None:
        ImageDraw.Draw(image).rectangle((0, 0, width // 6, height // 6), fill=marker)
    return encode(image, "JPEG", orientation=orientation, quality=quality)


def cmyk_jpeg(width: int = 320, height: int = 240) -> bytes:
    """A CMYK JPEG (as print workflows produce), pure cyan on the left, black on the right."""
    image = Image.new("CMYK", (width, height), (255, 0, 0, 0))
    ImageDraw.Draw(image).rectangle((width // 2, 0, width - 1, height - 1), fill=(0, 0, 0, 255))
    return encode(image, "JPEG", quality=95)


def png_16bit(width: int = 512, height: int = 256) -> bytes:
    """A 16-bit grayscale PNG: a horizontal ramp from 0 to 65535."""
    row = [round(x * 65535 / (width - 1)) for x in range(width)]
    raw = struct.pack(f"<{width}H", *row) * height
    return encode(Image.frombytes("I;16", (width, height), raw), "PNG")


def palette_png_with_transparency(width: int = 300, height: int = 200) -> bytes:
    """P-mode PNG: left half palette index 0 (transparent), right half index 1 (red)."""
    image = Image.new("P", (width, height), 0)
    image.putpalette([0, 255, 0, *RED] + [0, 0, 0] * 254)
    ImageDraw.Draw(image).rectangle((width // 2, 0, width - 1, height - 1), fill=1)
    return encode(image, "PNG", transparency=0)


def la_png(width: int = 300, height: int = 200) -> bytes:
    """LA PNG: black everywhere; left half fully transparent, right half opaque."""
    alpha = Image.new("L", (width, height), 0)
    ImageDraw.Draw(alpha).rectangle((width // 2, 0, width - 1, height - 1), fill=255)
    return encode(Image.merge("LA", (Image.new("L", (width, height), 0), alpha)), "PNG")


def rgba_png(width: int = 300, height: int = 200) -> bytes:
    """RGBA PNG: blue, top half transparent, bottom half opaque."""
    image = Image.new("RGBA", (width, height), (*BLUE, 0))
    ImageDraw.Draw(image).rectangle((0, height // 2, width - 1, height - 1), fill=(*BLUE, 255))
    return encode(image, "PNG")


def _frames(width: int, height: int) -> list[Image.Image]:
    return [Image.new("RGB", (width, height), colour) for colour in (RED, BLUE, GREEN)]


def animated_gif(width: int = 300, height: int = 200) -> bytes:
    """Three frames: red, blue, green."""
    first, *rest = _frames(width, height)
    return encode(first, "GIF", save_all=True, append_images=rest, duration=100, loop=0)


def animated_webp(width: int = 300, height: int = 200) -> bytes:
    """Three lossless frames: red, blue, green."""
    first, *rest = _frames(width, height)
    return encode(
        first, "WEBP", save_all=True, append_images=rest, duration=100, loop=0, lossless=True
    )


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


@cache
def blank_1bit_png(width: int, height: int) -> bytes:
    """A valid all-black 1-bit PNG of any size, built by hand so no huge image is ever made
    in memory. 20000 x 20000 is a decompression bomb: ~50 KB on disk, 400 M pixels."""
    row = b"\x00" * (1 + (width + 7) // 8)  # filter byte + packed bits
    compressor = zlib.compressobj(9)
    parts = [compressor.compress(row) for _ in range(height)]
    parts.append(compressor.flush())
    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", ihdr)
        + _png_chunk(b"IDAT", b"".join(parts))
        + _png_chunk(b"IEND", b"")
    )


def decompression_bomb_png() -> bytes:
    """20000 x 20000 pixels: beyond Pillow's own hard limit as well as ours."""
    return blank_1bit_png(20_000, 20_000)


def truncated(data: bytes, *, keep: float = 0.6) -> bytes:
    """The first ``keep`` fraction of ``data``, as an interrupted upload leaves it."""
    return data[: int(len(data) * keep)]


HTML = b"<!doctype html><html><body><script>alert(1)</script></body></html>\n"

SVG = (
    b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="400" '
    b'height="300"><rect width="400" height="300" fill="red"/></svg>\n'
)

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def zip_archive() -> bytes:
    """A small real ZIP file, to append to a JPEG."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("payload.html", HTML)
    return buffer.getvalue()


def wide_strip(width: int = 65_000, height: int = 10, fmt: str = "PNG") -> bytes:
    """A very wide, very short strip (a panorama's worst case)."""
    return encode(photo_like(width, height, seed=7), fmt)


def tiny(width: int = 50, height: int = 50) -> bytes:
    """A small PNG, narrower than every thumbnail width."""
    return encode(corner_marked(width, height), "PNG")


@cache
def slow_png(width: int = 7000, height: int = 7000) -> bytes:
    """A large RGB gradient PNG (49 M pixels, ~0.7 MB): about half a second to thumbnail, so a
    worker can be caught in the middle of processing it."""
    ramp = Image.linear_gradient("L").resize((width, height))
    image = Image.merge("RGB", (ramp, ramp.transpose(Image.Transpose.ROTATE_90), ramp))
    return encode(image, "PNG", compress_level=1)
