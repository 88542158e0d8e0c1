"""What every benchmark shares: where results and built corpora go, the commit measured, memory, percentiles.

Results are JSON under `.kabar/bench/` (outside git; `KABAR_BENCH_DIR` moves it), one file per benchmark,
so two runs can be compared with any JSON diff.
"""

from __future__ import annotations

import json
import os
import platform
import resource
import subprocess
import time
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
FACQA = REPO.parent / "shared" / "benchmarks" / "facqa"


def cache_dir() -> Path:
    folder = Path(os.environ.get("KABAR_BENCH_DIR", REPO / ".kabar" / "bench"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def commit() -> str:
    """The commit measured, with `+dirty` when the work tree has changes."""
    run = lambda *args: subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True).stdout  # noqa: E731
    head = run("rev-parse", "--short", "HEAD").strip() or "unknown"
    return head + ("+dirty" if run("status", "--porcelain", "--untracked-files=no").strip() else "")


def rss_mb() -> float:
    """This process's resident memory now, in MiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def peak_rss_mb() -> float:
    """The most resident memory this process has held, in MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def percentiles_ms(seconds: list[float]) -> dict[str, float]:
    values = np.asarray(seconds) * 1000
    return {
        "p50_ms": round(float(np.percentile(values, 50)), 2),
        "p95_ms": round(float(np.percentile(values, 95)), 2),
    }


def write_result(name: str, figures: dict[str, Any]) -> Path:
    """Save `figures` with the commit, the time and the machine as `.kabar/bench/NAME.json`."""
    record = {
        "benchmark": name,
        "commit": commit(),
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        **figures,
    }
    path = cache_dir() / f"{name}.json"
    path.write_text(json.dumps(record, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path
