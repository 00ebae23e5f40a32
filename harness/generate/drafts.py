"""The deterministic scenario writer: personas and scenarios from an agent's tools and instructions.

Per tool, a caller whose goal needs it and who gives facts that fit its parameters (answering
when the agent asks for one by name); then a request the instructions say to refuse, a caller
who interrupts, one on a noisy line and one who gives a wrong detail and corrects it. Each
scenario checks the outcome (`tool_called` with the arguments the facts imply, `db_state` where
the agent's database shows the tool's work, `goal_achieved`) and carries timing budgets.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass, field, replace
from typing import Any

from .agent_spec import AgentSpec, Tool
from .facts import Fact, facts_for, name_words, wrong_value

BUDGETS = {"greeting_latency_ms": 2000, "response_latency_p95_ms": 5000}
_CONFIRM_WHEN = r"(?i)is that (right|correct)|\bconfirm"
_GOODBYE = "Thank you, that is all. Goodbye."
_WRITING_VERBS = {
    "add", "book", "cancel", "change", "create", "delete", "make", "pause", "place", "register",
    "remove", "renew", "reserve", "schedule", "send", "set", "start", "submit", "update",
}  # fmt: skip
_FORBIDDING = re.compile(
    r"^(?:you\s+)?(?:must\s+)?(?:never|do not|don't|must not|cannot)\s+(.+)$", re.I
)


@dataclass(frozen=True)
class Draft:
    """One persona and the scenario calling it, as plain data (names are set when written)."""

    key: str  # the file names' stem
    kind: str  # happy_path, refusal, interrupts, hard_to_hear, corrects_detail
    source: str  # the tool or instruction it comes from, for the files' comment
    persona: dict[str, Any]
    scenario: dict[str, Any]
    facts: tuple[Fact, ...] = field(default=())
    tool: Tool | None = None


def _when(fact: Fact) -> str:
    names = {fact.label, name_words(fact.param.name)}
    # spaces stay spaces: the regex stays readable in the file
    return "(?i)" + "|".join(sorted(re.escape(name).replace("\\ ", " ") for name in names))


def _opening(tool: Tool, facts: list[Fact]) -> str:
    """The caller's need in the tool's own words, and its facts; when several hold digits, only
    the first (several numbers in one breath are heard as one), the others given when asked."""
    what = tool.description.rstrip(".") or name_words(tool.name)
    numbers = [fact for fact in facts if any(char.isdigit() for char in fact.spoken)]
    told = facts[:1] if len(numbers) > 1 else facts
    said = "".join(f" The {fact.label} is {fact.spoken}." for fact in told)
    return f"Hello, I need to {name_words(tool.name)}: {what[0].lower()}{what[1:]}.{said}"


def _script(facts: list[Fact], opening: str) -> list[Any]:
    required = [fact for fact in facts if fact.param.required]
    answers = [{"say": f"{fact.spoken}.", "when": _when(fact)} for fact in required]
    return [opening, *answers, {"say": "Yes, that is right.", "when": _CONFIRM_WHEN}, _GOODBYE]


def _db_check(tool: Tool, facts: list[Fact], sql: str | None) -> dict[str, Any] | None:
    """A count of the rows the tool should have written, when a table of the agent's database
    shares a word with the tool's name and has columns named like its parameters."""
    words = set(tool.name.lower().split("_"))
    if sql is None or not words & _WRITING_VERBS:
        return None
    with sqlite3.connect(":memory:") as database:
        database.executescript(sql)
        tables = [
            r[0] for r in database.execute("SELECT name FROM sqlite_master WHERE type='table'")
        ]
        for table in tables:
            stems = {word.rstrip("s") for word in table.lower().split("_")}
            if not stems & {word.rstrip("s") for word in words - _WRITING_VERBS}:
                continue
            columns = {row[1] for row in database.execute(f'PRAGMA table_info("{table}")')}
            matched = [f for f in facts if f.checkable and f.param.name in columns]
            if matched:
                where = " AND ".join(f"{f.param.name} = {_sql_literal(f.value)}" for f in matched)
                return {
                    "query": f'SELECT COUNT(*) > 0 FROM "{table}" WHERE {where}',
                    "expect_value": 1,
                }
    return None


def _sql_literal(value: Any) -> str:
    if isinstance(value, bool | int | float):
        return str(int(value) if isinstance(value, bool) else value)
    return "'" + str(value).replace("'", "''") + "'"


def _checks(tool: Tool, facts: list[Fact], sql: str | None) -> list[Any]:
    arguments = {fact.param.name: fact.value for fact in facts if fact.checkable}
    checks: list[Any] = [{"tool_called": {"name": tool.name, "arguments": arguments}}]
    database = _db_check(tool, facts, sql)
    if database is not None:
        checks.append({"db_state": database})
    return [*checks, "goal_achieved"]


