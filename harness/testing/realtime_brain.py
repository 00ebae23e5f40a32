"""What the fake Realtime API (`fake_realtime.py`) says: its brains, and the faults it injects.

A brain is a pure function from a `Turn` (the session's instructions, this response's and the
conversation so far) to a `Reply` (what the model says, then an optional function call). The
default plays Ava, the reference agent, for the agent's instructions, and a persona's lines in
order for a caller's.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

FaultKind = Literal["rate_limit", "server_error", "drop_socket"]


@dataclass(frozen=True)
class Fault:
    """Break the `on_response`-th response (1-based, counted over one side's connections)."""

    kind: FaultKind
    on_response: int
    side: str = "agent"


@dataclass(frozen=True)
class Reply:
    """What the model says in one response, then (optionally) a function call it makes."""

    text: str = ""
    call: tuple[str, dict[str, Any]] | None = None


@dataclass
class Turn:
    """What a brain sees: the session's instructions, this response's, and the conversation."""

    side: str
    session_instructions: str
    instructions: str | None
    items: list[dict[str, Any]]

    def said(self, role: str) -> list[str]:
        return [item_text(i) for i in self.items if i.get("role") == role]

    def since_last_assistant(self) -> list[dict[str, Any]]:
        tail: list[dict[str, Any]] = []
        for item in reversed(self.items):
            if item.get("role") == "assistant":
                break
            tail.insert(0, item)
        return tail


Brain = Callable[[Turn], Reply]


def item_text(item: dict[str, Any]) -> str:
    """The words of a conversation item: its text or its transcript."""
    parts = []
    for part in item.get("content") or []:
        parts.append(part.get("text") or part.get("transcript") or "")
    return " ".join(p for p in parts if p).strip()


def side_of(instructions: str) -> str:
    """Which side a connection plays, from its session instructions."""
    return "agent" if "You are Ava" in instructions else "caller"


def _script_lines(instructions: str, heading: str) -> list[str]:
    _, _, after = instructions.partition(heading)
    lines = []
    for line in after.splitlines()[1:]:
        if not line.startswith("- "):
            if lines:
                break
            continue
        lines.append(line[2:].strip())
    return lines


def default_brain(turn: Turn) -> Reply:
    """Ava for the agent's instructions; the persona's lines, in order, for a caller's."""
    if turn.side == "agent":
        return _ava(turn)
    said = len(turn.said("assistant"))
    scripted = _script_lines(turn.session_instructions, "Say these lines in order")
    if scripted:
        return Reply(scripted[said] if said < len(scripted) else "Goodbye.")
    lines = _script_lines(turn.session_instructions, "Things you might say, in this order")
    if said < len(lines):
        last = said == len(lines) - 1
        call = ("end_call", {"goal_achieved": True, "reason": "got what I called for"})
        return Reply(lines[said], call if last else None)
    return Reply("Goodbye.", ("end_call", {"goal_achieved": True, "reason": "done"}))


def _ava(turn: Turn) -> Reply:
    asked = turn.instructions or ""
    if exact := re.search(r"Say exactly(?: this and nothing else)?: (.+)", asked, re.S):
        return Reply(exact.group(1).strip())
    if "Greet the caller as Ava" in asked:
        return Reply("Hello, this is Ava from Acme Outfitters. How can I help you today?")
    told = " ".join(turn.said("assistant"))
    for item in reversed(turn.items):  # a result not yet told, wherever it was inserted
        text = item_text(item)
        if item.get("role") == "system" and text.startswith("[thinker_result]"):
            result = text.removeprefix("[thinker_result]").strip()
            if result not in told:
                return Reply(result)
    if "Tell the caller the result" in asked:
        return Reply("I am still checking that for you.")
    heard = " ".join(turn.said("user")[-1:]).lower()
    if re.search(r"\b(bye|goodbye|that is all)\b", heard):
        return Reply("Thank you for calling Acme Outfitters. Goodbye.")
    return Reply("Let me check that for you.")


def usage(instructions: str, items: list[dict[str, Any]], text: str) -> dict[str, Any]:
    """Token usage for `response.done`: words in, about four audio tokens a word out."""
    text_in = len((instructions + " ".join(item_text(i) for i in items)).split())
    audio_out = max(1, len(text.split()) * 4)
    return {
        "total_tokens": text_in + audio_out + len(text.split()),
        "input_tokens": text_in,
        "output_tokens": audio_out + len(text.split()),
        "input_token_details": {"text_tokens": text_in, "audio_tokens": 0, "cached_tokens": 0},
        "output_token_details": {"text_tokens": len(text.split()), "audio_tokens": audio_out},
    }
