"""Any livekit agent's tool calls and handoffs, from livekit's own session events in events.jsonl,
feed `tool_called`/`tool_not_called` and the judge's transcript."""

from __future__ import annotations

from crosstalk_harness.judging.checks import (
    ToolCalledArgs,
    ToolNotCalledArgs,
    tool_called,
    tool_not_called,
)
from crosstalk_harness.judging.prompt import render_transcript
from crosstalk_harness.judging.session_data import load_session
from crosstalk_harness.runner.event_log import EventLog
from crosstalk_harness.testing.judging_sessions import LOOKUP, ORDER_CALL, write_session
from crosstalk_harness.transport import SessionClock
from livekit.agents import llm
from livekit.agents.voice.events import ConversationItemAddedEvent, FunctionToolsExecutedEvent


def _log_livekit_events(directory, *, side="agent"):
    """events.jsonl as a run writes it: the real livekit event objects through our EventLog."""
    clock = SessionClock()
    clock.start()
    log = EventLog(directory / "events.jsonl", clock)
    call = llm.FunctionCall(call_id="c1", name="lookup_order", arguments='{"order_id": "42791"}')
    output = llm.FunctionCallOutput(
        call_id="c1", name="lookup_order", output="shipped, arrives Friday", is_error=False
    )
    executed = FunctionToolsExecutedEvent(function_calls=[call], function_call_outputs=[output])
    log._handler(side, "function_tools_executed")(executed)
    handoff = llm.AgentHandoff(old_agent_id="greeter", new_agent_id="orders")
    log._handler(side, "conversation_item_added")(ConversationItemAddedEvent(item=handoff))
    log.close()


def test_a_plain_livekit_agents_tool_call_passes_tool_called(tmp_path):
    directory = write_session(tmp_path / "s")
    _log_livekit_events(directory)
    session = load_session(directory)
    assert [(e.type, e.data.get("name")) for e in session.agent_events] == [
        ("tool_call", "lookup_order"),
        ("handoff", None),
    ]
    assert session.tool_calls[0].data["arguments"] == {"order_id": "42791"}
    wanted = ToolCalledArgs(name="lookup_order", arguments={"order_id": "42791"})
    assert tool_called(session, wanted).passed
    assert not tool_not_called(session, ToolNotCalledArgs(name="lookup_order")).passed
    missing = tool_called(session, ToolCalledArgs(name="cancel_order"))
    assert not missing.passed and "lookup_order" in missing.reason


def test_the_judge_sees_livekit_tool_calls_results_and_handoffs(tmp_path):
    directory = write_session(tmp_path / "s")
    _log_livekit_events(directory)
    transcript = render_transcript(load_session(directory))
    assert 'lookup_order({"order_id": "42791"}) -> "shipped, arrives Friday"' in transcript
    assert "[agent handoff" in transcript and '"to": "orders"' in transcript


def test_the_callers_own_tools_are_not_the_agents(tmp_path):
    directory = write_session(tmp_path / "s")
    _log_livekit_events(directory, side="caller")
    assert load_session(directory).tool_calls == []


def test_an_agent_that_logs_its_own_tool_calls_is_not_counted_twice(tmp_path):
    directory = write_session(
        tmp_path / "s", ORDER_CALL, events=[{"t": 3.0, "type": "tool_call", "data": LOOKUP}]
    )
    _log_livekit_events(directory)
    session = load_session(directory)
    assert len(session.tool_calls) == 1
    assert session.tool_calls[0].data["result"] == LOOKUP["result"]
    assert [e.type for e in session.agent_events].count("handoff") == 1
