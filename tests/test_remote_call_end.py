"""A remote agent (LiveKit room, phone) ends, answers and counts turns as an in-process one does:
the remote transport's events are driven here as the room would fire them, through the real
transport, event log and call monitor."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

import pytest
from crosstalk_harness.config.models import LiveKitTarget
from crosstalk_harness.runner.call_monitor import CallMonitor
from crosstalk_harness.runner.event_log import EventLog
from crosstalk_harness.testing.livekit_stub import LiveKitStub
from crosstalk_harness.transport.livekit_room.credentials import LiveKitCredentials
from crosstalk_harness.transport.livekit_room.media import CallerMedia
from crosstalk_harness.transport.livekit_room.transport import LiveKitTransport
from livekit import rtc


@pytest.fixture
async def call(tmp_path):
    with LiveKitStub(agent_names={"crosstalk-agent"}) as stub:
        transport = LiveKitTransport(
            LiveKitCredentials.from_env(stub.env()),
            LiveKitTarget(kind="livekit", agent_name="crosstalk-agent"),
            session_id="01-remote",
        )
        transport.clock.start()
        events = EventLog(tmp_path / "events.jsonl", transport.clock)
        monitor = CallMonitor(max_turns=None, agent_is_remote=not transport.hosts_agent)
        events.subscribe(monitor.on_event)
        transport.attach_events(events)
        media = CallerMedia(16_000, identity="crosstalk-caller")
        media._remote_matches = transport.party.matches  # set by `remote_audio` on a live call
        media.on_remote_left = transport._on_remote_left
        yield SimpleNamespace(transport=transport, events=events, monitor=monitor, media=media)
        events.close()


def _heard(events: EventLog, text: str) -> None:
    """The caller's recogniser heard the remote agent say `text`."""
    item = {"id": text, "role": "user", "content": [text]}
    events.write("caller", "conversation_item_added", {"item": item})


def _said(events: EventLog, text: str) -> None:
    item = {"id": text, "role": "assistant", "content": [text]}
    events.write("caller", "conversation_item_added", {"item": item})


async def _outcome(call: Any, within_s: float) -> str:
    return await asyncio.wait_for(call.monitor.wait(call.transport.clock.now, 60.0), within_s)


async def test_a_remote_hang_up_ends_the_call_at_once(call):
    _heard(call.events, "Hello, this is the shop.")
    _said(call.events, "Hi, where is my order?")
    waiting = asyncio.create_task(_outcome(call, within_s=2.0))
    await asyncio.sleep(0.3)
    assert not waiting.done(), "the call goes on while both are on the line"
    agent = SimpleNamespace(identity="agent-1", kind=rtc.ParticipantKind.PARTICIPANT_KIND_AGENT)
    call.media._on_participant_disconnected(agent)  # the room says the agent left
    assert await waiting == "completed"
    assert any(r["type"] == "remote_left" for r in call.events.records)


async def test_a_remote_answer_after_the_caller_is_done_ends_the_call_without_waiting(call):
    call.monitor.answer_timeout_s = 30.0
    _said(call.events, "Thanks, bye.")
    call.events.write("caller", "caller_done", {"reason": "said the last line"})
    _heard(call.events, "Goodbye!")
    assert await _outcome(call, within_s=2.0) == "completed"


async def test_max_turns_counts_the_remote_agents_lines_too(call):
    call.monitor.max_turns = 3
    _heard(call.events, "Hello.")
    _said(call.events, "Hi.")
    _heard(call.events, "How can I help?")
    assert call.monitor.lines_said == {"caller": 1, "agent": 2}
    assert await _outcome(call, within_s=2.0) == "max_turns"
