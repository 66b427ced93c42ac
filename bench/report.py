"""Assemble bench/results.md from the per-benchmark results in bench/results/ and the
hand-written analysis in bench/notes.md.

    .venv/bin/python bench/report.py
"""

from __future__ import annotations

import os
import platform
import re
import subprocess
from datetime import UTC, datetime
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ORDER = (
    "requests",
    "overhead",
    "executor",
    "instructions",
    "thumbnails",
    "encoders",
    "subscriptions",
    "upload",
    "load",
)
VERDICT = re.compile(r"\*\*(met|missed)\*\*")


def cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown CPU"


def commit() -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
            cwd=BENCH,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def main() -> None:
    sections = {name: (BENCH / "results" / f"{name}.md") for name in ORDER}
    glance = []
    for name, path in sections.items():
        if not path.exists():
            glance.append(f"- {name}: not run")
            continue
        for line in path.read_text().splitlines():
            if VERDICT.search(line):
                glance.append(f"- {name}: {line.lstrip('- ').strip()}")
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    lines = [
        "# Benchmarks",
        "",
        f"Assembled by `bench/report.py` on {datetime.now(UTC):%Y-%m-%d} (UTC) at commit "
        f"{commit()}: {cpu_model()}, {os.cpu_count()} CPUs, {memory:.0f} GiB, "
        f"{platform.system()} {platform.release()}, Python {platform.python_version()}. "
        "Every competitor runs in the same run as the product, interleaved; ratios are the "
        "numbers to trust on this shared machine, absolute times move with its load.",
        "",
        "## Targets at a glance",
        "",
        *glance,
        "",
    ]
    notes = BENCH / "notes.md"
    if notes.exists():
        lines += [notes.read_text().strip(), ""]
    for path in sections.values():
        if path.exists():
            # A benchmark can be run alone (`python bench/<name>.py`): each section says when
            # its numbers were written, so a section older than the header's date shows.
            written = datetime.fromtimestamp(path.stat().st_mtime, UTC)
            lines += [path.read_text().strip(), "", f"_Written {written:%Y-%m-%d %H:%M} UTC._", ""]
    (BENCH / "results.md").write_text("\n".join(lines))
    print(f"wrote {BENCH / 'results.md'}")


if __name__ == "__main__":
    main()
