"""Bring your own agent: resolve a scenario's `agent.factory` import path to a livekit `Agent`.

Modules are looked up from the current directory and the scenario's directory as well as the
installed packages. Resolving happens before any call starts, so a typo fails fast (exit 2).
"""

from __future__ import annotations

import importlib
import inspect
import sys
from collections.abc import Callable
from typing import Any

from livekit.agents import Agent

from ..config import LoadedScenario
from ..errors import ConfigError

AgentFactory = Callable[..., Any]


def resolve_factory(loaded: LoadedScenario) -> AgentFactory:
    factory_path = loaded.scenario.agent.factory
    where = loaded.where(("agent", "factory"))
    module_name, _, attribute = factory_path.partition(":")
    for folder in (str(loaded.scenario_path.parent.resolve()), ""):
        if folder not in sys.path:
            sys.path.append(folder)
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise ConfigError(
            f"{where}: agent.factory: cannot import module {module_name!r} ({exc})",
            hint="use `package.module:function`, importable from the current directory, the "
            "scenario's directory or an installed package",
        ) from None
    factory = getattr(module, attribute, None)
    if not callable(factory):
        raise ConfigError(
            f"{where}: agent.factory: module {module_name!r} has no function {attribute!r}"
        )
    return factory


def load_agent(loaded: LoadedScenario, *, backend: str) -> Agent:
    """Call the factory with the scenario's `agent.options` (plus `backend` if it takes one)."""
    factory = resolve_factory(loaded)
    kwargs = dict(loaded.scenario.agent.options)
    if "backend" in inspect.signature(factory).parameters:
        kwargs.setdefault("backend", backend)
    try:
        agent = factory(**kwargs)
    except TypeError as exc:
        raise ConfigError(
            f"{loaded.where(('agent', 'options'))}: agent.options: "
            f"the factory rejected them ({exc})"
        ) from None
    if not isinstance(agent, Agent):
        raise ConfigError(
            f"{loaded.where(('agent', 'factory'))}: agent.factory: returned "
            f"{type(agent).__name__}, not a livekit.agents.Agent"
        )
    return agent
