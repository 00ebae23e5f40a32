"""The reference agent's behaviours end to end, offline, through the live audio link.

All `scenarios/agent_*.yaml` calls are placed in one `crosstalk run` (one after another, about
five minutes of audio); each test reads one session's run directory: what the caller heard
(transcript.json's `heard_as`, call.wav channel 1) and what the agent recorded itself
(agent_events.jsonl, agent.sqlite).
"""

from __future__ import annotations

import json
import re
import sqlite3
import wave
from pathlib import Path

import numpy as np
import pytest
from crosstalk_harness.backends.offline.whisper import transcribe

from .conftest import REPO, run_crosstalk

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

SCENARIOS = (
    "agent_thinker_filler",
    "agent_retrieval",
    "agent_slow_thinker",
    "agent_wrap_up",
    "agent_stall",
    "agent_guardrail_redirect",
    "agent_guardrail_end",
    "agent_pii",
)


@pytest.fixture(scope="module")
def calls(tmp_path_factory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("agent_calls")
    paths = [str(REPO / "scenarios" / f"{name}.yaml") for name in SCENARIOS]
    result = run_crosstalk("run", *paths, "--out", str(out), "--json")
    assert result.exit_code in (0, 1), result.stderr  # a broken budget is fine; a crash is not
    sessions = result.json()["sessions"]
    return {re.sub(r"^\d+-", "", Path(s["directory"]).name): Path(s["directory"]) for s in sessions}


def _turns(session_dir: Path) -> list[dict]:
    return json.loads((session_dir / "transcript.json").read_text())["turns"]


def _agent_events(session_dir: Path, kind: str | None = None) -> list[dict]:
    lines = (session_dir / "agent_events.jsonl").read_text().splitlines()
    events = [json.loads(line) for line in lines]
    return [e for e in events if kind is None or e["type"] == kind]


def _events(session_dir: Path) -> list[dict]:
    lines = (session_dir / "events.jsonl").read_text().splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def _heard(turn: dict) -> str:
    return (turn["heard_as"] or "").lower()


def _turns_between(turns: list[dict], start_s: float, end_s: float) -> list[dict]:
    return [t for t in turns if t["start_s"] is not None and start_s <= t["start_s"] < end_s]


def _agent_audio_as_heard(session_dir: Path) -> str:
    """Channel 1 of call.wav (the agent as the caller heard it), transcribed from scratch."""
    with wave.open(str(session_dir / "call.wav")) as wav:
        assert wav.getframerate() == 16_000
        stereo = np.frombuffer(wav.readframes(wav.getnframes()), dtype=np.int16).reshape(-1, 2)
    return transcribe(stereo[:, 1].astype(np.float32) / 32768.0).lower()


def test_a_thinker_result_is_spoken_after_a_filler_while_the_caller_waits(calls):
    session = calls["agent_thinker_filler"]
    [filler] = _agent_events(session, "filler")
    [result] = _agent_events(session, "thinker_result")
    assert result["data"]["after_filler"] is True
    assert result["data"]["latency_ms"] >= 1500  # the configured thinker latency
    [lookup] = _agent_events(session, "tool_call")
    assert lookup["data"]["name"] == "lookup_order"
    assert lookup["data"]["arguments"] == {"order_id": "42791"}
    turns = _turns(session)
    filler_turn = next(t for t in turns if t["text"] == "Let me check that for you.")
    answer = next(t for t in turns if t["speaker"] == "agent" and "4 2 7 9 1" in t["text"])
    assert answer["text"].startswith("Thanks for waiting.")
    assert filler_turn["end_s"] <= answer["start_s"]
    assert not [
        t
        for t in _turns_between(turns, filler_turn["start_s"], answer["start_s"])
        if t["speaker"] == "caller"
    ]  # the caller waited
    # it waited for the answer (hold_s 8), then answered it at once: a hold, if the filler was
    # heard on its own, ended when the agent came back, not after 8 s
    held = [e["data"] for e in _events(session) if e["type"] == "caller_held"]
    assert all(not h["completed"] and h["until_s"] < h["from_s"] + 8 for h in held), held
    reply = next(t for t in turns if t["speaker"] == "caller" and t["start_s"] > answer["start_s"])
    assert reply["start_s"] - answer["end_s"] < 4
    assert "friday" in _heard(answer)  # the result reached the caller through the audio


def test_a_question_is_answered_by_retrieval_from_the_knowledge_base(calls):
    session = calls["agent_retrieval"]
    [search] = _agent_events(session, "tool_call")
    assert search["data"]["name"] == "search_knowledge"
    assert search["data"]["result"]["hits"][0]["document"] == "returns.md"
    [result] = _agent_events(session, "thinker_result")
    assert result["data"]["sources"] == ["returns.md"]
    answer = next(t for t in _turns(session) if "fourteen days" in t["text"])
    assert answer["speaker"] == "agent"
    assert re.search(r"(14|fourteen) days", _heard(answer))


def test_a_slow_thinker_keeps_the_caller_engaged_until_the_answer(calls):
    session = calls["agent_slow_thinker"]
    [started] = _agent_events(session, "thinker_started")
    [result] = _agent_events(session, "thinker_result")
    assert result["data"]["latency_ms"] >= 3000
    holding = [
        e for e in _agent_events(session, "guidance") if e["data"]["policy"] == "keep_engaged"
    ]
    assert holding and started["t"] < holding[0]["t"] < result["t"]
    turns = _turns(session)
    question = next(t for t in turns if t["speaker"] == "caller")
    answer = next(t for t in turns if t["speaker"] == "agent" and "4 2 7 9 1" in t["text"])
    meanwhile = _turns_between(turns, question["end_s"], answer["start_s"])
    assert [t["text"] for t in meanwhile][:2] == [
        "One moment please.",
        holding[0]["data"]["say"],
    ]  # the filler, then a holding line, and no caller turn in between
    assert all(t["speaker"] == "agent" for t in meanwhile)


def test_wrap_up_guidance_after_the_turn_limit(calls):
    session = calls["agent_wrap_up"]
    [guidance] = [e for e in _agent_events(session, "guidance") if e["data"]["policy"] == "wrap_up"]
    turns_before = [e for e in _agent_events(session, "user_turn") if e["t"] <= guidance["t"]]
    assert len(turns_before) == 2  # after_caller_turns: 2
    states = [(e["data"]["from"], e["data"]["to"]) for e in _agent_events(session, "state")]
    assert ("resolve", "wrap_up") in states or ("identify", "wrap_up") in states
    wrap = next(t for t in _turns(session) if "Before we wrap up" in t["text"])
    assert "highlands" in wrap["text"].lower()  # folded into the answer to the second question
    assert "wrap up" in _heard(wrap)


def test_a_clarifying_question_after_the_caller_stalls(calls):
    session = calls["agent_stall"]
    [guidance] = [
        e for e in _agent_events(session, "guidance") if e["data"]["policy"] == "clarify_on_stall"
    ]
    turns = _turns(session)
    greeting = turns[0]
    clarifying = next(t for t in turns if t["text"] == guidance["data"]["say"])
    first_caller = next(t for t in turns if t["speaker"] == "caller")
    assert clarifying["start_s"] - greeting["end_s"] >= 3.0  # the configured stall
    assert greeting["end_s"] < clarifying["start_s"] < first_caller["start_s"]
    # as the caller heard it (Whisper tiny sometimes hears "a return" as "every turn")
    assert "order" in _heard(clarifying) and "something else" in _heard(clarifying)
    caller_state = json.loads((session / "caller_state.json").read_text())
    assert caller_state["stalls"][0]["stall_s"] == 8  # the persona's stall, as the caller kept it


def test_a_guardrail_redirect_keeps_the_forbidden_sentence_off_the_line(calls):
    session = calls["agent_guardrail_redirect"]
    [guardrail] = _agent_events(session, "guardrail")
    assert guardrail["data"]["action"] == "redirect"
    assert guardrail["data"]["rule"] == "other_customer_data"
    assert "8 Elm Road" in guardrail["data"]["blocked_text"]
    assert guardrail["data"]["frames_released"] == 0
    turns = _turns(session)
    for turn in turns:
        assert "elm" not in turn["text"].lower() and "elm" not in _heard(turn)
    redirect = next(t for t in turns if "your own account" in t["text"])
    assert "own account" in _heard(redirect)
    on_the_line = _agent_audio_as_heard(session)
    assert "own account" in on_the_line and "elm" not in on_the_line
    holds = [e["data"] for e in _agent_events(session, "guardrail_hold")]
    # the pipeline checks each sentence before TTS: blocked with nothing held back
    assert holds and all(hold["buffer_ms"] == 0 for hold in holds)


def test_a_guardrail_ends_the_session_on_internal_information(calls):
    session = calls["agent_guardrail_end"]
    [guardrail] = _agent_events(session, "guardrail")
    assert guardrail["data"]["action"] == "end"
    assert guardrail["data"]["rule"] == "internal_information"
    turns = _turns(session)
    for turn in turns:
        assert "staff" not in turn["text"].lower() or turn["speaker"] == "caller"
        assert "forty" not in _heard(turn) and "40" not in _heard(turn)
    last_agent = [t for t in turns if t["speaker"] == "agent"][-1]
    assert "ending this call" in last_agent["text"]
    harness_events = [json.loads(line) for line in (session / "events.jsonl").open()]
    assert any(e["side"] == "agent" and e["type"] == "close" for e in harness_events)
    record = _session_record(session)
    assert record["outcome"] == "ended_by_agent" and record["state"] == "end"
    assert json.loads((session / "session.json").read_text())["status"] == "completed"


def _session_record(session_dir: Path) -> dict:
    db = sqlite3.connect(session_dir / "agent.sqlite")
    db.row_factory = sqlite3.Row
    return dict(db.execute("SELECT * FROM sessions").fetchone())


def test_pii_is_redacted_in_storage_but_the_call_is_unaffected(calls):
    session = calls["agent_pii"]
    turns = _turns(session)
    heard_by_agent = " ".join(
        t["heard_as"] or "" for t in turns if t["speaker"] == "caller"
    )  # the agent's own speech-to-text of the caller, unredacted: the call as it happened
    numbers = (re.sub(r"\D", "", m) for m in re.findall(r"\d[\d\s.,()-]{5,}\d", heard_by_agent))
    digit_runs = [number for number in numbers if len(number) >= 7]
    assert digit_runs, heard_by_agent
    assert "gmail" in heard_by_agent.lower()
    [lookup] = [
        e for e in _agent_events(session, "tool_call") if e["data"]["name"] == "lookup_customer"
    ]
    assert lookup["data"]["arguments"] == {"phone": "[phone]"}  # the call used it; storage did not
    assert any("account" in t["text"] for t in turns if t["speaker"] == "agent")
    stored_jsonl = (session / "agent_events.jsonl").read_text()
    db = sqlite3.connect(session / "agent.sqlite")
    stored_rows = " ".join(row[0] for row in db.execute("SELECT data FROM events"))
    stored_session = " ".join(str(v) for v in _session_record(session).values())
    for stored in (stored_jsonl, stored_rows, stored_session):
        assert "[phone]" in stored and "[email]" in stored
        assert "gmail" not in stored.lower()
        for run in digit_runs:
            assert run not in re.sub(r"[\s-]", "", stored)


def test_the_sqlite_session_record_is_kept_up_to_date(calls):
    session = calls["agent_thinker_filler"]
    record = _session_record(session)
    assert record["state"] == "end" and record["outcome"] == "completed"
    assert record["customer_id"] == "C001" and record["order_id"] == "42791"
    assert record["caller_turns"] >= 1 and record["agent_turns"] >= 3
    assert record["tool_calls"] == 1 and record["ended_at"] >= record["started_at"]
    transcript = json.loads(record["transcript"])
    assert transcript[0] == {"role": "agent", "text": _turns(session)[0]["text"]}
    metrics = json.loads(record["metrics"])
    assert metrics["handler_errors"] == 0 and metrics["event_handling_p99_ms"] is not None
    db = sqlite3.connect(session / "agent.sqlite")
    stored_types = {row[0] for row in db.execute("SELECT DISTINCT type FROM events")}
    jsonl_types = {e["type"] for e in _agent_events(session)}
    assert stored_types == jsonl_types >= {"tool_call", "thinker_result", "state", "guardrail_hold"}
    count = db.execute("SELECT COUNT(*) FROM events").fetchone()[0]
    assert count == len(_agent_events(session))
