"""Cost of each link impairment per 20 ms frame, to check the live link stays real time.

Runs each impairment (as `ImpairmentChain` runs it on the link: int16 PCM in and out) over
`--frames` frames of a speech-like test signal, pinned to one core with one BLAS thread, and
prints the median over `--repeats` of the mean microseconds per frame, and how long building
the impairment took (the first babble or office build in a process also synthesises the talkers).

    python benchmarks/impairments.py [--rate 48000] [--frames 2000] [--repeats 5] [--json]
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402

import numpy as np  # noqa: E402
from crosstalk_harness.transport.impairments import (  # noqa: E402
    AdditiveNoise,
    Impairment,
    ImpairmentChain,
    PacketLoss,
    TelephoneBand,
)
from crosstalk_harness.transport.jitter import JitterBuffer  # noqa: E402


def _cases(rate: int) -> dict[str, Callable[[], list[Impairment]]]:
    cases: dict[str, Callable[[], list[Impairment]]] = {
        f"noise {kind}": (lambda kind=kind: [AdditiveNoise(kind, 15, seed=1, sample_rate=rate)])
        for kind in ("white", "pink", "babble", "street", "office")
    }
    cases["telephone"] = lambda: [TelephoneBand(rate)]
    cases["loss 5 %, bursts of 2"] = lambda: [PacketLoss(5, 2, seed=1)]
    cases["jitter 20 ms, buffer 60 ms, conceal"] = lambda: [
        JitterBuffer(20, 60, 40, 0.5, "conceal", seed=1)
    ]
    cases["chain: street + telephone + loss + jitter"] = lambda: [
        AdditiveNoise("street", 15, seed=1, sample_rate=rate),
        TelephoneBand(rate),
        PacketLoss(5, 2, seed=1),
        JitterBuffer(20, 60, 40, 0.5, "conceal", seed=1),
    ]
    return cases


def _signal_frames(rate: int, count: int) -> list[bytes]:
    frame = rate // 50
    t = np.arange(frame * count) / rate
    syllables = 0.5 * (1 + np.sin(2 * np.pi * 4 * t)) * (np.sin(2 * np.pi * 0.3 * t) > -0.3)
    speech = 3000 * syllables * np.sin(2 * np.pi * 220 * t + 3 * np.sin(2 * np.pi * 3 * t))
    pcm = speech.astype(np.int16).tobytes()
    return [pcm[i : i + frame * 2] for i in range(0, len(pcm), frame * 2)]


def measure(rate: int, frames: int, repeats: int) -> list[dict[str, float | str]]:
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    signal = _signal_frames(rate, frames)
    rows = []
    for name, build in _cases(rate).items():
        started = time.perf_counter()
        build()
        first_build_ms = (time.perf_counter() - started) * 1000
        per_frame_us = []
        for _ in range(repeats):
            chain = ImpairmentChain(build())
            started = time.perf_counter()
            for pcm in signal:
                chain(pcm)
            per_frame_us.append((time.perf_counter() - started) / frames * 1e6)
        rows.append(
            {
                "impairment": name,
                "us_per_frame": statistics.median(per_frame_us),
                "first_build_ms": first_build_ms,
            }
        )
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=int, default=48_000)
    parser.add_argument("--frames", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    rows = measure(args.rate, args.frames, args.repeats)
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    if args.json:
        print(json.dumps({"machine": machine, "rate": args.rate, "rows": rows}, indent=2))
        return 0
    print(f"{machine}; {args.rate} Hz, 20 ms frames, 1 core; median of {args.repeats}")
    for row in rows:
        print(
            f"{row['impairment']:<42} {row['us_per_frame']:8.1f} us/frame"
            f"   (built in {row['first_build_ms']:.0f} ms)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
