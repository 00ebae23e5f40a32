"""The agent controller's per-event handling overhead. Target: p99 <= 1 ms per event.

Builds the reference agent's real runtime (every handler registered, storage to a temporary
session directory, the policy ticker and the store flusher running) and replays a call's worth
of session events through `Controller.emit`, in the proportions a real call produces them
(mostly metrics and state changes, some transcripts, tool calls and guardrail holds). The
figure is the time `emit` takes per event: stamping, queueing for storage and every handler.
Writing to disk happens on the store's own thread and is not counted.

    python benchmarks/controller.py [--events 20000] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import tempfile
from pathlib import Path

from crosstalk_agent import build_runtime, load_config

_METRICS = {"type": "llm_metrics", "ttft": 0.0015, "duration": 0.0026, "speech_id": "speech_x"}
_CALL = (
    ("agent_state_changed", {"old_state": "listening", "new_state": "thinking"}),
    ("metrics", _METRICS),
    ("agent_state_changed", {"old_state": "thinking", "new_state": "speaking"}),
    ("guardrail_hold", {"added_ms": 300.4, "buffer_ms": 300.0, "checks_wait_ms": 0.01}),
    ("metrics", {"type": "vad_metrics", "idle_time": 1.0, "inference_count": 32}),
    ("user_state_changed", {"old_state": "listening", "new_state": "speaking"}),
    ("transcript", {"role": "caller", "text": "my number is 07700 900123, order 42791"}),
    ("user_state_changed", {"old_state": "speaking", "new_state": "listening"}),
    ("tool_call", {"name": "lookup_order", "arguments": {"order_id": "42791"}, "result": {}}),
    ("conversation_item_added", {"role": "assistant", "text": "Order 4 2 7 9 1 shipped."}),
    ("agent_state_changed", {"old_state": "speaking", "new_state": "listening"}),
    ("metrics", _METRICS),
)


class _SilentSpeaker:
    def speak(self, instruction: str, on_done: object = None) -> None: ...
    async def inject(self, kind: str, text: str) -> None: ...
    def say_and_end(self, text: str) -> None: ...


async def measure(events: int) -> dict[str, float | int]:
    with tempfile.TemporaryDirectory() as folder:
        loop = asyncio.get_running_loop()
        runtime = build_runtime(load_config({}), session_dir=Path(folder), clock=loop.time)
        runtime.start(_SilentSpeaker())
        controller = runtime.controller
        controller.handling_s.clear()
        for index in range(events):
            event_type, data = _CALL[index % len(_CALL)]
            controller.emit(event_type, data)
            if index % 50 == 0:
                await asyncio.sleep(0)  # let the flusher and the ticker run, as in a call
        samples = sorted(s * 1000 for s in controller.handling_s)
        await runtime.close()
        stored = controller.store.events_written
    return {
        "events": len(samples),
        "stored": stored,
        "p50_ms": round(statistics.median(samples), 4),
        "p99_ms": round(samples[int(0.99 * len(samples))], 4),
        "max_ms": round(samples[-1], 3),
        "mean_ms": round(statistics.fmean(samples), 4),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    args = parser.parse_args()
    result = asyncio.run(measure(args.events))
    result |= {"machine": f"{platform.machine()}, {os.cpu_count()} cores", "target_p99_ms": 1.0}
    if args.json:
        print(json.dumps(result))
    else:
        print(
            f"controller: {result['events']} events, per-event handling "
            f"p50 {result['p50_ms']} ms, p99 {result['p99_ms']} ms, max {result['max_ms']} ms "
            f"(target p99 <= 1 ms) on {result['machine']}"
        )
    return 0 if result["p99_ms"] <= 1.0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
