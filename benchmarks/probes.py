"""Accuracy and speed of the timing probes.

Accuracy: error (p50/p95/max, ms) of speech edges and recoveries on ground-truth sets. The
synthetic set is the tests' generator (speech-like signals and espeak TTS at 16/24/48 kHz, clean
and with noise 30 dB below speech): every response's caller end and agent start, every
barge-in's start and the agent's stop, and every barge-in's recovery. The real sets
(harness/testing/real_speech.py) are recorded human speech placed on a two-channel timeline with
backchannels and a barge-in in recorded backgrounds: every stretch of speech's start and end, and
the barge-in's recovery (from the end of the caller's whole turn; in every other call the caller
pauses inside it). The tuning set is the one the analyzer's settings were chosen on; the
held-out set was not looked at while tuning. Target: real p95 <= 40 ms on the held-out set,
synthetic p95 <= 5 ms.

Speed: a multiple of real time on one core. Target: >= 500x. Builds a 10-minute stereo call
(speech-like turns with barge-ins and steady noise 30 dB below speech, from the ground-truth
generator the tests use), writes it as a 16-bit WAV, and times `analyze_recording` on it
(reading the file included), pinned to one core with one BLAS thread.

    python benchmarks/probes.py [--minutes 10] [--rates 16000 48000] [--json] [--skip-speed]
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import wave  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
from crosstalk_harness.probes import StereoRecording, analyze, analyze_recording  # noqa: E402
from crosstalk_harness.probes.activity import speech_segments  # noqa: E402
from crosstalk_harness.testing.real_speech import NOISES, real_set_errors  # noqa: E402
from crosstalk_harness.testing.synthetic_calls import build_call  # noqa: E402

SYNTHETIC_CALLS = 4
# (name, held out, calls, recorded backgrounds): the held-out calls cycle through six
# backgrounds, four the tuning set has (office, city, crowded room, keyboard) and two it has not
REAL_SETS = (
    ("tuning set", False, 16, None),
    ("held-out clips in the tuning's 4 backgrounds", True, 24, NOISES),
    ("held-out clips in 2 unseen backgrounds", True, 24, ("forest-ambience", "keyboard-typing2")),
)


def _synthetic_errors() -> tuple[list[float], list[float]]:
    """Edge errors and recovery errors (ms) over the synthetic calls."""
    edges: list[float] = []
    recoveries: list[float] = []
    for rate in (16_000, 24_000, 48_000):
        for noise in (None, 30.0):
            for tts in (False, True):
                for seed in range(SYNTHETIC_CALLS):
                    caller, agent, truth = build_call(rate, seed, noise_db_below=noise, tts=tts)
                    timing = analyze(StereoRecording(rate, caller, agent))
                    for found, (end, start) in zip(timing.responses, truth.responses, strict=True):
                        edges += [abs(found.caller_end_s - end), abs(found.agent_start_s - start)]
                    truths = zip(truth.interruptions, truth.interruption_caller_ends, strict=True)
                    for found, ((start, stop, back), caller_end) in zip(
                        timing.interruptions, truths, strict=True
                    ):
                        edges += [abs(found.start_s - start), abs(found.agent_stop_s - stop)]
                        recoveries.append(abs(found.recovery_ms - (back - caller_end) * 1000))
    return [error * 1000 for error in edges], recoveries


def _interruptions(
    caller: np.ndarray, agent: np.ndarray, rate: int
) -> list[tuple[float, float | None]]:
    timing = analyze(StereoRecording(rate, caller, agent))
    return [(found.start_s, found.recovery_ms) for found in timing.interruptions]


def _figure(name: str, edges: list[float], recoveries: list[float], wrong: str) -> dict:
    errors = edges + recoveries
    p50, p95 = np.percentile(errors, [50, 95])
    return {
        "set": name,
        "edges": len(edges),
        "recoveries": len(recoveries),
        "p50_ms": round(float(p50), 1),
        "p95_ms": round(float(p95), 1),
        "max_ms": round(float(max(errors)), 1),
        "edge_p95_ms": round(float(np.percentile(edges, 95)), 1),
        "recovery_p95_ms": round(float(np.percentile(recoveries, 95)), 1),
        "recovery_max_ms": round(float(max(recoveries)), 1),
        "wrong": wrong,
    }


def accuracy(as_json: bool) -> None:
    edges, recoveries = _synthetic_errors()
    figures = [
        _figure("synthetic (speech-like + TTS, 3 rates, clean + 30 dB)", edges, recoveries, "0")
    ]
    for noise in (35.0, 30.0):
        for name, held_out, calls, noises in REAL_SETS:
            found = real_set_errors(
                speech_segments, _interruptions, calls, noise, held_out=held_out, noises=noises
            )
            wrong = f"{found.wrong_segments} segments, {found.missed_recoveries} recoveries"
            recoveries = found.recoveries_ms + found.paused_recoveries_ms
            name = f"real speech, {name}, {noise:.0f} dB under the speech"
            figures.append(_figure(name, found.edges_ms, recoveries, wrong))
    for figure in figures:
        if as_json:
            print(json.dumps(figure))
        else:
            print(
                f"{figure['set']}: {figure['edges']} edges + {figure['recoveries']} recoveries, "
                f"error p50 {figure['p50_ms']} ms, p95 {figure['p95_ms']} ms, "
                f"max {figure['max_ms']} ms (edges alone: p95 {figure['edge_p95_ms']} ms; "
                f"recoveries alone: p95 {figure['recovery_p95_ms']} ms, "
                f"max {figure['recovery_max_ms']} ms); missed or extra: {figure['wrong']}"
            )


def _write_call(path: Path, rate: int, minutes: float) -> float:
    caller_parts, agent_parts, seconds, seed = [], [], 0.0, 0
    while seconds < minutes * 60:
        caller, agent, _ = build_call(rate, seed, noise_db_below=30.0, tts=False)
        caller_parts.append(caller)
        agent_parts.append(agent)
        seconds += len(caller) / rate
        seed += 1
    stereo = np.stack([np.concatenate(caller_parts), np.concatenate(agent_parts)], axis=1)
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(2)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes((np.clip(stereo, -1, 1) * 32767).astype("<i2").tobytes())
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--rates", type=int, nargs="+", default=[16_000, 48_000])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--skip-speed", action="store_true", help="accuracy tables only")
    args = parser.parse_args()
    accuracy(args.json)
    if args.skip_speed:
        return
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    print(
        f"probes benchmark on {platform.machine()}, one core, Python {platform.python_version()}",
        file=sys.stderr,
    )
    with tempfile.TemporaryDirectory() as scratch:
        for rate in args.rates:
            path = Path(scratch) / f"call-{rate}.wav"
            audio_s = _write_call(path, rate, args.minutes)
            timings = []
            for _ in range(args.repeats):
                started = time.perf_counter()
                analyze_recording(path)
                timings.append(time.perf_counter() - started)
            best, median = min(timings), float(np.median(timings))
            figure = {
                "sample_rate": rate,
                "audio_s": round(audio_s, 1),
                "median_s": round(median, 4),
                "x_real_time": round(audio_s / median),
            }
            if args.json:
                print(json.dumps(figure))
            else:
                print(
                    f"{rate} Hz: {audio_s:.0f} s of stereo audio analysed in "
                    f"{median * 1000:.0f} ms "
                    f"(median of {args.repeats}, best {best * 1000:.0f} ms): "
                    f"{figure['x_real_time']}x real time"
                )


if __name__ == "__main__":
    main()
