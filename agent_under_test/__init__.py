"""The reference agent under test: Acme Outfitters' customer-service voice agent.

`create_agent` is the factory a scenario names (`crosstalk_agent:create_agent`, the default):
a responder (the livekit `Agent` that talks), a thinker working out of band, an event-driven
controller storing every event, YAML-configured policies and realtime guardrails. See
docs/agent-under-test.md.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from crosstalk_harness.agent_description import AgentDescription

from .config import AgentConfig, load_config
from .controller import Controller
from .responder import INSTRUCTIONS, Responder
from .retrieval import KnowledgeBase
from .runtime import Runtime
from .store import AgentStore, database_sql
from .thinker import build_thinker
from .tools import TOOL_SCHEMAS


def _customer_data(store: AgentStore) -> dict[str, list[str]]:
    """Per customer, the values only they may hear: name, phone, email, postcode, addresses."""
    data: dict[str, list[str]] = {}
    for row in store.query("SELECT id, name, phone, email, postcode FROM customers"):
        data[row["id"]] = [row["name"], row["phone"], row["email"], row["postcode"]]
    for row in store.query("SELECT customer_id, address FROM orders"):
        data[row["customer_id"]].append(row["address"])
    return data


def _clock_from_now() -> Callable[[], float]:
    started = time.monotonic()
    return lambda: time.monotonic() - started


def build_runtime(
    config: AgentConfig,
    *,
    session_dir: Path | None,
    clock: Callable[[], float] | None,
    backend: str = "offline",
) -> Runtime:
    """Everything but the livekit `Agent`: storage, controller, thinker, guardrails, policies."""
    session_id = session_dir.name if session_dir else uuid.uuid4().hex[:12]
    store = AgentStore(session_dir, session_id)
    controller = Controller(store, clock or _clock_from_now())
    return Runtime(
        config,
        controller,
        build_thinker(config.thinker, backend=backend),
        KnowledgeBase.load(),
        _customer_data(store),
    )


def create_agent(
    backend: str = "offline",
    session_dir: Path | None = None,
    clock: Callable[[], float] | None = None,
    scenario_dir: Path | None = None,
    **options: Any,
) -> Responder:
    """The agent for one session on `backend`; `options` are the scenario's `agent.options`.

    Offline the responder brings its own deterministic brain; on `openai` the session's
    realtime model speaks. Its events go to `session_dir` (agent_events.jsonl, agent.sqlite).
    """
    config = load_config(options, scenario_dir)
    runtime = build_runtime(config, session_dir=session_dir, clock=clock, backend=backend)
    return Responder(runtime, offline_brain=backend == "offline")


# values that fit the shipped data (agent_under_test/data/retail.sql): an order that can still be
# redirected, one that can be returned, a customer's phone, a question the help articles answer
_EXAMPLES = {
    "lookup_order": {"order_id": "42791"},
    "lookup_customer": {"phone": "5550199"},
    "change_address": {"order_id": "42791", "new_address": "12 Baker Street"},
    "start_return": {"order_id": "77120"},
    "check_policy": {"action": "change_address", "order_id": "42791"},
    "search_knowledge": {"query": "What time do your stores open on Sunday?"},
}
_OPTIONAL = {"start_return": {"reason"}}  # the tool's own default ("not given") stands in


def _described(schema: dict[str, Any]) -> dict[str, Any]:
    """`schema` with example values on its parameters, and only the truly required ones required."""
    function = dict(schema["function"])
    name = function["name"]
    parameters = dict(function["parameters"])
    properties = {key: dict(value) for key, value in parameters["properties"].items()}
    for key, example in _EXAMPLES.get(name, {}).items():
        properties[key]["examples"] = [example]
    parameters["properties"] = properties
    parameters["required"] = [k for k in parameters["required"] if k not in _OPTIONAL.get(name, ())]
    return {"type": "function", "function": {**function, "parameters": parameters}}


# lets `crosstalk validate` check options, tool names and db_state SQL before any call, and
# `crosstalk new scenarios --from-agent` write scenarios for its tools
create_agent.crosstalk_description = AgentDescription(  # type: ignore[attr-defined]
    check_options=load_config,
    database_sql=database_sql,
    tools=tuple(_described(schema) for schema in TOOL_SCHEMAS),
    instructions=INSTRUCTIONS,
    options_schema=AgentConfig.model_json_schema(),
)

__all__ = ["Responder", "build_runtime", "create_agent", "load_config"]
