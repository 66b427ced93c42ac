"""Thumbnail benchmark: the READY step (JPEG, WebP and AVIF at 200 and 400 px, the ThumbHash
placeholder and the clean original) against sharp making the same renditions, plus the
JPEG-only `make_thumbnails`, plain Pillow and the JPEG decode floor.

    .venv/bin/python bench/thumbnails.py [--rounds N] [--iterations N]

Everything runs in one process run, interleaved round by round (A B C D, then D C B A, ...),
so drift and noise from other work on the machine hit every variant alike. Inputs are
generated deterministically into bench/.work/ on first use. sharp is installed into
bench/node_modules by this script (npm, pinned by bench/package.json) if it is missing,
and runs in one long-lived node process that times its own iterations, so node start-up
is never counted. Writes bench/results/thumbnails.md and prints it.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
WORK = BENCH / ".work"
RESULTS = BENCH / "results" / "thumbnails.md"
sys.path.insert(0, str(ROOT))  # the corpus factory lives in tests/

import PIL
from PIL import Image, ImageOps, features

from services.media import imaging
from services.media.imaging import make_thumbnails
from services.media.originals import strip_metadata
from services.media.records import ThumbnailFormat
from tests.support.factories.images import encode, photo_like

WIDTHS = (400, 200)
QUALITY = 80
ORIENTATION = 6  # the usual phone portrait: stored landscape, displayed rotated
SPEED_TARGET = 1.5  # product at least this much faster than sharp
FLOOR_TARGET = 1.2  # product at most this multiple of the decode floor
RSS_TARGET_MB = 150


# --- inputs ------------------------------------------------------------------------------


def generated(name: str, make: Callable[[], bytes]) -> Path:
    """Generate an input once; later runs reuse the file (same bytes every time)."""
    path = WORK / name
    if not path.exists():
        WORK.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        data = make()
        path.with_suffix(".tmp").write_bytes(data)
        path.with_suffix(".tmp").rename(path)
        print(
            f"generated {name}: {len(data) / 1e6:.1f} MB in {time.perf_counter() - started:.1f} s"
        )
    return path


def photo_jpeg(width: int, height: int, seed: int) -> bytes:
    image = photo_like(width, height, seed=seed)
    return encode(image, "JPEG", orientation=ORIENTATION, quality=90)


def photo_png(width: int, height: int, seed: int) -> bytes:
    return encode(photo_like(width, height, seed=seed), "PNG", compress_level=1)


# --- variants ----------------------------------------------------------------------------


FORMATS = tuple(ThumbnailFormat)
# The product's settings, handed to sharp so both make the same outputs with the same
# encoders' efforts (sharp's effort = 9 - libaom's speed; WebP effort = method).
SHARP_OUTPUTS = {
    "jpeg": {"quality": QUALITY},
    "webp": {"quality": imaging.WEBP_QUALITY, "effort": imaging.WEBP_METHOD},
    "avif": {"quality": imaging.AVIF_QUALITY, "effort": 9 - imaging.AVIF_SPEED},
}


def ready_step(data: bytes) -> imaging.ProcessedImage:
    """What the worker runs for an image: every rendition, the placeholder, the clean original."""
    return make_thumbnails(
        data, widths=WIDTHS, formats=FORMATS, quality=QUALITY, placeholder=True, original=True
    )


def product(data: bytes) -> None:
    ready_step(data)


def jpeg_only(data: bytes) -> None:
    """The JPEG thumbnails alone, as before WebP/AVIF (the decode-floor target's subject)."""
    make_thumbnails(data, widths=WIDTHS, quality=QUALITY)


def plain_pillow(data: bytes) -> None:
    """The textbook way: open, exif_transpose, Lanczos resize, from scratch for each size."""
    for width in WIDTHS:
        with Image.open(io.BytesIO(data)) as opened:
            image = ImageOps.exif_transpose(opened)
            height = max(1, round(image.height * width / image.width))
            small = image.resize((width, height), Image.Resampling.LANCZOS)
            small.save(io.BytesIO(), "JPEG", quality=QUALITY, optimize=True)


def decode_floor(data: bytes) -> None:
    """What the product cannot avoid: the reduced-scale decode it asks for, and nothing else."""
    with Image.open(io.BytesIO(data)) as image:
        stored_w, stored_h = image.size
        swapped = image.getexif().get(0x0112, 1) in (5, 6, 7, 8)
        shown_w, shown_h = (stored_h, stored_w) if swapped else (stored_w, stored_h)
        width = min(max(WIDTHS), shown_w)
        height = max(1, round(shown_h * width / shown_w))
        image.draft("RGB", (height, width) if swapped else (width, height))
        image.load()


@dataclass
class Samples:
    wall_ms: list[float] = field(default_factory=list)
    cpu_ms: list[float] = field(default_factory=list)


def time_python(function: Callable[[bytes], None], data: bytes, iterations: int) -> Samples:
    samples = Samples()
    for _ in range(iterations):
        wall, cpu = time.perf_counter(), time.process_time()
        function(data)
        samples.cpu_ms.append((time.process_time() - cpu) * 1000)
        samples.wall_ms.append((time.perf_counter() - wall) * 1000)
    return samples


class Sharp:
    """The node process running bench/sharp_thumbs.mjs."""

    def __init__(self) -> None:
        env = {**os.environ, "UV_THREADPOOL_SIZE": "1"}
        self.process = subprocess.Popen(
            ["node", str(BENCH / "sharp_thumbs.mjs")],
            cwd=BENCH,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        hello = self._read()
        self.versions: dict[str, str] = hello["versions"]  # type: ignore[assignment]
        self.last_sizes: list[list[object]] = []
        self.last_placeholder: str | None = None

    def _read(self) -> dict[str, object]:
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError("the sharp process exited")
        answer: dict[str, object] = json.loads(line)
        return answer

    def time(self, path: Path, iterations: int) -> Samples:
        assert self.process.stdin is not None
        command = {
            "file": str(path),
            "widths": list(WIDTHS),
            "outputs": SHARP_OUTPUTS,
            "placeholder": True,
            "iterations": iterations,
        }
        self.process.stdin.write(json.dumps(command) + "\n")
        self.process.stdin.flush()
        answer = self._read()
        self.last_sizes = answer["sizes"]  # type: ignore[assignment]
        self.last_placeholder = answer.get("placeholder")  # type: ignore[assignment]
        return Samples(wall_ms=answer["wall_ms"], cpu_ms=answer["cpu_ms"])  # type: ignore[arg-type]

    def close(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write('{"quit": true}\n')
        self.process.stdin.close()
        self.process.wait(timeout=30)


def ensure_sharp() -> str | None:
    """Install sharp into bench/ if missing; return why it is unavailable, or None."""
    if (BENCH / "node_modules" / "sharp" / "package.json").exists():
        return None
    print("installing sharp into bench/node_modules ...")
    try:
        subprocess.run(
            ["npm", "install", "--prefix", str(BENCH), "--no-audit", "--no-fund"],
            check=True,
            timeout=300,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        return f"npm install failed: {exc}"
    return None


# --- peak RSS of a fresh worker ----------------------------------------------------------


def rss_worker(path: str, baseline: bool) -> None:
    """Child mode: thumbnail one file (or only read it) and report this process's peak RSS."""
    data = Path(path).read_bytes()
    if not baseline:
        ready_step(data)
    status = Path("/proc/self/status").read_text()
    hwm_kb = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM"))
    print(json.dumps({"vmhwm_kb": hwm_kb}))


# Runs the worker and reports that child's own rusage. The launcher is a bare interpreter
# because Linux carries a process's RSS high-water mark across exec: a worker forked from
# this (large) benchmark process would inherit its ru_maxrss.
LAUNCHER = """
import json, os, subprocess, sys
child = subprocess.Popen(sys.argv[1:], stdout=subprocess.PIPE)
output = child.stdout.read()
_, status, usage = os.wait4(child.pid, 0)
print(json.dumps({"output": output.decode(), "status": status, "maxrss_kb": usage.ru_maxrss}))
"""


def measure_rss(path: Path, *, baseline: bool = False) -> tuple[float, float]:
    """Peak RSS in MB of a fresh worker: (its VmHWM, its ru_maxrss as wait4 reports it)."""
    worker = [sys.executable, str(Path(__file__).resolve()), "--rss-worker", str(path)]
    if baseline:
        worker.append("--baseline")
    launched = subprocess.run(
        [sys.executable, "-S", "-c", LAUNCHER, *worker],
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    answer = json.loads(launched.stdout)
    if os.waitstatus_to_exitcode(answer["status"]) != 0:
        raise RuntimeError(f"rss worker failed on {path.name}")
    return json.loads(answer["output"])["vmhwm_kb"] / 1024, answer["maxrss_kb"] / 1024


# --- measuring ---------------------------------------------------------------------------


@contextmanager
def stopwatch(label: str) -> Iterator[None]:
    """Progress on stderr, so the report on stdout stays clean."""
    started = time.perf_counter()
    yield
    print(f"{label}: {time.perf_counter() - started:.1f} s", file=sys.stderr)


PRODUCT = "product READY step (6 renditions + placeholder + clean original)"
JPEG_ONLY = "product JPEG only (200 + 400)"
SHARP = "sharp, same 6 renditions + npm thumbhash (in-node, per iteration)"
PILLOW = "plain Pillow"
FLOOR = "decode floor (`draft` + `load`)"


@dataclass
class Speed:
    samples: dict[str, Samples]
    per_round: list[dict[str, float]]  # each round's median wall ms per variant
    sharp_versions: dict[str, str]
    sharp_sizes: list[list[object]]
    sharp_placeholder: str | None
    sharp_problem: str | None


def measure_speed(path: Path, rounds: int, iterations: int) -> Speed:
    data = path.read_bytes()
    sharp_problem = ensure_sharp()
    sharp = Sharp() if sharp_problem is None else None
    variants: dict[str, Callable[[int], Samples]] = {
        PRODUCT: lambda n: time_python(product, data, n),
        JPEG_ONLY: lambda n: time_python(jpeg_only, data, n),
        PILLOW: lambda n: time_python(plain_pillow, data, 1),  # ~10x slower: one is plenty
        FLOOR: lambda n: time_python(decode_floor, data, n),
    }
    if sharp is not None:
        variants[SHARP] = lambda n: sharp.time(path, n)
        order = [PRODUCT, SHARP, JPEG_ONLY, PILLOW, FLOOR]
    else:
        order = [PRODUCT, JPEG_ONLY, PILLOW, FLOOR]
    samples = {name: Samples() for name in order}
    per_round: list[dict[str, float]] = []
    try:
        for name in order:  # warm-up, not recorded
            variants[name](1)
        for round_number in range(rounds):
            this_round: dict[str, float] = {}
            # A B C D, then D C B A: no variant always runs right after another.
            for name in order if round_number % 2 == 0 else reversed(order):
                measured = variants[name](iterations)
                samples[name].wall_ms += measured.wall_ms
                samples[name].cpu_ms += measured.cpu_ms
                this_round[name] = median(measured.wall_ms)
            per_round.append(this_round)
    finally:
        if sharp is not None:
            sharp.close()
    return Speed(
        samples=samples,
        per_round=per_round,
        sharp_versions=sharp.versions if sharp is not None else {},
        sharp_sizes=sharp.last_sizes if sharp is not None else [],
        sharp_placeholder=sharp.last_placeholder if sharp is not None else None,
        sharp_problem=sharp_problem,
    )


def measure_throughput(data: bytes, batch: int, runs: int) -> dict[int, list[float]]:
    """READY steps per second through a pool of 1 and of 2 threads, interleaved."""
    rates: dict[int, list[float]] = {1: [], 2: []}
    for _ in range(runs):
        for threads, measured in rates.items():
            with ThreadPoolExecutor(max_workers=threads) as pool:
                started = time.perf_counter()
                list(pool.map(product, [data] * batch))
                measured.append(batch / (time.perf_counter() - started))
    return rates


# --- reporting ---------------------------------------------------------------------------


def median(values: list[float]) -> float:
    return statistics.median(values)


def spread(values: list[float], digits: int = 1) -> str:
    return f"{min(values):.{digits}f} to {max(values):.{digits}f}"


def verdict(value: float, target: float, *, at_least: bool) -> str:
    met = value >= target if at_least else value <= target
    margin = abs(value / target - 1)
    amount = f"{margin:.0%}" if margin >= 0.005 else "under 1%"
    return f"**met** with {amount} to spare" if met else f"**missed** by {amount}"


def target_line(
    label: str, speed: Speed, top: str, bottom: str, target: float, *, at_least: bool
) -> str:
    paired = [r[top] / r[bottom] for r in speed.per_round]
    wall = median(speed.samples[top].wall_ms) / median(speed.samples[bottom].wall_ms)
    cpu = median(speed.samples[top].cpu_ms) / median(speed.samples[bottom].cpu_ms)
    value = median(paired)
    sign = ">=" if at_least else "<="
    return (
        f"- {label}: **{value:.2f}x** (rounds {spread(paired, 2)}; pooled medians: "
        f"wall {wall:.2f}x, CPU {cpu:.2f}x), target {sign} {target}x: "
        f"{verdict(value, target, at_least=at_least)}"
    )


def speed_section(speed: Speed, data: bytes, rounds: int, iterations: int) -> list[str]:
    ours = ready_step(data)
    product_wall = median(speed.samples[PRODUCT].wall_ms)
    lines = [
        f"Input: deterministic photo-like 12 MP JPEG, 4032x3024, EXIF orientation {ORIENTATION}, "
        f"q90, {len(data) / 1e6:.1f} MB. One iteration of the READY step makes JPEG q{QUALITY}, "
        f"WebP q{imaging.WEBP_QUALITY} method {imaging.WEBP_METHOD} and AVIF "
        f"q{imaging.AVIF_QUALITY} speed {imaging.AVIF_SPEED} at 400 and 200 px, the ThumbHash "
        "and dominant colour, and the original without metadata; sharp makes the same six "
        "renditions with the same settings (`effort` = 9 - speed for AVIF) and the ThumbHash "
        "(npm `thumbhash`) and `stats().dominant` of its 200 px JPEG. "
        f"{rounds} interleaved rounds x {iterations} iterations (plain Pillow: 1) after a "
        "warm-up. Wall = `perf_counter`, CPU = `process_time` (node: `process.cpuUsage`).",
        "",
        "| variant | wall median ms | wall min to max | CPU median ms | wall vs product |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, samples in speed.samples.items():
        wall = median(samples.wall_ms)
        lines.append(
            f"| {name} | {wall:.1f} | {spread(samples.wall_ms)} | "
            f"{median(samples.cpu_ms):.1f} | {wall / product_wall:.2f}x |"
        )
    lines += [
        "",
        "Targets, judged on the median of per-round ratios (a round runs the variants back "
        "to back, so a busy moment on the shared machine hits both sides of a ratio):",
        "",
    ]
    if SHARP in speed.samples:
        lines.append(
            target_line("READY step vs sharp, times faster", speed, SHARP, PRODUCT, SPEED_TARGET,
                        at_least=True)
        )  # fmt: skip
    else:
        lines.append(f"- READY step vs sharp: not measured ({speed.sharp_problem})")
    lines.append(
        target_line("JPEG-only thumbnails / decode floor", speed, JPEG_ONLY, FLOOR, FLOOR_TARGET,
                    at_least=False)
    )  # fmt: skip
    floor_ratio = [r[PRODUCT] / r[FLOOR] for r in speed.per_round]
    lines.append(
        f"- READY step / decode floor (reported, no target): {median(floor_ratio):.2f}x "
        f"(rounds {spread(floor_ratio, 2)})"
    )
    lines += ["", "Bytes per rendition:", "", "| rendition | ours | sharp |", "|---|---:|---:|"]
    theirs = {(str(f).upper(), int(w)): int(b) for f, w, _, b in speed.sharp_sizes}  # type: ignore[call-overload]
    for (fmt, width), thumbnail in sorted(
        ours.renditions.items(), key=lambda i: (-i[0][1], i[0][0])
    ):
        sharp_bytes = theirs.get((fmt.value, width))
        sharp_text = f"{sharp_bytes / 1000:.1f} kB" if sharp_bytes is not None else "-"
        lines.append(
            f"| {fmt.value} {thumbnail.width}x{thumbnail.height} | "
            f"{len(thumbnail.data) / 1000:.1f} kB | {sharp_text} |"
        )
    assert ours.placeholder is not None and ours.original is not None
    lines += [
        "",
        f"Placeholder: {len(ours.placeholder.thumbhash)} base64 characters "
        f"({ours.placeholder.thumbhash}, dominant {ours.placeholder.dominant_color}); sharp's "
        f"npm thumbhash: {speed.sharp_placeholder}. Clean original: "
        f"{len(ours.original.data) / 1e6:.2f} MB of {len(data) / 1e6:.2f} MB (lossless).",
    ]
    return lines


def breakdown_section(data: bytes, repeats: int) -> list[str]:
    """Each piece of the READY step timed alone (best of `repeats`), and its share of their sum."""

    def best(work: Callable[[], object]) -> float:
        times = []
        for _ in range(repeats):
            started = time.perf_counter()
            work()
            times.append((time.perf_counter() - started) * 1000)
        return min(times)

    with Image.open(io.BytesIO(data)) as opened:
        orientation = opened.getexif().get(0x0112, 1)
    swaps = orientation in (5, 6, 7, 8)
    transpose = imaging._TRANSPOSE_FOR_ORIENTATION.get(orientation)

    def decoded() -> Image.Image:
        image = Image.open(io.BytesIO(data))
        shown = (image.height, image.width) if swaps else image.size
        size = (max(WIDTHS), round(shown[1] * max(WIDTHS) / shown[0]))
        image.draft("RGB", size[::-1] if swaps else size)
        image.load()
        return image

    source = decoded()
    shown_w = source.height if swaps else source.width
    shown_h = source.width if swaps else source.height
    sizes = {w: imaging._target_size(w, shown_w, shown_h) for w in WIDTHS}
    big = sizes[max(WIDTHS)]

    def first_resize() -> Image.Image:
        resized = imaging._resize(source, big[::-1] if swaps else big)
        return resized if transpose is None else resized.transpose(transpose)

    large = first_resize()
    small = imaging._resize(large, sizes[min(WIDTHS)])
    pieces: dict[str, float] = {
        "decode (draft + load)": best(decoded),
        f"resize to {max(WIDTHS)} + transpose": best(first_resize),
        f"resize {max(WIDTHS)} -> {min(WIDTHS)}": best(lambda: imaging._resize(large, sizes[200])),
    }
    for fmt in FORMATS:
        for width, image in ((max(WIDTHS), large), (min(WIDTHS), small)):
            pieces[f"encode {fmt.value} {width}"] = best(
                lambda image=image, fmt=fmt: imaging._encode(image, None, fmt, QUALITY)
            )
    pieces["placeholder (ThumbHash + dominant colour)"] = best(lambda: imaging._placeholder(small))
    pieces["clean original (lossless JPEG segments)"] = best(
        lambda: strip_metadata(data, content_type="image/jpeg", orientation=orientation)
    )
    total = sum(pieces.values())
    lines = [
        f"Where the READY step's time goes (each piece alone, best of {repeats}, 12 MP JPEG):",
        "",
        "| piece | ms | share |",
        "|---|---:|---:|",
    ]
    lines += [f"| {name} | {ms:.1f} | {ms / total:.0%} |" for name, ms in pieces.items()]
    lines.append(f"| sum | {total:.1f} | 100% |")
    return lines


def rss_section(rss: dict[str, tuple[float, float]], jpeg50: Path, png24: Path) -> list[str]:
    lines = [
        "Peak RSS of a fresh worker process thumbnailing one image:",
        "",
        "| worker | VmHWM MB | ru_maxrss MB (wait4) |",
        "|---|---:|---:|",
    ]
    lines += [f"| {label} | {hwm:.0f} | {maxrss:.0f} |" for label, (hwm, maxrss) in rss.items()]
    jpeg_peak = max(rss["50 MP JPEG"])
    lines += [
        "",
        f"- 50 MP JPEG (8660x5773, {jpeg50.stat().st_size / 1e6:.1f} MB, decoded at 1/8): "
        f"{jpeg_peak:.0f} MB, target < {RSS_TARGET_MB} MB: "
        f"{verdict(jpeg_peak, RSS_TARGET_MB, at_least=False)}",
        f"- 24 MP PNG (6000x4000 RGB, {png24.stat().st_size / 1e6:.1f} MB): "
        f"{max(rss['24 MP PNG']):.0f} MB. PNG has no reduced-scale decode, so the whole image "
        "is held (4 bytes a pixel, 96 MB) next to the file's bytes.",
    ]
    return lines


def throughput_section(rates: dict[int, list[float]], batch: int) -> list[str]:
    lines = [
        f"Throughput of the READY step over the 12 MP JPEG ({batch} images a run, "
        f"{len(rates[1])} runs each, interleaved):",
        "",
        "| threads | images/s median | min to max |",
        "|---:|---:|---:|",
    ]
    lines += [f"| {t} | {median(r):.1f} | {spread(r)} |" for t, r in rates.items()]
    lines += [
        "",
        f"- 2 threads vs 1: {median(rates[2]) / median(rates[1]):.2f}x on {os.cpu_count()} "
        "CPUs (Pillow releases the GIL while it decodes, resizes and encodes).",
    ]
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rounds", type=int, default=16, help="measured rounds (default 16)")
    parser.add_argument("--iterations", type=int, default=3, help="iterations per round")
    parser.add_argument("--rss-worker", help=argparse.SUPPRESS)
    parser.add_argument("--baseline", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.rss_worker:
        rss_worker(args.rss_worker, args.baseline)
        return

    began = time.perf_counter()
    load_before = os.getloadavg()
    with stopwatch("inputs"):
        jpeg12 = generated("photo-12mp-o6-q90.jpg", lambda: photo_jpeg(4032, 3024, seed=12))
        jpeg50 = generated("photo-50mp-o6-q90.jpg", lambda: photo_jpeg(8660, 5773, seed=50))
        png24 = generated("photo-24mp.png", lambda: photo_png(6000, 4000, seed=24))
    with stopwatch("rss"):
        rss = {
            "baseline: imports + reads the 50 MP file": measure_rss(jpeg50, baseline=True),
            "50 MP JPEG": measure_rss(jpeg50),
            "24 MP PNG": measure_rss(png24),
        }
    with stopwatch("speed"):
        speed = measure_speed(jpeg12, args.rounds, args.iterations)
    batch = 16
    with stopwatch("throughput"):
        rates = measure_throughput(jpeg12.read_bytes(), batch, runs=3)
    load_after = os.getloadavg()

    versions = f"Pillow {PIL.__version__} (libjpeg-turbo {features.version('libjpeg_turbo')})"
    if speed.sharp_versions:
        versions += (
            f", sharp {speed.sharp_versions.get('sharp')} "
            f"(libvips {speed.sharp_versions.get('vips')}), node {node_version()}"
        )
    lines = [
        "## Thumbnails: the READY step (JPEG, WebP, AVIF at 200 + 400 px, placeholder, clean "
        "original)",
        "",
        *speed_section(speed, jpeg12.read_bytes(), args.rounds, args.iterations),
        "",
        *breakdown_section(jpeg12.read_bytes(), repeats=5),
        "",
        *rss_section(rss, jpeg50, png24),
        "",
        *throughput_section(rates, batch),
        "",
        f"Environment: {platform.machine()}, {os.cpu_count()} CPUs, Python "
        f"{platform.python_version()}, {versions}. Load average {load_before[0]:.2f} before, "
        f"{load_after[0]:.2f} after: the machine is shared, so absolute times move between "
        f"runs; the interleaved ratios move much less. Whole run "
        f"{time.perf_counter() - began:.0f} s.",
    ]
    report = "\n".join(lines) + "\n"
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(report)
    print(report)


def node_version() -> str:
    try:
        return subprocess.run(
            ["node", "--version"], capture_output=True, text=True, check=True, timeout=30
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"


if __name__ == "__main__":
    main()
