"""The realtime path end to end, without a key: the real `livekit-plugins-openai` client against
the local stand-in of the Realtime API (harness/testing/fake_realtime.py) and a chat-completions
thinker.

Each test places one call through the `crosstalk` command with a recognisable fake key, and no
artifact of any run may contain it.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from crosstalk_harness.testing.fake_openai import ChatReply
from crosstalk_harness.testing.fake_realtime import FakeRealtime
from crosstalk_harness.testing.realtime_brain import Fault

from .conftest import FIXTURES, REPO, CliResult, run_crosstalk

pytestmark = pytest.mark.e2e

FAKE_KEY = "sk-crosstalk-fake-realtime-4e1d"
REALTIME = FIXTURES / "realtime"


def thinker(body: dict[str, Any]) -> ChatReply:
    """The back-office model: looks orders up, changes addresses, answers from the tool result."""
    last = body["messages"][-1]
    if last["role"] == "tool":
        data = json.loads(last["content"])
        if "new_address" in data:
            return ChatReply(f"Done, the delivery address is updated to {data['new_address']}.")
        note = next((v for v in data.values() if isinstance(v, str) and "arrive" in v), "")
        return ChatReply(f"Your order {data.get('id', '')} {note}.")
    text = last["content"]
    if re.search(r"street", text, re.I):
        arguments = {"order_id": "42791", "new_address": "12 Baker Street"}
        return ChatReply(tool_calls=[("change_address", arguments)])
    if number := re.search(r"\d[\d ,]{3,}\d", text):
        order_id = re.sub(r"\D", "", number.group(0))
        return ChatReply(tool_calls=[("lookup_order", {"order_id": order_id})])
    return ChatReply("Yes, you can change the delivery address. What is the new address?")


def place(fake: FakeRealtime, scenario: Path, out: Path, *args: str) -> tuple[CliResult, Path]:
    result = run_crosstalk(
        "run",
        str(scenario),
        "--out",
        str(out),
        *args,
        env={"OPENAI_API_KEY": FAKE_KEY, "OPENAI_BASE_URL": fake.base_url},
    )
    assert "Traceback" not in result.stderr, result.stderr
    [run_dir] = out.iterdir()
    for path in run_dir.rglob("*"):
        if path.is_file():
            assert FAKE_KEY.encode() not in path.read_bytes(), f"the key leaked into {path}"
    assert FAKE_KEY not in result.stdout + result.stderr
    [session_dir] = [p for p in run_dir.iterdir() if p.is_dir()]
    return result, session_dir


def _turns(session_dir: Path) -> list[dict]:
    return json.loads((session_dir / "transcript.json").read_text())["turns"]


def _events(session_dir: Path) -> list[dict]:
    lines = (session_dir / "events.jsonl").read_text().splitlines()
    return [json.loads(line) for line in lines if line.strip()]


@pytest.mark.slow
def test_the_demo_with_the_agent_on_openai_runs_the_thinker_and_speaks_its_result_once(tmp_path):
    with FakeRealtime(chat=thinker) as fake:
        result, session_dir = place(
            fake,
            REPO / "scenarios" / "demo_order_status.yaml",
            tmp_path,
            "--agent-backend",
            "openai",
            "--allow-inconclusive",  # its LLM rubric has no judge model here
        )
    assert result.exit_code == 0, result.stdout + result.stderr
    judgement = json.loads((session_dir / "judgement.json").read_text())
    checks = {v["judge"]: v["status"] for v in judgement["verdicts"] if v["kind"] == "check"}
    assert {"must_say", "tool_called", "goal_achieved"} <= set(checks), checks
    assert set(checks.values()) == {"passed"}, checks
    agent_said = [t["text"] for t in _turns(session_dir) if t["speaker"] == "agent"]
    assert sum("friday" in text.lower() for text in agent_said) == 1, agent_said
    # a reply cut short (the caller talked over it) is offered again; one that was heard, never
    agent_responses = [(r["status"], r["text"]) for r in fake.responses if r["side"] == "agent"]
    heard_whole = [text for status, text in agent_responses if status == "completed"]
    assert sum("Friday" in text for text in heard_whole) == 1, agent_responses
    probes = json.loads((session_dir / "probes.json").read_text())
    realtime = [row for row in probes["agent_view"] if row.get("realtime_ttft_ms") is not None]
    assert realtime and all(row["output_tokens"] > 0 for row in realtime)
    assert probes["summary"]["agent_model"]["responses"] >= len(agent_said)


@pytest.mark.slow
def test_a_barge_in_cancels_the_response_and_truncates_at_most_what_was_played(tmp_path):
    with FakeRealtime(chat=thinker, pace=1.0) as fake:
        result, session_dir = place(fake, REALTIME / "agent_barge_in.yaml", tmp_path)
    assert result.exit_code in (0, 1), result.stderr
    assert "response.cancel" in fake.client_event_types()
    truncates = [e for e in fake.client_events if e["type"] == "conversation.item.truncate"]
    assert truncates, fake.client_event_types()
    for truncate in truncates:
        assert truncate["audio_end_ms"] <= fake.audio_sent_ms[truncate["item_id"]]
    assert fake.truncations  # the stand-in accepted it (it refuses a cut beyond the audio)
    played = {
        e["data"]["playback_position"]
        for e in _events(session_dir)
        if e["side"] == "agent" and e["type"] == "playback_finished" and e["data"]["interrupted"]
    }
    assert played and max(t["audio_end_ms"] for t in truncates) <= max(played) * 1000 + 1
    assert any(t["speaker"] == "agent" and t.get("interrupted") for t in _turns(session_dir))


@pytest.mark.slow
@pytest.mark.parametrize("brain", ["scripted", "llm"])
def test_a_caller_on_openai_completes_its_call(tmp_path, brain):
    with FakeRealtime() as fake:
        result, session_dir = place(fake, REALTIME / f"{brain}_caller.yaml", tmp_path)
    assert result.exit_code == 0, result.stdout + result.stderr
    state = json.loads((session_dir / "caller_state.json").read_text())
    assert state["ended_by"] == "caller", state
    if brain == "scripted":
        assert state["lines_said"] == 3 and state["reason"] == "said the last line of the script"
    else:
        assert state["goal_achieved"] is True and fake.function_calls[0][0] == "end_call"
        persona = [  # the model was given the persona to play
            e["session"]["instructions"]
            for e in fake.client_events
            if e["type"] == "session.update" and "caller" in e["session"].get("instructions", "")
        ]
        assert persona and "Find out where order 42791 is." in persona[0]
    session = json.loads((session_dir / "session.json").read_text())
    assert session["result"]["outcome"] == "completed"
    lag = session["result"]["caller_lag"]  # the realtime caller's own turnaround is its lag
    assert lag["replies"] >= 1 and 0.2 <= lag["worst"]["thinking"] < 4.0, lag


@pytest.mark.slow
@pytest.mark.parametrize(
    ("kind", "logged"),
    [
        ("server_error", "response failed with error type: server_error"),
        ("drop_socket", "connection closed unexpectedly"),
    ],
)
def test_a_fault_mid_response_is_recovered_and_leaves_a_readable_run_directory(
    tmp_path, kind, logged
):
    """The plugin recovers both (a failed response is dropped; a closed socket reconnects): the
    call goes on and ends normally, with the fault on record in events.jsonl."""
    with FakeRealtime(chat=thinker, faults=[Fault(kind, on_response=2)]) as fake:
        result, session_dir = place(fake, REALTIME / "agent_fault.yaml", tmp_path)
    statuses = [r["status"] for r in fake.responses if r["side"] == "agent"]
    assert statuses[1] == ("failed" if kind == "server_error" else "cancelled"), statuses
    assert fake.connections == (2 if kind == "drop_socket" else 1)
    assert result.exit_code == 0, result.stdout + result.stderr
    session = json.loads((session_dir / "session.json").read_text())
    assert session["status"] == "completed"
    for name in ("call.wav", "events.jsonl", "transcript.json", "probes.json", "caller_state.json"):
        assert (session_dir / name).stat().st_size > 0
    assert json.loads((session_dir / "caller_state.json").read_text())["lines_said"] == 3
    errors = [e for e in _events(session_dir) if e["side"] == "agent" and e["type"] == "error"]
    assert any(logged in e["data"]["error"]["message"] for e in errors), errors


def leaky_thinker(body: dict[str, Any]) -> ChatReply:
    """A back office that reads out an internal code: the guardrail must stop it."""
    return ChatReply("The staff discount code is ACME STAFF FORTY.")


@pytest.mark.slow
def test_the_guardrails_closing_line_is_not_talked_over_on_openai(tmp_path):
    with FakeRealtime(chat=leaky_thinker) as fake:
        result, session_dir = place(fake, REALTIME / "agent_guardrail_end.yaml", tmp_path)
    assert result.exit_code in (0, 1), result.stderr
    agent = [r for r in fake.responses if r["side"] == "agent"]
    [closing] = [r for r in agent if "ending this call" in r["text"]]
    assert closing["status"] == "completed", agent  # the caller talked; the line went on
    assert not any(
        "staff discount code is" in r["text"] and r["status"] == "completed"
        for r in agent[agent.index(closing) :]
    )
    updates = [
        e["session"]["audio"]["input"]
        for e in fake.client_events
        if e["type"] == "session.update"
        and "turn_detection" in e["session"].get("audio", {}).get("input", {})
    ]
    assert updates[-1]["turn_detection"] is None  # the server stopped listening for turns
    barge_ins = json.loads((session_dir / "caller_state.json").read_text())["barge_ins"]
    closing_turn = next(
        t for t in _turns(session_dir) if t["speaker"] == "agent" and "ending" in t["text"]
    )
    assert any(
        closing_turn["start_s"] <= b["said_at_s"] <= closing_turn["end_s"] for b in barge_ins
    ), (barge_ins, closing_turn)
    assert not closing_turn.get("interrupted")
    events = _events(session_dir)
    assert any(e["side"] == "agent" and e["type"] == "close" for e in events)


def test_a_caller_on_openai_cannot_barge_in_and_is_refused_before_the_call(tmp_path):
    scenario = tmp_path / "s.yaml"
    scenario.write_text(
        (REALTIME / "agent_barge_in.yaml")
        .read_text()
        .replace("persona: barge_in_caller.yaml", f"persona: {REALTIME / 'barge_in_caller.yaml'}")
    )
    result = run_crosstalk(
        "run",
        str(scenario),
        "--caller-backend",
        "openai",
        "--out",
        str(tmp_path / "out"),
        env={"OPENAI_API_KEY": FAKE_KEY, "OPENAI_BASE_URL": "http://127.0.0.1:9/v1"},
    )
    assert result.exit_code == 2, result.stderr
    assert "barge_in_caller.yaml:7" in result.stderr and "script.1.interrupt" in result.stderr
    assert "Traceback" not in result.stderr