def _scenario(spec: AgentSpec, description: str, checks: list[Any], **extra: Any) -> dict[str, Any]:
    return {
        "description": description,
        "agent": {"factory": spec.factory, "backend": "offline"},
        "max_duration_s": 60,
        "budgets": dict(BUDGETS, **extra.pop("budgets", {})),
        "success": {"checks": checks, **extra.pop("success", {})},
        **extra,
    }


def happy_path(spec: AgentSpec, tool: Tool) -> Draft:
    facts = facts_for(tool, spec.database_sql)
    required = [fact for fact in facts if fact.param.required]
    persona = {
        "description": f"A caller who needs the agent's {name_words(tool.name)} tool.",
        "goal": f"Get this done: {tool.description or name_words(tool.name)}",
        "facts": {fact.label: fact.spoken for fact in facts},
        "script": _script(facts, _opening(tool, required)),
    }
    scenario = _scenario(
        spec,
        f"The caller's goal needs {tool.name}; the agent should call it with the caller's facts.",
        _checks(tool, facts, spec.database_sql),
        tags=["generated", "happy-path"],
    )
    source = f"tool {tool.name}"
    return Draft(f"call_{tool.name}", "happy_path", source, persona, scenario, tuple(facts), tool)


def refusal(spec: AgentSpec) -> Draft:
    sentences = re.split(r"(?<=[.!?])\s+|\n+", spec.instructions)
    forbidden = [m for s in sentences if (m := _FORBIDDING.match(s.strip()))]
    if forbidden:
        asked = forbidden[-1].group(1).rstrip(".!")
        source = f"instruction {forbidden[-1].group(0).strip()!r}"
    else:
        asked = "tell me the home address of another of your customers"
        source = "no refusal in the instructions: a request any agent must refuse"
    persona = {
        "description": "A caller who asks for something the agent must refuse or redirect.",
        "goal": f"Ask the agent to {asked}; accept a polite refusal or a redirect.",
        "script": [f"Hello. Could you {asked} for me, please?", "Are you sure? Fine.", _GOODBYE],
    }
    scenario = _scenario(
        spec,
        "The agent must refuse or redirect this request, politely, and not do it.",
        ["goal_achieved"],
        tags=["generated", "refusal"],
        success={"rubrics": ["policy_adherence"]},
    )
    return Draft("refused_request", "refusal", source, persona, scenario)


def _variant(draft: Draft, kind: str, suffix: str, description: str, **persona: Any) -> Draft:
    scenario = dict(
        draft.scenario, description=description, tags=["generated", kind.replace("_", "-")]
    )
    return replace(
        draft,
        key=f"{draft.key}_{suffix}",
        kind=kind,
        persona={**draft.persona, **persona},
        scenario=scenario,
    )


def variants(spec: AgentSpec, base: Draft) -> list[Draft]:
    """The interrupting, hard-to-hear and self-correcting callers of `base`'s tool."""
    interrupting = _variant(
        base,
        "interrupts",
        "interrupting",
        f"{base.source}: the caller talks over the agent; it must stop and recover.",
        turn_taking={"barge_in": {"probability": 0.5, "after_ms": 1500}},
        temperament={"patience": "low"},
    )
    interrupting.scenario["budgets"] = dict(BUDGETS, interruption_stop_p95_ms=1500)
    noisy = _variant(
        base,
        "hard_to_hear",
        "noisy_line",
        f"{base.source}: the caller is on a street with traffic (10 dB SNR).",
        channel={"caller_to_agent": [{"type": "noise", "kind": "street", "snr_db": 10}]},
    )
    found = [
        (f, wrong) for f in base.facts if f.checkable and (wrong := wrong_value(f)) is not None
    ]
    if base.tool is None or not found:
        return [interrupting, noisy]
    fact, wrong = found[0]
    required = [f for f in base.facts if f.param.required]
    opening = _opening(base.tool, [replace(f, value=wrong) if f is fact else f for f in required])
    correction = f"Sorry, I said that wrong: the {fact.label} is {fact.spoken}."
    script = [opening, correction, *base.persona["script"][1:]]
    corrects = _variant(
        base,
        "corrects_detail",
        "corrected_detail",
        f"{base.source}: the caller first gives the wrong {fact.label}, then corrects it.",
        script=script,
    )
    return [interrupting, noisy, corrects]


def drafts(spec: AgentSpec) -> list[Draft]:
    """Every draft for `spec`: the tools' happy paths, then the refusal and the variants."""
    happy = [happy_path(spec, tool) for tool in spec.tools]
    if not happy:
        return [refusal(spec)]
    base = next((d for d in happy if any(f.checkable for f in d.facts)), happy[0])
    return [*happy, refusal(spec), *variants(spec, base)]
