"""Tool calls, tool results and handoffs of any livekit agent, read from `events.jsonl`.

livekit's own session events are logged for both sides of every call: `function_tools_executed`
(each call with its output) and `conversation_item_added` for an `agent_handoff` item. They are
turned into the same `tool_call` / `handoff` events the reference agent writes to
`agent_events.jsonl`, so `tool_called`, `tool_not_called` and the judge see a user's own agent's
tools too.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ..rundir.files import read_jsonl
from ..rundir.models import AgentEvent


def _arguments(raw: Any) -> Any:
    """livekit keeps a call's arguments as the model's JSON text; checks compare the values."""
    if not isinstance(raw, str):
        return raw if raw is not None else {}
    try:
        return json.loads(raw) if raw.strip() else {}
    except json.JSONDecodeError:
        return raw


def _from_record(record: dict[str, Any]) -> list[AgentEvent]:
    t, data = record.get("t"), record.get("data") or {}
    if record.get("type") == "function_tools_executed":
        outputs = {out.get("call_id"): out for out in data.get("function_call_outputs") or []}
        events = []
        for call in data.get("function_calls") or []:
            output = outputs.get(call.get("call_id")) or {}
            events.append(
                AgentEvent(
                    t=t,
                    type="tool_call",
                    data={
                        "name": call.get("name"),
                        "arguments": _arguments(call.get("arguments")),
                        "result": output.get("output"),
                        "is_error": bool(output.get("is_error", False)),
                        "source": "livekit",
                    },
                )
            )
        return events
    item = data.get("item") or {}
    if record.get("type") == "conversation_item_added" and item.get("type") == "agent_handoff":
        handoff = {"from": item.get("old_agent_id"), "to": item.get("new_agent_id")}
        return [AgentEvent(t=t, type="handoff", data={**handoff, "source": "livekit"})]
    return []


def agent_tool_events(records: Iterable[dict[str, Any]]) -> tuple[AgentEvent, ...]:
    """The agent side's tool calls and handoffs among events.jsonl records, in order."""
    return tuple(
        event
        for record in records
        if isinstance(record, dict) and record.get("side") == "agent"
        for event in _from_record(record)
    )


def read_agent_tool_events(path: Path) -> tuple[AgentEvent, ...]:
    """Like `agent_tool_events`, from an events.jsonl file (none if there is no such file);
    unreadable lines are skipped, since a crashed call may leave a torn last line and this file
    is evidence, not configuration."""
    return agent_tool_events(read_jsonl(path).records)


def merged(own: tuple[AgentEvent, ...], livekit: tuple[AgentEvent, ...]) -> tuple[AgentEvent, ...]:
    """The agent's own events plus livekit's; livekit's tool calls only if the agent logged none
    itself (the reference agent logs richer ones, and one call must not count twice)."""
    logs_tools = any(event.type == "tool_call" for event in own)
    extra = [e for e in livekit if not (logs_tools and e.type == "tool_call")]
    if not extra:
        return own
    return tuple(sorted([*own, *extra], key=lambda e: e.t if isinstance(e.t, int | float) else 0))
