"""The agent's own metrics read from events.jsonl: a realtime model's per-response report."""

from __future__ import annotations

import json

from crosstalk_harness.probes.agent_metrics import agent_view, model_usage
from crosstalk_harness.probes.timing import Response

_WALL = 1_000_000.0  # wall clock at session time 0


def _realtime_metrics(request_id: str, ttft: float, tokens: tuple[int, int]) -> dict:
    return {
        "type": "realtime_model_metrics",
        "request_id": request_id,
        "ttft": ttft,
        "cancelled": False,
        "input_tokens": tokens[0],
        "output_tokens": tokens[1],
        "input_token_details": {"text_tokens": tokens[0], "audio_tokens": 0, "cached_tokens": 0},
        "output_token_details": {"text_tokens": 10, "audio_tokens": tokens[1] - 10},
        "metadata": {"model_name": "gpt-realtime"},
    }


def _write(path, events):
    path.write_text("".join(json.dumps({"side": "agent", **e}) + "\n" for e in events))


def test_a_realtime_reply_gets_its_responses_ttft_and_tokens(tmp_path):
    events = tmp_path / "events.jsonl"
    _write(
        events,
        [
            # the connection's own report has no response id: not a response
            {"t": 0.1, "type": "metrics_collected",
             "data": {"metrics": {**_realtime_metrics("", -1, (0, 0))}, "created_at": _WALL + 0.1}},
            {"t": 3.0, "type": "metrics_collected",
             "data": {"metrics": _realtime_metrics("resp_1", 0.4, (100, 60)),
                      "created_at": _WALL + 3.0}},
            {"t": 5.0, "type": "conversation_item_added",
             "data": {"item": {"role": "assistant", "metrics": {
                 "provider_request_ids": ["resp_1"], "started_speaking_at": _WALL + 2.0}},
                 "created_at": _WALL + 5.0}},
        ],
    )  # fmt: skip
    [row] = agent_view(events, [Response(caller_end_s=1.2, agent_start_s=2.05, latency_ms=850.0)])
    assert (row["realtime_ttft_ms"], row["input_tokens"], row["output_tokens"]) == (400.0, 100, 60)
    usage = model_usage(events)
    assert usage is not None
    assert (usage["responses"], usage["input_tokens"], usage["ttft_p50_ms"]) == (1, 100, 400.0)
    # 100 text in at $4/M, 10 text out at $16/M, 50 audio out at $64/M
    assert usage["estimated_cost_usd"] == round((100 * 4 + 10 * 16 + 50 * 64) / 1e6, 6)


def test_a_pipeline_agent_has_no_model_usage(tmp_path):
    events = tmp_path / "events.jsonl"
    eou = {"type": "eou_metrics", "timestamp": _WALL + 1}
    _write(events, [{"t": 1.0, "type": "metrics_collected", "data": {"metrics": eou}}])
    assert model_usage(events) is None
