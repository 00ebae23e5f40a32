"""The report reads in words: agent metrics summarised per model, mishearings shown beside what
was said (in the page and on the console), trends labelled by date and scenario, no jargon keys."""

from __future__ import annotations

import io
import json

from crosstalk_harness.judging.wer import misheard_turns
from crosstalk_harness.reports.agent_events import agent_events_view
from crosstalk_harness.reports.charts import run_date, trend_title
from crosstalk_harness.reports.outputs import write_run_outputs
from crosstalk_harness.runner.progress import Progress, heard_beside_said
from crosstalk_harness.runner.session_result import SessionResult
from crosstalk_harness.testing.run_dirs import FakeSession, write_run

VAD = {
    "type": "vad_metrics",
    "label": "livekit.plugins.silero.vad.VAD",
    "inference_count": 32,
    "inference_duration_total": 0.1,
    "idle_time": 2.0,
    "metadata": {"model_name": "silero"},
}
TTS = {
    "type": "tts_metrics",
    "label": "x.EspeakTTS",
    "ttfb": 0.03,
    "audio_duration": 1.5,
    "duration": 0.04,
}
ADDRESS_TURNS = [
    {
        "speaker": "agent",
        "text": "What is the new address?",
        "heard_as": "What is the new address?",
    },
    {"speaker": "caller", "text": "It is 22 Oak Avenue.", "heard_as": "It is 22 now, Kevin."},
]


def test_agent_metrics_are_one_line_per_model_and_the_rest_listed():
    events = [{"t": i / 10, "type": "metrics", "data": VAD} for i in range(160)]
    events += [{"t": 1.0, "type": "metrics", "data": TTS}] * 2
    events += [
        {"t": 2.0, "type": "tool_call", "data": {"name": "lookup_order"}},
        {"t": 2.1, "type": "agent_state_changed", "data": {"new_state": "speaking"}},
        {"t": 2.2, "type": "guardrail_hold", "data": {"added_ms": 300}},
    ]
    view = agent_events_view(events)
    assert [(m.kind, m.model, m.count) for m in view.metrics] == [
        ("tts", "EspeakTTS", 2),
        ("vad", "VAD", 160),
    ]
    vad = view.metrics[1].figures
    assert "inferences 5,120" in vad and "inference time 16.0 s" in vad
    assert "mean time to first byte 30 ms" in view.metrics[0].figures
    assert [e["type"] for e in view.listed] == ["tool_call", "guardrail_hold"]
    assert view.kinds == {"tool": 1, "guardrail": 1} and len(view.raw) == len(events)


def test_a_misheard_turn_is_found_and_a_contraction_is_not():
    turns = [*ADDRESS_TURNS, {"speaker": "caller", "text": "I am done", "heard_as": "I'm done."}]
    [misheard] = misheard_turns(turns)
    assert (misheard.turn, misheard.speaker, misheard.listener) == (2, "caller", "agent")
    assert misheard.heard == "It is 22 now, Kevin."


def test_console_prints_said_beside_heard_after_a_failure(tmp_path):
    (tmp_path / "transcript.json").write_text(json.dumps({"turns": ADDRESS_TURNS}))
    assert heard_beside_said(str(tmp_path)) == [
        "  turn 2: the caller said “It is 22 Oak Avenue.”; the agent heard “It is 22 now, Kevin.”"
    ]
    assert heard_beside_said(str(tmp_path / "missing")) == []
    stream = io.StringIO()
    progress = Progress(stream)
    progress.run_started("reports/x", 1)
    progress.session_started(1, "01-address")
    # no session.json beside the transcript: the session counts as failed (unreadable)
    progress.session_finished(SessionResult("01-address", str(tmp_path), "completed", 30.0))
    printed = stream.getvalue()
    assert "FAILED" in printed
    assert printed.count("the caller said “It is 22 Oak Avenue.”; the agent heard") == 1


def test_console_stamps_each_turn_with_when_its_audio_started():
    stream = io.StringIO()
    progress = Progress(stream)
    progress.run_started("reports/x", 1)
    progress.session_started(1, "01-demo")

    def said(side: str, t: float, text: str) -> None:
        item = {"role": "assistant", "content": [text]}
        progress.on_event(
            {"t": t, "side": side, "type": "conversation_item_added", "data": {"item": item}}
        )

    progress.on_event({"t": 0.2, "side": "agent", "type": "playback_started", "data": {}})
    said("agent", 4.1, "Thank you for calling.")
    progress.on_event({"t": 2.0, "side": "caller", "type": "playback_started", "data": {}})
    progress.on_event({"t": 5.0, "side": "caller", "type": "playback_started", "data": {}})
    said("caller", 7.5, "Hi, where is my order?")  # the 2.0 s playback was a backchannel
    lines = stream.getvalue().splitlines()
    assert lines[-2].split() == ["0.2s", "turn", "1", "agent:", "Thank", "you", "for", "calling."]
    assert lines[-1].split()[:4] == ["5.0s", "turn", "2", "caller:"]


def test_failure_card_shows_said_heard_and_reason_in_words(tmp_path):
    failing = FakeSession(scenario="address", failures=["the agent never said “22 Oak Avenue”"])
    run = write_run(tmp_path, [failing])
    transcript = next(run.glob("*-address")) / "transcript.json"
    transcript.write_text(json.dumps({"turns": ADDRESS_TURNS}))
    write_run_outputs(run)
    page = (run / "report.html").read_text()
    card = page[page.index('id="failures"') : page.index('id="speed"')]
    assert "the agent never said “22 Oak Avenue”" in card
    assert 'the caller said <q class="said">It is 22 Oak Avenue.</q>' in card
    assert 'the agent heard <q class="heard">It is 22 now, Kevin.</q>' in card


def test_trends_are_labelled_by_date_and_scenario():
    assert run_date({"run_id": "20261202-172126-3673"}) == "12-02 17:21"
    history = [{"sessions": [{"scenario": "demo"}]}, {"sessions": [{"scenario": "returns"}]}]
    assert trend_title(history) == "scenarios demo, returns"
    assert trend_title(history[:1]) == "scenario demo"


def test_caller_view_and_criteria_have_no_raw_values(tmp_path):
    session = FakeSession()
    run = write_run(tmp_path, [session])
    directory = next(run.glob("01-*"))
    (directory / "caller_state.json").write_text(
        json.dumps({"goal_achieved": False, "barge_ins": [], "reason": "gave up"})
    )
    write_run_outputs(run)
    page = (run / "report.html").read_text()
    assert "<dt>goal achieved</dt><dd>no</dd>" in page and "barge_ins" not in page
