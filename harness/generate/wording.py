"""A chat model words a draft's persona (description, goal, lines), checked before it is kept.

The model gets the agent's instructions, the tool and the deterministic draft, and answers with
JSON. The answer is kept only if it is a valid persona and every checked fact is still said in
its lines (else the scenario's `tool_called` could not pass); otherwise the model is asked again
with the problem, up to `ATTEMPTS` times, and then the draft is dropped.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import openai
from pydantic import ValidationError

from ..config.persona import Persona
from ..judging.settings import JudgeSettings
from .agent_spec import AgentSpec
from .drafts import Draft

ATTEMPTS = 3
_SYSTEM = """You write simulated phone callers that test a voice agent. Reword the draft caller
below so it sounds like a real person with this goal, keeping its purpose. Answer with one JSON
object only: {"description": "...", "goal": "...", "script": [...]}. `script` items are strings
(lines said in order) or {"say": "...", "when": "<regex on the agent's last turn>"} for lines said
only when the agent asks. Keep every fact value exactly as given, said in the lines."""


def _request(draft: Draft, spec: AgentSpec) -> str:
    tool = draft.tool
    return json.dumps(
        {
            "agent_instructions": spec.instructions,
            "tool": {"name": tool.name, "description": tool.description} if tool else None,
            "kind": draft.kind,
            "draft": {key: draft.persona.get(key) for key in ("description", "goal", "script")},
            "facts_to_keep": {f.label: f.spoken for f in draft.facts if f.checkable},
        },
        indent=1,
    )


def _checked(answer: str | None, draft: Draft) -> dict[str, Any]:
    """The persona fields from the model's answer; ValueError saying what is wrong."""
    try:
        found = json.loads(answer or "")
    except json.JSONDecodeError as exc:
        raise ValueError(f"not JSON ({exc.msg})") from None
    if not isinstance(found, dict) or not {"description", "goal", "script"} <= found.keys():
        raise ValueError("give an object with description, goal and script")
    fields = {key: found[key] for key in ("description", "goal", "script")}
    persona = {**draft.persona, **fields}
    try:
        parsed = Persona.model_validate({"name": draft.key, **persona})
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise ValueError(f"not a valid persona: {where}: {first['msg']}") from None
    if not parsed.script:
        raise ValueError("the script has no lines (the scripted caller needs at least one)")
    said = " ".join(line.say for line in parsed.script).lower()
    missing = [f.spoken for f in draft.facts if f.checkable and f.spoken.lower() not in said]
    if missing:
        raise ValueError("the lines never say " + ", ".join(repr(value) for value in missing))
    return persona


def reword(draft: Draft, spec: AgentSpec, settings: JudgeSettings) -> tuple[Draft | None, str]:
    """`draft` with the model's wording, or None and the last problem after `ATTEMPTS` tries."""
    client = openai.OpenAI(
        base_url=settings.base_url,
        api_key=settings.api_key,
        timeout=settings.timeout_s,
        max_retries=settings.max_retries,
    )
    messages: list[Any] = [
        {"role": "system", "content": _SYSTEM},
        {"role": "user", "content": _request(draft, spec)},
    ]
    problem = "no answer"
    try:
        for _ in range(ATTEMPTS):
            try:
                reply = client.chat.completions.create(
                    model=settings.model or "", messages=messages, temperature=0.7
                )
            except openai.APIError as exc:
                return None, f"the model could not be reached ({type(exc).__name__}: {exc})"
            answer = reply.choices[0].message.content
            try:
                return replace(draft, persona=_checked(answer, draft)), ""
            except ValueError as exc:
                problem = str(exc)
            messages += [
                {"role": "assistant", "content": answer or ""},
                {"role": "user", "content": f"That answer is invalid: {problem}. Answer again."},
            ]
    finally:
        client.close()
    return None, f"invalid after {ATTEMPTS} tries: {problem}"
