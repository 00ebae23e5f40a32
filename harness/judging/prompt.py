"""The LLM judge's prompt (jinja2) and the JSON schema its answer must follow.

The transcript is shown with turn numbers, speakers, timings and interruptions, with the agent's
tool calls, thinker results and guardrail actions placed between the turns where they happened.
The answer schema is built per rubric from a pydantic model: for each criterion a rationale,
evidence quotes with turn numbers, and a score on the criterion's scale (or "unsure").
"""

from __future__ import annotations

import json
from typing import Any, Literal

import jinja2
from pydantic import BaseModel, ConfigDict, Field, create_model

from ..rundir.models import AgentEvent, Turn
from .rubrics import Criterion, Rubric
from .session_data import SessionData
from .wer import normalise

PROMPT_VERSION = "crosstalk-judge/1"
UNSURE = "unsure"
_SHOWN_EVENTS = ("tool_call", "handoff", "thinker_result", "guardrail")

SYSTEM_TEMPLATE = """\
You are a strict, careful evaluator of phone calls between a caller and a voice agent.
You grade one call against the rubric "{{ rubric.name }}": {{ rubric.description }}
{% if rubric.instructions %}
{{ rubric.instructions }}
{% endif %}
Rules:
- Judge only from the transcript, the agent's logged actions
{%- if probes %}, the timing measurements{% endif %} and the context below.
  Do not assume anything that is not shown.
- For every criterion write the rationale first, then cite evidence: exact quotes copied word
  for word from the transcript, each with the number of the turn it comes from.
  Quote only what is in the transcript.
{% if rubric.hears_audio %}
- You also hear the audio of every {{ rubric.listen_to | join(" and ") }} turn, after the
  transcript, each labelled with its turn number and its times in the call. Judge how a turn
  sounded (pace, pitch and its variation, loudness, warmth) from its audio, and what was said
  from the transcript. With each quote give `at_s`, the time in seconds from the start of the
  call where you heard it, within that turn's audio.
{% endif %}
- If the transcript does not let you decide a criterion, answer "{{ unsure }}" for it.

Criteria:
{% for c in rubric.criteria %}
{% set scale = "pass or fail" if c.scale == "pass_fail" else "score 1 to 5" %}
- {{ c.name }} ({{ scale }}): {{ c.description }}
{% for level, meaning in c.anchors.items() %}
    {{ level }}: {{ meaning }}
{% endfor %}
{% endfor %}
{% if rubric.examples %}
Examples of how calls are graded:
{% for example in rubric.examples %}
Example {{ loop.index }}:
{{ example.transcript | trim }}
Scores: {{ example.scores.items() | map("join", "=") | join(", ") }}
{% if example.rationale %}Why: {{ example.rationale }}{% endif %}

{% endfor %}
{% endif %}
"""

USER_TEMPLATE = """\
{% if context %}
Context (facts and policies the agent must follow):
{{ context | trim }}

{% endif %}
Transcript (times in seconds from the start of the call):
{{ transcript }}
{% if probes %}

Timing measured from the recording:
{{ probes }}
{% endif %}

Grade every criterion: {{ rubric.criteria | map(attribute="name") | join(", ") }}.
"""

_environment = jinja2.Environment(
    undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True, autoescape=False
)


def _timing(turn: Turn) -> str:
    if turn.start_s is None:
        return "untimed"
    return (
        f"{turn.start_s:.2f}-{turn.end_s:.2f} s"
        if turn.end_s is not None
        else f"{turn.start_s:.2f} s"
    )


def _event_line(event: AgentEvent) -> str:
    at = f" at {event.t:.2f} s" if isinstance(event.t, int | float) else ""
    data = event.data
    if event.type == "tool_call":
        arguments = json.dumps(data.get("arguments", {}), sort_keys=True)
        result = json.dumps(data.get("result"), sort_keys=True, default=str)
        return f"    [agent tool call{at}] {data.get('name')}({arguments}) -> {result}"
    label = event.type.replace("_", " ")
    return f"    [agent {label}{at}] {json.dumps(data, sort_keys=True, default=str)}"


