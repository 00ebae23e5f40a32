"""Bring your own agent: resolve a scenario's `agent.factory` import path to a livekit `Agent`.

A module beside the scenario file is loaded from that file (two scenario folders may each have
their own `agent.py`, see `module_files`); others come from the current directory or the installed
packages. Resolving happens before any call starts, so a typo fails fast (exit 2).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from pathlib import Path
from typing import Any

from livekit.agents import Agent

from ..config import LoadedScenario
from ..errors import ConfigError
from ..module_files import import_user_module

AgentFactory = Callable[..., Any]


def resolve_factory(loaded: LoadedScenario) -> AgentFactory:
    where = f"{loaded.where(('agent', 'factory'))}: agent.factory"
    return import_factory(loaded.scenario.agent.factory, loaded.scenario_path.parent, where)


def import_factory(factory_path: str, folder: Path | None, where: str) -> AgentFactory:
    """The function `package.module:function` names, its module looked for in `folder` first;
    a ConfigError starting with `where` (the field or flag that named it) if there is none."""
    module_name, _, attribute = factory_path.partition(":")
    try:
        module = import_user_module(module_name, folder)
    except ImportError as exc:
        raise ConfigError(
            f"{where}: cannot import module {module_name!r} ({exc})",
            hint="use `package.module:function`, importable from the current directory, the "
            "scenario's directory or an installed package",
        ) from None
    factory = getattr(module, attribute, None)
    if not callable(factory):
        raise ConfigError(f"{where}: module {module_name!r} has no function {attribute!r}")
    return factory


def factory_kwargs(
    factory: AgentFactory, options: dict[str, Any], **offered: Any
) -> dict[str, Any]:
    """`options`, plus each offered value (not None) the factory takes and `options` leave out."""
    kwargs = dict(options)
    parameters = inspect.signature(factory).parameters
    for name, value in offered.items():
        if name in parameters and value is not None:
            kwargs.setdefault(name, value)
    return kwargs


def load_agent(
    loaded: LoadedScenario,
    *,
    backend: str,
    session_dir: Path | None = None,
    clock: Callable[[], float] | None = None,
) -> Agent:
    """Call the factory with the scenario's `agent.options`, plus what it asks for by name.

    A factory may take any of `backend` (the backend name), `session_dir` (the session's directory,
    for the agent's own artifacts), `clock` (seconds on the session clock, the time base of
    `events.jsonl`) and `scenario_dir` (the scenario file's folder, where relative paths in its
    options are resolved); `agent.options` come first, these only fill parameters the options
    leave out.
    """
    factory = resolve_factory(loaded)
    kwargs = factory_kwargs(
        factory,
        loaded.scenario.agent.options,
        backend=backend,
        session_dir=session_dir,
        clock=clock,
        scenario_dir=loaded.scenario_path.resolve().parent,
    )
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
