"""What an agent declares, read for writing scenarios: instructions, tools with parameters, SQL.

A factory's `crosstalk_description` is read when it declares tools (the reference agent's
thinker runs OpenAI-style schemas the livekit `Agent` does not carry); otherwise the factory is
called with no arguments and the livekit `Agent` it returns gives its instructions and its
`function_tool`s, each turned into the same JSON-schema form.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from livekit.agents import Agent, llm
from livekit.agents.llm import utils as llm_utils

from ..agent_description import description_of
from ..errors import ConfigError
from ..runner.agent_loader import import_factory


@dataclass(frozen=True)
class Param:
    name: str
    type: str  # the JSON-schema type: string, integer, number, boolean
    description: str = ""
    required: bool = True
    enum: tuple[Any, ...] = ()
    examples: tuple[Any, ...] = ()


@dataclass(frozen=True)
class Tool:
    name: str
    description: str
    params: tuple[Param, ...]


@dataclass(frozen=True)
class AgentSpec:
    factory: str
    instructions: str
    tools: tuple[Tool, ...]
    database_sql: str | None = None
    options: tuple[str, ...] = ()  # the top-level `agent.options` its options schema names


def _param(name: str, schema: Mapping[str, Any], required: bool) -> Param:
    kind = schema.get("type")
    if kind is None:  # `str | None` and the like: the first typed branch
        branches = [b for b in schema.get("anyOf", []) if b.get("type") not in (None, "null")]
        kind = branches[0].get("type") if branches else "string"
    return Param(
        name=name,
        type=str(kind),
        description=str(schema.get("description", "")),
        required=required,
        enum=tuple(schema.get("enum", ())),
        examples=tuple(schema.get("examples", ())),
    )


def tool_from_schema(schema: Mapping[str, Any]) -> Tool:
    """A `Tool` from an OpenAI-style function schema (`{"type": "function", "function": ...}`)."""
    function = schema.get("function", schema)
    parameters = function.get("parameters") or {}
    required = set(parameters.get("required", ()))
    params = tuple(
        _param(name, value, name in required)
        for name, value in (parameters.get("properties") or {}).items()
    )
    return Tool(str(function["name"]), str(function.get("description", "")).strip(), params)


def _agent_of(factory: str, made: Callable[..., Any]) -> Agent:
    takes = inspect.signature(made).parameters
    offered = {"backend": "offline"} if "backend" in takes else {}
    try:
        agent = made(**offered)
    except Exception as exc:  # the user's own factory: its message is the problem
        raise ConfigError(
            f"--from-agent {factory!r}: calling it with no options failed "
            f"({type(exc).__name__}: {exc})",
            hint="give the factory defaults for its options, or declare `crosstalk_description`",
        ) from None
    if not isinstance(agent, Agent):
        raise ConfigError(
            f"--from-agent {factory!r}: returned {type(agent).__name__}, not an Agent"
        )
    return agent


def read_agent(factory: str, root: Path) -> AgentSpec:
    """What `factory` (`module:function`, importable from `root`) declares about its agent."""
    made = import_factory(factory, root, f"--from-agent {factory!r}")
    description = description_of(made)
    sql = description.database_sql() if description and description.database_sql else None
    schema = (description.options_schema if description else None) or {}
    options = tuple(schema.get("properties", {}))
    if description is not None and description.tools:
        tools = tuple(tool_from_schema(schema) for schema in description.tools)
        return AgentSpec(factory, description.instructions, tools, sql, options)
    agent = _agent_of(factory, made)
    schemas = [
        llm_utils.build_legacy_openai_schema(tool)
        for tool in agent.tools
        # function tools; provider tools (a model's built-in search) have no schema to write from
        if isinstance(tool, llm.FunctionTool | llm.RawFunctionTool)
    ]
    tools = tuple(tool_from_schema(schema) for schema in schemas)
    instructions = (description.instructions if description else "") or agent.instructions
    return AgentSpec(factory, instructions, tools, sql, options)
