"""Turn records from the audio and stable ids, on synthetic event logs: lines keep their own
spans after a backchannel, a slow transcript lands on the audio it transcribed, and a remote
agent's turns are what the caller heard."""

from __future__ import annotations

from typing import Any

from crosstalk_harness.runner.transcript import build_turns
from crosstalk_harness.transport import SpeechSpan

WALL = 1_000.0


def _said(t: float, side: str, item_id: str, text: str) -> dict[str, Any]:
    item = {"id": item_id, "role": "assistant", "content": [text], "interrupted": False}
    return {"t": t, "side": side, "type": "conversation_item_added", "data": {"item": item}}


def _done(t: float, side: str, speech_id: str, *items: str) -> dict[str, Any]:
    data = {"speech_id": speech_id, "item_ids": list(items), "interrupted": False}
    return {"t": t, "side": side, "type": "speech_done", "data": data}


def _heard(t: float, side: str, text: str) -> dict[str, Any]:
    data = {"transcript": text, "is_final": True}
    return {"t": t, "side": side, "type": "user_input_transcribed", "data": data}


def _voice(t: float, side: str, state: str) -> dict[str, Any]:
    return {"t": t, "side": side, "type": "user_state_changed", "data": {"new_state": state}}


def _started() -> dict[str, Any]:
    return {
        "t": 0.0,
        "side": "harness",
        "type": "call_started",
        "data": {"wall_clock_at_zero": WALL},
    }


def test_lines_after_a_backchannel_keep_their_own_audio_and_transcripts():
    # the agent talks 0.5-9 s; the caller says "okay" at 3 s over it, then its question at 10 s
    spans = {
        "agent": [SpeechSpan(0.5, 9.0, False, "a1"), SpeechSpan(13.0, 15.0, False, "a2")],
        "caller": [SpeechSpan(3.0, 3.6, False, "c1"), SpeechSpan(10.0, 12.0, False, "c2")],
    }
    records = [
        _started(),
        {
            "t": 3.0,
            "side": "caller",
            "type": "caller_backchannel",
            "data": {"phrase": "okay", "speech_id": "c1"},
        },
        _voice(3.1, "agent", "speaking"),
        _done(3.6, "caller", "c1"),
        _voice(4.1, "agent", "listening"),
        _said(9.0, "agent", "i1", "Welcome to the shop."),
        _done(9.0, "agent", "a1", "i1"),
        _heard(9.2, "agent", "Okay."),  # the agent's recogniser was slow on the backchannel
        _voice(10.1, "agent", "speaking"),
        _voice(12.5, "agent", "listening"),
        _said(12.0, "caller", "i2", "What are your opening hours?"),
        _done(12.0, "caller", "c2", "i2"),
        _voice(13.1, "caller", "speaking"),
        _heard(13.4, "agent", "What are your opening hours?"),
        _said(15.0, "agent", "i3", "Nine to five."),
        _done(15.0, "agent", "a2", "i3"),
        _voice(15.5, "caller", "listening"),
        _heard(16.0, "caller", "Nine to five."),
    ]
    turns = build_turns(records, spans)
    assert [(t.speaker, t.text, t.start_s, t.backchannel) for t in turns] == [
        ("agent", "Welcome to the shop.", 0.5, False),
        ("caller", "okay", 3.0, True),
        ("caller", "What are your opening hours?", 10.0, False),
        ("agent", "Nine to five.", 13.0, False),
    ]
    assert [t.heard_as for t in turns] == [
        None,
        "Okay.",
        "What are your opening hours?",
        "Nine to five.",
    ]


def test_a_transcript_logged_after_the_next_line_began_stays_with_its_own_audio():
    spans = {
        "agent": [],
        "caller": [SpeechSpan(1.0, 2.0, False, "c1"), SpeechSpan(2.5, 4.0, False, "c2")],
    }
    records = [
        _started(),
        _voice(1.1, "agent", "speaking"),
        _voice(2.3, "agent", "listening"),
        _said(2.0, "caller", "i1", "First line."),
        _done(2.0, "caller", "c1", "i1"),
        _voice(2.6, "agent", "speaking"),
        _heard(3.0, "agent", "First line."),  # logged while the second line plays
        _said(4.0, "caller", "i2", "Second line."),
        _done(4.0, "caller", "c2", "i2"),
        _voice(4.3, "agent", "listening"),
        _heard(5.0, "agent", "Second line."),
    ]
    turns = build_turns(records, spans)
    assert [(t.text, t.heard_as) for t in turns] == [
        ("First line.", "First line."),
        ("Second line.", "Second line."),
    ]


def test_a_line_the_listener_never_transcribed_has_no_heard_as():
    spans = {"agent": [SpeechSpan(0.5, 2.0, False, "a1")], "caller": []}
    records = [
        _started(),
        _said(2.0, "agent", "i1", "Your refund is approved."),
        _done(2.0, "agent", "a1", "i1"),
    ]
    [turn] = build_turns(records, spans)
    assert turn.start_s == 0.5 and turn.heard_as is None


def test_a_remote_agents_turns_are_what_the_caller_heard():
    heard = {
        "id": "u1",
        "role": "user",
        "content": ["Hello, how can I help?"],
        "metrics": {"started_speaking_at": WALL + 0.4, "stopped_speaking_at": WALL + 1.9},
    }
    records = [
        _started(),
        {"t": 2.6, "side": "caller", "type": "conversation_item_added", "data": {"item": heard}},
        _said(4.0, "caller", "i1", "Where is my order?"),
        _done(4.0, "caller", "c1", "i1"),
    ]
    spans = {"caller": [SpeechSpan(3.0, 4.0, False, "c1")], "agent": []}
    turns = build_turns(records, spans, agent_is_remote=True)
    assert [(t.speaker, t.text, t.start_s, t.end_s) for t in turns] == [
        ("agent", "Hello, how can I help?", 0.4, 1.9),
        ("caller", "Where is my order?", 3.0, 4.0),
    ]
