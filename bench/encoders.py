"""Encoder settings for the WebP and AVIF thumbnails, chosen by measurement.

    .venv/bin/python bench/encoders.py

For each input the reference is the best the pixels allow: a full-size decode, oriented,
resized with Lanczos to 400 and 200 px. The candidates encode the product's own resized
pixels (reduced-scale decode, Hamming, as `make_thumbnails` makes them), are decoded back
and compared with the reference by SSIM (luma, 8 x 8 windows at a stride of 4, the
constants of Wang et al. 2004). The JPEG at THUMBNAIL_QUALITY 80 sets the quality to match.
For WebP (quality x method) and AVIF (quality x speed) the tables give bytes, SSIM and
encode time, and `chosen` applies the rule written in the report. SSIM is computed with
Pillow alone (`reduce` for the window means, ImageMath for the rest): the project has no
numpy, and this script is its only user. Writes bench/results/encoders.md and prints it.
"""

from __future__ import annotations

import io
import sys
import time
from dataclasses import dataclass
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))

from PIL import Image, ImageDraw, ImageMath, ImageOps
from thumbnails import generated, photo_jpeg, photo_png

from services.media import imaging
from tests.support.factories.images import encode

RESULTS = BENCH / "results" / "encoders.md"
WIDTHS = (400, 200)
JPEG_QUALITY = 80
WEBP_GRID = [(q, m) for q in (75, 80, 85, 90, 93, 95) for m in (0, 2, 4)]
AVIF_GRID = [(q, s) for q in (55, 60, 65, 70, 75, 80) for s in (6, 8, 9)]
# Per 400 px encode: what the READY step can spend per format and still stay well ahead of
# sharp (bench/thumbnails.py); method 4 / speed 6-8 cost several times this.
BUDGET_MS = 25.0
# SSIM below the JPEG's by at most this much counts as equal: the scatter of the metric
# between neighbouring settings of one encoder (see the tables) is about as large.
TOLERANCE = 0.001
_C1 = (0.01 * 255) ** 2
_C2 = (0.03 * 255) ** 2


def ssim(x: Image.Image, y: Image.Image) -> float:
    """Mean SSIM of the luma of two equal-size images over 8 x 8 windows at a stride of 4.

    Windows at offsets 0 and 4 in each direction: aligned windows alone would sit exactly on
    JPEG's 8 x 8 blocks and never see its blocking at their edges."""
    a = x.convert("L").convert("F")
    b = y.convert("L").convert("F")
    scores = [
        _block_ssim(a.crop((dx, dy, a.width, a.height)), b.crop((dx, dy, b.width, b.height)))
        for dx in (0, 4)
        for dy in (0, 4)
    ]
    return sum(scores) / len(scores)


def _block_ssim(a: Image.Image, b: Image.Image) -> float:
    def product(p: Image.Image, q: Image.Image) -> Image.Image:
        return ImageMath.lambda_eval(lambda d: d["p"] * d["q"], p=p, q=q)  # type: ignore[no-any-return]

    ma, mb = a.reduce(8), b.reduce(8)
    maa, mbb, mab = product(a, a).reduce(8), product(b, b).reduce(8), product(a, b).reduce(8)
    index = ImageMath.lambda_eval(
        lambda d: ((d["ma"] * d["mb"] * 2 + _C1) * ((d["mab"] - d["ma"] * d["mb"]) * 2 + _C2))
        / (
            (d["ma"] * d["ma"] + d["mb"] * d["mb"] + _C1)
            * (d["maa"] - d["ma"] * d["ma"] + d["mbb"] - d["mb"] * d["mb"] + _C2)
        ),
        ma=ma, mb=mb, maa=maa, mbb=mbb, mab=mab,
    )  # fmt: skip
    # ImageStat would bin a float image into 256 levels: average the windows directly.
    values = list(index.get_flattened_data())
    return sum(values) / len(values)


def reference(data: bytes, width: int) -> Image.Image:
    with Image.open(io.BytesIO(data)) as opened:
        full = ImageOps.exif_transpose(opened).convert("RGB")
    height = max(1, round(full.height * width / full.width))
    return full.resize((width, height), Image.Resampling.LANCZOS)


def product_pixels(data: bytes, width: int) -> Image.Image:
    """The pixels the product encodes: its JPEG rendition path, before encoding."""
    with Image.open(io.BytesIO(data)) as opened:
        orientation = opened.getexif().get(0x0112, 1)
        swaps = orientation in (5, 6, 7, 8)
        shown_w, shown_h = (opened.height, opened.width) if swaps else opened.size
        height = max(1, round(shown_h * width / shown_w))
        size = (height, width) if swaps else (width, height)
        opened.draft("RGB", size)
        resized = opened.convert("RGB").resize(size, Image.Resampling.HAMMING, reducing_gap=1.0)
    transpose = imaging._TRANSPOSE_FOR_ORIENTATION.get(orientation)
    return resized if transpose is None else resized.transpose(transpose)