def render_transcript(session: SessionData) -> str:
    events = [e for e in session.agent_events if e.type in _SHOWN_EVENTS]
    lines: list[str] = []
    for index, turn in enumerate(session.turns):
        next_start = session.turns[index + 1].start_s if index + 1 < len(session.turns) else None
        flags = ", cut off (interrupted)" if turn.interrupted else ""
        flags += ", backchannel over the other side" if turn.backchannel else ""
        lines.append(f'Turn {turn.number} | {turn.speaker} | {_timing(turn)}{flags}: "{turn.text}"')
        if turn.heard_as is not None and normalise(turn.heard_as) != normalise(turn.text):
            lines.append(f'    (the other side heard: "{turn.heard_as}")')
        while events and (
            next_start is None
            or not isinstance(events[0].t, int | float)
            or events[0].t < next_start
        ):
            lines.append(_event_line(events.pop(0)))
    lines.extend(_event_line(event) for event in events)
    return "\n".join(lines) if lines else "(nobody said anything)"


def render_probes(probes: dict[str, Any]) -> str:
    summary = probes.get("summary", {})
    lines = [f"summary: {json.dumps(summary, sort_keys=True)}"]
    for response in probes.get("responses", []):
        lines.append(
            f"response: caller stopped {response.get('caller_end_s')} s, agent started "
            f"{response.get('agent_start_s')} s, latency {response.get('latency_ms')} ms"
        )
    for item in probes.get("interruptions", []):
        lines.append(f"interruption: {json.dumps(item, sort_keys=True)}")
    return "\n".join(lines)


def render_messages(rubric: Rubric, session: SessionData, context: str) -> list[dict[str, str]]:
    probes = render_probes(session.probes) if rubric.sees_probes and session.probes else ""
    values = {
        "rubric": rubric,
        "unsure": UNSURE,
        "probes": probes,
        "context": context,
        "transcript": render_transcript(session),
    }
    system = _environment.from_string(SYSTEM_TEMPLATE).render(values)
    user = _environment.from_string(USER_TEMPLATE).render(values)
    return [{"role": "system", "content": system}, {"role": "user", "content": user}]


class _Closed(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Quote(_Closed):
    turn: int = Field(description="the turn number the quote comes from")
    quote: str = Field(description="words copied exactly from that turn")


class HeardQuote(Quote):
    at_s: float = Field(description="seconds from the call's start where it was heard")


def _criterion_answer(criterion: Criterion, quote: type[Quote]) -> type[BaseModel]:
    levels = Literal[(*criterion.levels, UNSURE)]  # type: ignore[valid-type]
    return create_model(
        f"Answer_{criterion.name}",
        __base__=_Closed,
        rationale=(str, Field(description="why, in one to three sentences")),
        evidence=(list[quote], Field(description="quotes supporting the score")),  # type: ignore[valid-type]
        score=(levels, Field(description=criterion.description)),
    )


def answer_model(rubric: Rubric) -> type[BaseModel]:
    """The answer's shape: `{"criteria": {<name>: {rationale, evidence, score}}}`; an audio
    rubric's evidence also says when it was heard (`at_s`)."""
    quote = HeardQuote if rubric.hears_audio else Quote
    criteria = create_model(
        "Criteria",
        __base__=_Closed,
        **{c.name: (_criterion_answer(c, quote), ...) for c in rubric.criteria},  # type: ignore[call-overload]
    )
    return create_model("RubricAnswer", __base__=_Closed, criteria=(criteria, ...))


def response_format(rubric: Rubric) -> dict[str, Any]:
    return {
        "type": "json_schema",
        "json_schema": {
            "name": "rubric_verdict",
            "strict": True,
            "schema": answer_model(rubric).model_json_schema(),
        },
    }
