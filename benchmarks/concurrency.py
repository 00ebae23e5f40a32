"""How many calls one machine can pace at once: the harness's own timing under load.

Runs N simultaneous in-process sessions in one event loop (N = 1, 4, 8, 16, 32 by default), each
a real `InProcessTransport` (metronome-paced 20 ms frames both ways, stereo recording) between two
light sides: a scripted caller that plays pre-rendered lines and an agent that answers with
pre-rendered audio a fixed delay after it hears the caller stop. Both sides decide from the audio
they hear (`HeardSpeech`, as the real callers do). The recordings are then measured by the same
probes as every run, so the measured time-to-first-audio can be compared with the one the agent
was built to have. Prints per N: frame-pacing lateness p50/p99, event-loop lag p99, TTFA error
p50/p95 against the fixed delay, and CPU use. Target on a 2-core machine: at N = 32, pacing
p99 <= 5 ms and TTFA error p95 <= 20 ms.

    python benchmarks/concurrency.py [--sessions 1 4 8 16 32] [--exchanges 4] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import tempfile
import time
from pathlib import Path

import numpy as np
from crosstalk_harness.backends.offline.espeak import EspeakEngine, EspeakVoice
from crosstalk_harness.backends.offline.synthesis import resample_utterance
from crosstalk_harness.callers.hearing import HeardSpeech
from crosstalk_harness.probes import analyze_recording
from crosstalk_harness.runner.warmup import warm_up
from crosstalk_harness.transport import FRAME_S, InProcessTransport, LinkOptions
from livekit import rtc

RATE = 16_000
FRAME = int(RATE * FRAME_S)
REPLY_DELAY_S = 0.5  # the agent starts answering this long after it hears the caller stop
CALLER_GAP_S = 0.6  # and the caller this long after the agent stops
CALLER_LINES = (
    "Hi, I am calling about my order.",
    "The order number is four two seven nine one.",
    "Can I change the delivery address?",
    "Thank you, that is all.",
)
AGENT_LINE = "Thanks, let me look into that for you right away."


def _render(text: str, voice: EspeakVoice) -> bytes:
    """Speech trimmed to its first and last loud sample, padded to whole frames."""
    engine = EspeakEngine.shared()
    pcm = resample_utterance(engine.synthesize(text, voice), engine.sample_rate, RATE)
    samples = np.frombuffer(pcm, dtype=np.int16)
    loud = np.flatnonzero(np.abs(samples) > 300)
    samples = samples[loud[0] : loud[-1] + 1]
    padding = (-len(samples)) % FRAME
    return np.concatenate([samples, np.zeros(padding, np.int16)]).tobytes()


async def _play(output, pcm: bytes) -> None:
    for start in range(0, len(pcm), FRAME * 2):
        chunk = pcm[start : start + FRAME * 2]
        await output.capture_frame(rtc.AudioFrame(chunk, RATE, 1, len(chunk) // 2))
    output.flush()


class _Side:
    """Answers `lines` in turn, `delay_s` after the other side stops (heard), from its own ears."""

    def __init__(self, transport, role: str, lines: list[bytes], delay_s: float, opens: bool):
        self.end = transport.end_for(role)
        self.hearing = HeardSpeech()
        self.end.audio_input.listeners.append(self.hearing.on_frame)
        self.hearing.on_end.append(self._other_stopped)
        self.lines, self.delay_s, self.opens = lines, delay_s, opens
        self.clock = transport.clock
        self.done = asyncio.Event()
        self.tasks: set[asyncio.Task] = set()
        self.said = 0

    def _other_stopped(self, ended_s: float) -> None:
        if self.said >= len(self.lines):
            self.done.set()
            return
        task = asyncio.get_running_loop().create_task(self._say_after(ended_s + self.delay_s))
        self.tasks.add(task)

    async def _say_after(self, at_s: float) -> None:
        # hand the audio over just before the tick it belongs to, as a real agent would
        await asyncio.sleep(max(0.0, at_s - self.clock.now() - FRAME_S / 2))
        line = self.lines[self.said]
        self.said += 1
        await _play(self.end.audio_output, line)

    async def start(self) -> None:
        if self.opens:
            self.said = 1
            await _play(self.end.audio_output, self.lines[0])


async def _session(out: Path, caller_lines: list[bytes], agent_line: bytes, exchanges: int):
    transport = InProcessTransport(LinkOptions(RATE, 0.0))
    caller = _Side(transport, "caller", caller_lines[:exchanges], CALLER_GAP_S, opens=True)
    _Side(transport, "agent", [agent_line] * exchanges, REPLY_DELAY_S, opens=False)  # listens
    await transport.start(out / "call.wav")
    await caller.start()
    await asyncio.wait_for(caller.done.wait(), timeout=120)
    await transport.stop()
    return transport


async def _lag_monitor(samples: list[float], stop: asyncio.Event) -> None:
    while not stop.is_set():
        started = time.monotonic()
        await asyncio.sleep(0.01)
        samples.append(time.monotonic() - started - 0.01)


async def _measure(sessions: int, exchanges: int, caller_lines, agent_line, folder: Path):
    await warm_up([])  # the runner's process tuning: frozen GC, short GIL switch, priority
    lag: list[float] = []
    stop = asyncio.Event()
    monitor = asyncio.create_task(_lag_monitor(lag, stop))
    cpu_started, wall_started = time.process_time(), time.monotonic()
    outs = [folder / f"n{sessions}-{index:02d}" for index in range(sessions)]
    for out in outs:
        out.mkdir(parents=True)
    transports = await asyncio.gather(
        *(_session(out, caller_lines, agent_line, exchanges) for out in outs)
    )
    cpu = (time.process_time() - cpu_started) / (time.monotonic() - wall_started)
    stop.set()
    await monitor
    pacing = np.array([x for t in transports for x in t.pacing.lateness_s]) * 1000
    errors = []
    for out in outs:
        for response in analyze_recording(out / "call.wav").responses:
            errors.append(response.latency_ms - REPLY_DELAY_S * 1000)
    errors_abs = np.abs(np.array(errors))
    signed = np.array(errors)
    return {
        "sessions": sessions,
        "responses": len(errors),
        "pacing_p50_ms": round(float(np.percentile(pacing, 50)), 2),
        "pacing_p99_ms": round(float(np.percentile(pacing, 99)), 2),
        "loop_lag_p99_ms": round(float(np.percentile(np.array(lag) * 1000, 99)), 2),
        "ttfa_error_median_ms": round(float(np.median(signed)), 1),
        "ttfa_error_p95_ms": round(float(np.percentile(errors_abs, 95)), 1),
        "wall_s": round(time.monotonic() - wall_started, 1),
        "cpu_percent_of_one_core": round(cpu * 100, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, nargs="+", default=[1, 4, 8, 16, 32])
    parser.add_argument("--exchanges", type=int, default=4, choices=range(1, 5))
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    caller_voice, agent_voice = EspeakVoice("en-us", 170, 40), EspeakVoice("en-gb-x-rp", 175, 45)
    caller_lines = [_render(line, caller_voice) for line in CALLER_LINES]
    agent_line = _render(AGENT_LINE, agent_voice)
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for sessions in args.sessions:
            rows.append(
                asyncio.run(
                    _measure(sessions, args.exchanges, caller_lines, agent_line, Path(folder))
                )
            )
            if not args.json:
                print(rows[-1], flush=True)
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    if args.json:
        print(json.dumps({"machine": machine, "rows": rows}, indent=2))
        return
    print(f"\nmachine: {machine}")
    print(
        "| N | responses | pacing p50 / p99 ms | loop lag p99 ms "
        "| TTFA error median / p95 of abs, ms | CPU % of a core |\n|---|---|---|---|---|---|"
    )
    for r in rows:
        print(
            f"| {r['sessions']} | {r['responses']} | {r['pacing_p50_ms']} / {r['pacing_p99_ms']} "
            f"| {r['loop_lag_p99_ms']} | {r['ttfa_error_median_ms']} / {r['ttfa_error_p95_ms']} "
            f"| {r['cpu_percent_of_one_core']} |"
        )


if __name__ == "__main__":
    main()