def screenshot_png() -> bytes:
    """Flat panels, thin lines and text: what photos are not (UI captures, documents)."""
    image = Image.new("RGB", (2000, 1500), (245, 245, 250))
    draw = ImageDraw.Draw(image)
    for row in range(30):
        top = 60 + row * 46
        draw.rectangle((40, top, 1960, top + 38), fill=(255, 255, 255), outline=(200, 200, 210))
        draw.text((60, top + 12), f"Row {row}: submission approved by manager {row * 7}",
                  fill=(30, 30, 60))  # fmt: skip
        draw.ellipse((1880, top + 6, 1906, top + 32), fill=(40 + row * 7, 120, 200 - row * 5))
    return encode(image, "PNG")


@dataclass
class Row:
    fmt: str
    setting: str
    width: int
    kb: float
    ssim: float
    ms: float


def measure(image: Image.Image, ref: Image.Image, fmt: str, setting: str, **options: object) -> Row:
    best = float("inf")
    data = b""
    for _ in range(3):
        buffer = io.BytesIO()
        started = time.perf_counter()
        image.save(buffer, fmt, **options)
        best = min(best, (time.perf_counter() - started) * 1000)
        data = buffer.getvalue()
    with Image.open(io.BytesIO(data)) as decoded:
        score = ssim(decoded.convert("RGB"), ref)
    return Row(fmt, setting, image.width, len(data) / 1000, score, best)


def rows_for(data: bytes) -> list[Row]:
    rows: list[Row] = []
    for width in WIDTHS:
        ref = reference(data, width)
        pixels = product_pixels(data, width)
        rows.append(measure(pixels, ref, "JPEG", f"q{JPEG_QUALITY}", quality=JPEG_QUALITY))
        for quality, method in WEBP_GRID:
            rows.append(measure(pixels, ref, "WEBP", f"q{quality} m{method}",
                                quality=quality, method=method))  # fmt: skip
        for quality, speed in AVIF_GRID:
            rows.append(measure(pixels, ref, "AVIF", f"q{quality} s{speed}",
                                quality=quality, speed=speed, max_threads=1))  # fmt: skip
    return rows


def chosen(results: list[list[Row]], fmt: str) -> str | None:
    """Fewest bytes over every input and width with SSIM no more than TOLERANCE below the
    JPEG's on each, and the 400 px encode within the budget on each."""
    totals: dict[str, float] = {}
    failed: set[str] = set()
    for rows in results:
        target = {r.width: r.ssim for r in rows if r.fmt == "JPEG"}
        for row in rows:
            if row.fmt != fmt:
                continue
            totals[row.setting] = totals.get(row.setting, 0.0) + row.kb
            slow = row.width == max(WIDTHS) and row.ms > BUDGET_MS
            if row.ssim < target[row.width] - TOLERANCE or slow:
                failed.add(row.setting)
    fitting = [(kb, setting) for setting, kb in totals.items() if setting not in failed]
    return min(fitting)[1] if fitting else None


def main() -> None:
    inputs = {
        "12 MP photo-like JPEG (orientation 6)": generated(
            "photo-12mp-o6-q90.jpg", lambda: photo_jpeg(4032, 3024, seed=12)
        ),
        "24 MP photo-like PNG": generated("photo-24mp.png", lambda: photo_png(6000, 4000, seed=24)),
        "3 MP screenshot-like PNG (flat colour, text, edges)": generated(
            "screen-3mp.png", screenshot_png
        ),
    }
    lines = [
        "## Encoder settings: WebP and AVIF thumbnails at the JPEG's quality",
        "",
        "SSIM (luma, 8 x 8 windows at a stride of 4) of each decoded thumbnail against a "
        f"full-size Lanczos reference; the JPEG at q{JPEG_QUALITY} is the quality to match. "
        "Encode time is the best of 3 (shared machine). Rule: the fewest bytes over all "
        f"inputs and both widths with SSIM at most {TOLERANCE} below the JPEG's everywhere "
        f"and every 400 px encode within {BUDGET_MS:.0f} ms.",
        "",
    ]
    results: list[list[Row]] = []
    for name, path in inputs.items():
        rows = rows_for(path.read_bytes())
        results.append(rows)
        lines += [f"### {name}", "", "| format | setting | width | kB | SSIM | encode ms |",
                  "|---|---|---:|---:|---:|---:|"]  # fmt: skip
        lines += [
            f"| {r.fmt} | {r.setting} | {r.width} | {r.kb:.1f} | {r.ssim:.4f} | {r.ms:.1f} |"
            for r in rows
        ]
        lines.append("")
    for fmt in ("WEBP", "AVIF"):
        lines.append(f"- {fmt}: the rule picks **{chosen(results, fmt)}** over all inputs")
    lines += [
        "",
        "Product settings (services/media/imaging.py): "
        f"WebP q{imaging.WEBP_QUALITY} m{imaging.WEBP_METHOD}, "
        f"AVIF q{imaging.AVIF_QUALITY} s{imaging.AVIF_SPEED}.",
    ]
    report = "\n".join(lines) + "\n"
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(report)
    print(report)


if __name__ == "__main__":
    main()
